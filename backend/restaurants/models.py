import uuid
from datetime import date, datetime
from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.core.errors import DomainError
from backend.restaurants import business_numbers


class RestaurantQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RestaurantQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        if user.is_collector:
            return self.filter(district__haulers=user.hauler_id)
        if user.is_owner:
            return self.filter(owner=user)
        return self.none()

    def search(self, query: str) -> "RestaurantQuerySet":
        """Any part of the name or address (case aside), or the register's 관리번호 or the
        business number whole. Uses the generated `search_text` / `search_bigrams` columns
        and their index (migration 0005)."""
        query = " ".join(query.split())[:100]
        if not query:
            return self
        lowered = query.lower()
        pattern = "%" + lowered.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        text = RawSQL(
            '"restaurants_restaurant"."search_bigrams" @> restaurant_bigrams(%s) '
            'AND "restaurants_restaurant"."search_text" LIKE %s',
            [lowered, pattern],
            output_field=models.BooleanField(),
        )
        match = Q(text) | Q(register_id=query)
        digits = query.replace("-", "").replace(" ", "")
        if len(digits) == 10 and digits.isascii() and digits.isdigit():
            match |= Q(business_number=digits)
        return self.filter(match)

    def accounts_visible_to(self, user) -> "RestaurantQuerySet":
        """Restaurants whose bills, payments and disputes the user may see: as
        `visible_to`, except that a crew's route gives no sight of anyone's money."""
        return self.none() if user.is_collector else self.visible_to(user)

    def bulk_create(self, objs, *args, **kwargs):
        """Restaurants made in bulk (a seed, a bench, an import) get their owners'
        periods as one made by `save()` does: through `OwnershipPeriod.follow_owners`."""
        with transaction.atomic(using=self.db):
            made = super().bulk_create(objs, *args, **kwargs)
            OwnershipPeriod.follow_owners([restaurant.pk for restaurant in made if restaurant.pk is not None])
        return made

    def update(self, **kwargs) -> int:
        """An owner changed by `update()` moves the open periods as `save()` would."""
        if "owner" not in kwargs and "owner_id" not in kwargs:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db):
            ids = list(self.values_list("pk", flat=True))
            changed = super().update(**kwargs)
            OwnershipPeriod.follow_owners(ids)
        return changed

    def wallets_visible_to(self, user) -> "RestaurantQuerySet":
        """Restaurants whose account the user may open: as `accounts_visible_to`, and
        for an owner also those they sold (their own account there stays theirs to read)."""
        if user.is_owner:
            return self.filter(Exists(OwnershipPeriod.objects.filter(owner=user, restaurant=OuterRef("pk"))))
        return self.accounts_visible_to(user)


class BusinessType(models.TextChoices):
    """업태: what kind of restaurant, as the licence register names it (registers/business_types.py
    maps the register's names); reports and owners' comparisons group by it."""

    KOREAN = "korean", _("Korean")
    CHINESE = "chinese", _("Chinese")
    JAPANESE = "japanese", _("Japanese")
    WESTERN = "western", _("Western")
    SNACK = "snack", _("Snack bar")
    PUB = "pub", _("Pub, fried chicken")
    CAFE = "cafe", _("Café, tearoom")
    FAST_FOOD = "fast_food", _("Fast food")
    BUFFET = "buffet", _("Buffet")
    OTHER = "other", _("Other")


class RestaurantStatus(models.TextChoices):
    # A context of their own: "Open" is also a notice's "open this" button.
    OPEN = "open", pgettext_lazy("restaurant status", "Open")
    CLOSED = "closed", pgettext_lazy("restaurant status", "Closed")


#: Gives restaurants their numbers (migration 0011 makes it).
NUMBER_SEQUENCE = "restaurants_restaurant_number_seq"


class NextRestaurantNumber(models.Func):
    """The next value of the restaurants' number sequence."""

    template = f"nextval('{NUMBER_SEQUENCE}')"
    output_field = models.BigIntegerField()


class Restaurant(models.Model):
    """A small restaurant (소형 음식점) that puts food waste out in its own bins."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Verbose names: the change history on the officials' pages names the fields with them.
    # Indexed first in restaurant_open_during and restaurant_list_order (Meta.indexes).
    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Municipality"),
        db_index=False,
    )
    district = models.ForeignKey(
        "municipalities.District", on_delete=models.PROTECT, related_name="restaurants", verbose_name=_("District")
    )
    name = models.CharField(max_length=100, verbose_name=pgettext_lazy("a restaurant's name", "Name"))
    business_number = models.CharField(
        max_length=10,
        blank=True,
        verbose_name=_("Business number"),
        help_text="사업자등록번호, ten digits; blank until the owner or an official adds it",
    )
    # NULL, not blank, when absent: the register import upserts on (municipality,
    # register_id) with ON CONFLICT, which needs a plain unique index (NULLs never clash).
    register_id = models.CharField(
        max_length=40,
        null=True,
        blank=True,
        verbose_name=_("Register id"),
        help_text="관리번호: the licence register's own key",
    )
    business_type = models.CharField(
        max_length=16, choices=BusinessType.choices, default=BusinessType.OTHER, verbose_name=_("Business type")
    )
    floor_area_m2 = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("Floor area (m²)"),
        help_text="시설총규모 (m²)",
    )
    status = models.CharField(
        max_length=8, choices=RestaurantStatus.choices, default=RestaurantStatus.OPEN, verbose_name=_("Status")
    )
    closed_on = models.DateField(
        null=True, blank=True, verbose_name=_("Closing day"), help_text="폐업일자: no pickups or bills after this day"
    )
    address = models.CharField(max_length=200, verbose_name=_("Address"))
    # 행정동 or 법정동 as the address names it: a finer grouping than the district for
    # the volume reports; blank when the address names none.
    dong = models.CharField(
        max_length=20, blank=True, verbose_name=_("Dong (neighbourhood)"), help_text="동/읍/면 of the address"
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("Latitude"))
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=_("Longitude"))
    owner = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="restaurants",
        verbose_name=_("Owner"),
    )
    phone = models.CharField(max_length=13, blank=True, verbose_name=_("Phone"))
    created_at = models.DateTimeField(auto_now_add=True)
    # When the row last changed, so that the crews' directory sends only what changed
    # (routes/selectors.py). The database default covers the register import's SQL inserts.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), db_index=True)
    # The restaurant's place in the bit strings that count restaurants served
    # (backend/rollups: a day's restaurants, a district's): given by the database, also
    # to rows the register import inserts in SQL, and never changed (a trigger keeps it).
    number = models.BigIntegerField(db_default=NextRestaurantNumber(), unique=True, editable=False)

    objects = RestaurantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [
            # The officials' list pages seek by (name, id) within a municipality.
            models.Index(fields=["municipality", "name", "id"], name="restaurant_list_order"),
            # The restaurants open during a range, counted from the index alone (the
            # per-restaurant report's pages): 3 ms for 100,000 where the table took 25.
            models.Index(fields=["municipality", "closed_on"], name="restaurant_open_during"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "business_number"],
                condition=~Q(business_number=""),
                name="business_number_unique",
            ),
            models.UniqueConstraint(fields=["municipality", "register_id"], name="register_id_unique"),
            models.CheckConstraint(
                name="restaurant_closed_has_date",
                condition=Q(status=RestaurantStatus.OPEN, closed_on__isnull=True)
                | Q(status=RestaurantStatus.CLOSED, closed_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """The open ownership period follows `owner`, whoever sets it (a form, an
        invitation, the admin); only `hand_over` closes one and starts the next."""
        update_fields = kwargs.get("update_fields")
        with transaction.atomic():
            super().save(*args, **kwargs)
            if update_fields is None or "owner" in update_fields:
                OwnershipPeriod.follow_owners([self.pk])

    @property
    def business_number_display(self) -> str:
        return business_numbers.formatted(self.business_number)

    def is_closed_at(self, moment: datetime) -> bool:
        """Closed for business at this moment: after its 폐업일자, in the municipality's time zone
        (the closing day itself still counts as open)."""
        if self.closed_on is None:
            return False
        return moment.astimezone(self.municipality.zone).date() > self.closed_on

    def close(self, *, on: date) -> None:
        self.status = RestaurantStatus.CLOSED
        self.closed_on = on
        self.save(update_fields=["status", "closed_on", "updated_at"])

    def hand_over(self, *, to, at: datetime) -> None:
        """A new owner from `at` on: the current owner's period ends there (they keep
        what they owned before it), the new owner's starts there. Lock the row first."""
        OwnershipPeriod.objects.filter(restaurant=self, ends_at__isnull=True).update(ends_at=at)
        self.owner = to
        self.save(update_fields=["owner"])


def owned_by(user, *, restaurant: str = "restaurant", moment: str) -> Exists:
    """True when `user` owned the row's restaurant at the row's `moment` (an instant
    field): the one test of an owner's sight of history, after a handover as before.
    One EXISTS over ownership periods, matched by (owner, restaurant) on their index."""
    return Exists(
        OwnershipPeriod.objects.filter(owner=user, restaurant=OuterRef(restaurant))
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=OuterRef(moment)))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=OuterRef(moment)))
    )


class OwnershipPeriod(models.Model):
    """Who owned a restaurant from when to when: [starts_at, ends_at), instants. The
    first owner's period has no start (everything recorded before them is theirs too);
    the current owner's has no end. An owner sees the restaurant's pickups, requests
    and disputes of their own periods only (`owned_by`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey(Restaurant, on_delete=models.PROTECT, related_name="ownership_periods")
    owner = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["restaurant", "starts_at"]
        indexes = [models.Index(fields=["owner", "restaurant"], name="ownership_owner_restaurant")]
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant"], condition=Q(ends_at__isnull=True), name="one_open_ownership_period"
            ),
            models.CheckConstraint(
                name="ownership_period_in_order",
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.restaurant_id} {self.owner_id} {self.starts_at}–{self.ends_at}"

    @classmethod
    def owner_at(cls, restaurant_id, moment: datetime) -> int | None:
        """Who owned the restaurant at that instant (None: nobody)."""
        return (
            cls.objects.filter(restaurant_id=restaurant_id)
            .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=moment))
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=moment))
            .values_list("owner_id", flat=True)
            .first()
        )

    @classmethod
    def follow_owners(cls, restaurant_ids) -> None:
        """Make each restaurant's open period say what its `owner` says: the one
        function that opens an ownership period, whichever way the owner was set
        (`save()`, `bulk_create`, `update(owner=...)`, an invitation, the console).
        Setting an owner by hand corrects the current period (the person named owns
        it all); none means no open period; a restaurant without a period gets one
        from the end of the last (from the beginning, for a first owner)."""
        ids = list(restaurant_ids)
        if not ids:
            return
        owners = dict(Restaurant.objects.filter(pk__in=ids).values_list("pk", "owner_id"))
        open_periods = {p.restaurant_id: p for p in cls.objects.filter(restaurant_id__in=ids, ends_at__isnull=True)}
        cls.objects.filter(pk__in=[p.pk for rid, p in open_periods.items() if owners.get(rid) is None]).delete()
        for restaurant_id, period in open_periods.items():
            owner_id = owners.get(restaurant_id)
            if owner_id is not None and period.owner_id != owner_id:
                period.owner_id = owner_id
                period.save(update_fields=["owner"])
        missing = [rid for rid, owner_id in owners.items() if owner_id is not None and rid not in open_periods]
        if not missing:
            return
        last_ends = dict(
            cls.objects.filter(restaurant_id__in=missing)
            .values("restaurant_id")
            .annotate(last=Max("ends_at"))
            .values_list("restaurant_id", "last")
        )
        OwnershipPeriod.objects.bulk_create(
            [OwnershipPeriod(restaurant_id=rid, owner_id=owners[rid], starts_at=last_ends.get(rid)) for rid in missing]
        )


class BinStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


class BinQuerySet(models.QuerySet):
    def visible_to(self, user) -> "BinQuerySet":
        return self.filter(restaurant__in=Restaurant.objects.visible_to(user))

    def active(self) -> "BinQuerySet":
        return self.filter(status=BinStatus.ACTIVE)

    def due_on(self, day: date) -> "BinQuerySet":
        """Bins whose collection schedule includes the day (as `Bin.is_due_on`)."""
        return self.filter(Q(collection_days=[]) | Q(collection_days__contains=[day.isoweekday()]))


WEEKDAYS = {1: _("Mon"), 2: _("Tue"), 3: _("Wed"), 4: _("Thu"), 5: _("Fri"), 6: _("Sat"), 7: _("Sun")}


def checked_collection_days(days) -> list[int]:
    """ISO weekdays (1 = Monday … 7 = Sunday), each once, in order; none means every day."""
    if not isinstance(days, list | tuple | set) or any(
        isinstance(day, bool) or not isinstance(day, int) or day not in WEEKDAYS for day in days
    ):
        raise DomainError(
            "invalid_collection_days",
            _("Collection days are ISO weekdays, 1 (Monday) to 7 (Sunday)."),
            fields={"collection_days": ["each day 1..7"]},
        )
    return sorted(set(days))


class Bin(models.Model):
    """One food-waste bin (전용수거용기) of a restaurant; it carries one tag at a time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey(
        Restaurant, on_delete=models.PROTECT, related_name="bins", verbose_name=_("Restaurant")
    )
    capacity_liters = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], verbose_name=_("Capacity (litres)")
    )
    label = models.CharField(
        max_length=50, verbose_name=pgettext_lazy("a bin's label", "Label"), help_text='e.g. "주방 1"'
    )
    status = models.CharField(
        max_length=16, choices=BinStatus.choices, default=BinStatus.ACTIVE, verbose_name=_("Status")
    )
    collection_days = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)]),
        default=list,
        blank=True,
        verbose_name=_("Collection days"),
        help_text="수거 요일: ISO weekdays, 1 = Monday … 7 = Sunday; empty = every day",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), db_index=True)

    objects = BinQuerySet.as_manager()

    class Meta:
        ordering = ["restaurant__name", "label"]
        constraints = [
            models.CheckConstraint(name="bin_capacity_positive", condition=Q(capacity_liters__gt=0)),
            models.CheckConstraint(
                name="bin_collection_days_are_weekdays", condition=Q(collection_days__contained_by=list(WEEKDAYS))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.restaurant.name} {self.label}"

    def is_due_on(self, day: date) -> bool:
        """Collected on that (local) day by its schedule: no days set means every day."""
        return not self.collection_days or day.isoweekday() in self.collection_days

    @property
    def collection_days_display(self) -> str:
        return (
            "·".join(str(WEEKDAYS[day]) for day in self.collection_days)
            if self.collection_days
            else str(_("every day"))
        )

    def max_weight_g(self, density_kg_per_l: Decimal) -> int:
        """The heaviest weighing this bin can plausibly produce, in grams."""
        return int(self.capacity_liters * density_kg_per_l * 1000)
