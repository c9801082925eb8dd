import secrets
import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models, transaction
from django.db.models import Func, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.collection_events.rules import WEIGHT_HISTORY_SIZE
from backend.collection_events.weights import MAX_WEIGHT_G, grams_to_kg
from backend.core.bounds import REASON_MAX_LENGTH, checked_text
from backend.core.errors import DomainError
from backend.restaurants.models import OwnershipPeriod, owned_by


class TransactionIdField(models.Field):
    """A PostgreSQL 64-bit transaction id (`xid8`), as text in Python. Billing
    windows compare these with invoice snapshots (docs/decisions/0002-billing-runs.md)."""

    description = "PostgreSQL transaction id (xid8)"

    def db_type(self, connection) -> str:
        return "xid8"


def writing_transaction() -> Func:
    """The id of the transaction that inserts the row: what decides which billing
    snapshot first saw it (a commit order, which no clock gives)."""
    return Func(function="pg_current_xact_id", output_field=TransactionIdField())


class CollectionStatus(models.TextChoices):
    BILLABLE = "billable", _("Billable")
    HELD = "held", _("Held for review")  # not billed until an official releases it
    VOID = "void", _("Void")
    NOT_COLLECTED = "not_collected", _("Not collected")  # a visit recorded with an exception, no weighing


class Source(models.TextChoices):
    NFC = "nfc", "NFC"
    QR = "qr", "QR"
    MANUAL = "manual", _("Typed in")


class CrewException(models.TextChoices):
    """Why a crew visited a bin without weighing it, in words an owner understands."""

    NOT_PUT_OUT = "not_put_out", _("The bin was not put out")
    CONTAMINATED = "contaminated", _("The bin held things that are not food waste")
    OVERFILLED = "overfilled", _("The bin was overfilled or too heavy")
    BIN_DAMAGED = "bin_damaged", _("The bin is damaged")
    NO_ACCESS = "no_access", _("The bin could not be reached")
    TAG_UNREADABLE = "tag_unreadable", _("The tag could not be read")


class Flag:
    """Why a stored scan deserves a second look; shown in reports and to officials."""

    HOLD_WINDOW = "hold_window"  # another scan of the bin within SCAN_HOLD_MINUTES
    FAR_FROM_RESTAURANT = "far_from_restaurant"
    MANUAL_ENTRY = "manual_entry"
    UID_MISMATCH = "uid_mismatch"  # the reader saw another chip than the one written
    UNREGISTERED_SCALE = "unregistered_scale"  # the scan names a scale no official registered
    SCALE_INSPECTION_DUE = "scale_inspection_due"  # the scale's legal inspection (정기검사) has lapsed
    CORRECTED = "corrected"  # an official's replacement for a voided weighing (an accepted dispute)
    WEIGHT_IMPLAUSIBLE = "weight_implausible"  # far from the bin's own latest weights (rules.check_weight_history)
    SUN_MISSING = "sun_missing"  # a Secure NFC tag's scan without a verified tap: a copied URL or QR code


class HoldReason(models.TextChoices):
    """The flags that hold a weighing for an official instead of billing it
    (docs/operations.md, "Held scans"). The codes are the flags' own, and stable."""

    HOLD_WINDOW = Flag.HOLD_WINDOW, _("Another weighing of the bin within the hold window")
    FAR_FROM_RESTAURANT = Flag.FAR_FROM_RESTAURANT, _("Farther from the restaurant than the limit")
    UID_MISMATCH = Flag.UID_MISMATCH, _("The reader saw another chip than the tag's")
    WEIGHT_IMPLAUSIBLE = Flag.WEIGHT_IMPLAUSIBLE, _("The weight is far from the bin's usual weights")
    UNREGISTERED_SCALE = Flag.UNREGISTERED_SCALE, _("Weighed on an unregistered scale")
    SCALE_INSPECTION_DUE = Flag.SCALE_INSPECTION_DUE, _("Weighed on a scale whose inspection lapsed")
    SUN_MISSING = Flag.SUN_MISSING, _("A secure tag read without a verified tap (a copied URL?)")


def default_distance_limit_m() -> int:
    return settings.SCAN_FAR_FROM_RESTAURANT_M


class HoldRules(models.Model):
    """A municipality's thresholds for holding a weighing (rules.py applies them): edited
    by its officials on /console/review/settings/, each change kept with who and why
    (backend/audit). A municipality without a row uses the defaults below."""

    municipality = models.OneToOneField(
        "municipalities.Municipality", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    # Verbose names: what the console's form and the change history call each field.
    far_from_restaurant_m = models.PositiveIntegerField(
        _("Distance limit from the restaurant (m)"),
        default=default_distance_limit_m,
        validators=[MinValueValidator(20), MaxValueValidator(100_000)],
    )
    weight_z_threshold = models.DecimalField(
        _("Weight z-score limit"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("3.5"),
        validators=[MinValueValidator(Decimal("1.0")), MaxValueValidator(Decimal("99.9"))],
    )
    weight_min_history = models.PositiveSmallIntegerField(
        _("Weighings needed before judging a weight"),
        default=8,
        validators=[MinValueValidator(3), MaxValueValidator(WEIGHT_HISTORY_SIZE)],
    )
    sun_required = models.BooleanField(_("Secure NFC tags must be tapped"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hold rules")
        verbose_name_plural = _("hold rules")

    def __str__(self) -> str:
        return f"hold rules of {self.municipality_id}"

    @classmethod
    def for_municipalities(cls, municipality_ids) -> "dict[object, HoldRules]":
        """Each municipality's rules, in one query; the defaults where none were saved."""
        found = {rules.municipality_id: rules for rules in cls.objects.filter(municipality_id__in=municipality_ids)}
        return {pk: found.get(pk) or cls(municipality_id=pk) for pk in municipality_ids}


class CollectionEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CollectionEventQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(restaurant__municipality_id=user.municipality_id)
        if user.is_collector:
            return self.filter(collector=user)
        if user.is_owner:
            return self.filter(owned_by(user, moment="collected_at"))
        return self.none()

    def weighed(self) -> "CollectionEventQuerySet":
        return self.filter(weight_g__isnull=False)

    def latest_seen_by(self, user, count: int) -> "CollectionEventQuerySet":
        """The `count` newest pickups the user may see, newest first. For an owner, read
        by ownership period with a LATERAL join (the newest rows of each of their
        periods, from the (restaurant, collected_at) index): the cost follows `count`,
        not the years of history behind it, where `visible_to(user)[:count]` would
        sort every pickup the owner ever had."""
        if not user.is_owner:
            return self.visible_to(user).order_by("-collected_at", "-id")[:count]
        events = connection.ops.quote_name(CollectionEvent._meta.db_table)
        periods = connection.ops.quote_name(OwnershipPeriod._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT e.id FROM {periods} p
                CROSS JOIN LATERAL (
                    SELECT e.id, e.collected_at FROM {events} e
                     WHERE e.restaurant_id = p.restaurant_id
                       AND (p.starts_at IS NULL OR e.collected_at >= p.starts_at)
                       AND (p.ends_at IS NULL OR e.collected_at < p.ends_at)
                     ORDER BY e.collected_at DESC, e.id DESC LIMIT %(count)s
                ) e
                WHERE p.owner_id = %(owner)s
                ORDER BY e.collected_at DESC, e.id DESC LIMIT %(count)s
                """,
                {"owner": user.pk, "count": count},
            )
            ids = [row[0] for row in cursor.fetchall()]
        return self.filter(id__in=ids).order_by("-collected_at", "-id")


class CollectionEvent(models.Model):
    """One scan of a bin's tag by a crew: a weighing, or a visit with an exception.

    Never edited in place: a correction is a status change, recorded in
    CollectionEventStatusChange with who, when and why. The id is chosen by the
    crew's device, which is what makes retries safe (see ScanReceipt).
    """

    id = models.UUIDField(primary_key=True, editable=False)
    # bin, restaurant and collector are indexed with collected_at (Meta.indexes), which
    # serves a lookup by the key alone as well: no index of their own to keep up per scan.
    bin = models.ForeignKey(
        "restaurants.Bin", on_delete=models.PROTECT, related_name="collection_events", db_index=False
    )
    tag = models.ForeignKey("tags.Tag", on_delete=models.PROTECT, related_name="collection_events")
    # Copied from the bin so that a month's bill and a future shard key need no join.
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+", db_index=False)
    collector = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+", db_index=False)
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    exception_code = models.CharField(max_length=20, choices=CrewException.choices, blank=True)
    collected_at = models.DateTimeField(help_text="when the device saw the tag")
    received_at = models.DateTimeField(default=timezone.now)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(null=True, blank=True, help_text="from the restaurant, when known")
    gps_accuracy_m = models.PositiveIntegerField(
        null=True, blank=True, help_text="the phone's estimate of its position's error, in metres"
    )
    # Chosen by the phone when it took a photo for this scan; the photo itself may
    # arrive later (ScanPhoto, uploaded from the outbox), with this id.
    photo_id = models.UUIDField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    scale_id = models.CharField(max_length=64, blank=True)
    device_id = models.CharField(max_length=64, blank=True, help_text="the truck's reader or phone that sent it")
    reader_uid = models.CharField(max_length=20, blank=True)
    flags = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    status = models.CharField(max_length=16, choices=CollectionStatus.choices)
    # What the weight rule read when it judged this weighing (rules.WeightCheck.as_evidence):
    # the bin's latest weights, their median and the z-score, shown to the official who
    # reviews a held scan. Kept for held scans only; null when the bin had too short a
    # history to judge by.
    weight_evidence = models.JSONField(null=True, blank=True)
    # True only when a Secure Unique NFC tap proved the chip itself was read (docs/sun.md).
    physically_tapped = models.BooleanField(default=False)
    sun_counter = models.PositiveIntegerField(null=True, blank=True)
    # Set by the database, never by us: which billing window the scan falls in.
    recorded_xid = TransactionIdField(db_default=writing_transaction(), editable=False)

    objects = CollectionEventQuerySet.as_manager()

    class Meta:
        ordering = ["-collected_at"]
        indexes = [
            # Both carry status and weight: a bin's latest weights (the weight rule, every
            # batch) and a page of restaurants' sums (the per-restaurant report) are read
            # from the index alone, not from a scattered row per scan.
            models.Index(fields=["bin", "collected_at"], include=["status", "weight_g"], name="event_bin_time"),
            models.Index(
                fields=["restaurant", "collected_at"], include=["status", "weight_g"], name="event_restaurant_time"
            ),
            models.Index(fields=["collector", "collected_at"], name="event_collector_time"),
        ]
        constraints = [
            models.CheckConstraint(
                name="gps_accuracy_in_range", condition=Q(gps_accuracy_m__lte=100_000) | Q(gps_accuracy_m=None)
            ),
            models.CheckConstraint(
                name="weighing_or_exception",
                condition=(
                    Q(weight_g__gt=0, exception_code="") & ~Q(status="not_collected")
                    | Q(weight_g__isnull=True, status="not_collected") & ~Q(exception_code="")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.restaurant_id} {self.collected_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def attached_photo(self) -> "ScanPhoto | None":
        """The photo uploaded for this scan, if one has arrived (select_related("photo") to read many)."""
        try:
            return self.photo
        except ObjectDoesNotExist:
            return None

    @property
    def awaits_photo(self) -> bool:
        """The crew's phone named a photo for this scan that has not arrived yet."""
        return self.photo_id is not None and self.attached_photo is None

    @property
    def hold_reasons(self) -> list[str]:
        """Why the scan was held (or would have been): its flags that are hold reasons."""
        return [flag for flag in self.flags if flag in HoldReason.values]

    @property
    def weight_kg(self):
        return None if self.weight_g is None else grams_to_kg(self.weight_g)

    def change_status(self, *, to: str, by: User, reason: str) -> "CollectionEventStatusChange":
        """Release a held scan, void a wrong one: the only way an event changes."""
        allowed: dict[str, set[str]] = {
            CollectionStatus.HELD: {CollectionStatus.BILLABLE, CollectionStatus.VOID},
            CollectionStatus.BILLABLE: {CollectionStatus.VOID},
        }
        # The held-scan page passes what was posted as it is (a NUL reached PostgreSQL);
        # room for a decision's own reason behind what it quotes ("이의신청 인정: …").
        checked_text(reason, "reason", 2 * REASON_MAX_LENGTH)
        if not reason.strip():
            raise DomainError("reason_required", _("A reason is required."))
        with transaction.atomic():
            locked = CollectionEvent.objects.select_for_update().get(pk=self.pk)
            if to not in allowed.get(locked.status, set()):
                raise DomainError(
                    "invalid_status_change",
                    _("A scan that is %(status)s cannot be changed to %(to)s.")
                    % {"status": locked.get_status_display(), "to": dict(CollectionStatus.choices).get(to, to)},
                    status_code=409,
                )
            change = CollectionEventStatusChange.objects.create(
                event=locked,
                event_collected_at=locked.collected_at,
                from_status=locked.status,
                to_status=to,
                changed_by=by,
                reason=reason,
            )
            locked.status = to
            locked.save(update_fields=["status"])
        self.status = to
        return change

    def correct_weight(self, *, weight_g: int, by: User, reason: str) -> "CollectionEvent":
        """Replace a wrong weighing: this scan is voided (who, when, why) and a billable
        copy with the right weight takes its place, at the same time and bin. Billing
        sees a void and a new scan, as it would from two doors: a billed original is
        credited on the next invoice and the replacement billed there
        (billing/windows.py)."""
        if not 0 < weight_g <= MAX_WEIGHT_G:
            raise DomainError(
                "weight_out_of_range",
                _("The weight must be above 0 and at most 10 t."),
                fields={"weight_kg": ["out of range"]},
            )
        if weight_g == self.weight_g:
            raise DomainError(
                "weight_unchanged",
                _("The corrected weight equals the recorded one."),
                fields={"weight_kg": ["unchanged"]},
            )
        with transaction.atomic():
            self.change_status(to=CollectionStatus.VOID, by=by, reason=f"{reason} → {grams_to_kg(weight_g)} kg")
            return CollectionEvent.objects.create(
                id=uuid.uuid4(),
                bin_id=self.bin_id,
                tag_id=self.tag_id,
                restaurant_id=self.restaurant_id,
                collector_id=self.collector_id,
                weight_g=weight_g,
                collected_at=self.collected_at,
                lat=self.lat,
                lng=self.lng,
                distance_m=self.distance_m,
                gps_accuracy_m=self.gps_accuracy_m,
                source=self.source,
                scale_id=self.scale_id,
                device_id=self.device_id,
                reader_uid=self.reader_uid,
                flags=[*self.flags, Flag.CORRECTED],
                status=CollectionStatus.BILLABLE,
                physically_tapped=self.physically_tapped,
            )


class CollectionEventStatusChange(models.Model):
    # No database constraint: the scans' table is partitioned by month and its primary key
    # is (id, collected_at), which no foreign key by id alone can name. PROTECT holds in
    # the ORM, and scans are never deleted (docs/architecture.md, "Scans partitioned by month").
    event = models.ForeignKey(
        CollectionEvent, on_delete=models.PROTECT, related_name="status_changes", db_constraint=False
    )
    # The scan's own collected_at, which never changes: it names the scan's partition, so
    # billing looks a voided scan up in that month alone (billing/selectors.py, credits).
    event_collected_at = models.DateTimeField(help_text="the scan's collected_at: locates its partition")
    from_status = models.CharField(max_length=16, choices=CollectionStatus.choices)
    to_status = models.CharField(max_length=16, choices=CollectionStatus.choices)
    changed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    # Set by the database: the billing window a release or a void falls in.
    changed_xid = TransactionIdField(db_default=writing_transaction(), editable=False)

    class Meta:
        ordering = ["changed_at"]
        indexes = [models.Index(fields=["changed_xid"], name="status_change_xid")]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ScanReceipt(models.Model):
    """The record that a client's scan id was received, and what it said.

    Exactly-once lives here rather than on the events table: when events are
    partitioned by month or distributed by restaurant, PostgreSQL can only enforce
    uniqueness on keys that contain the partition column, and a retry with the same
    id but another collected_at must still be caught. This narrow table keeps the
    client id globally unique (docs/architecture.md).
    """

    id = models.UUIDField(primary_key=True, editable=False)
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the canonical submission")
    collected_at = models.DateTimeField(help_text="locates the event's partition")
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.id)


class ScaleQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScaleQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class Scale(models.Model):
    """A crew's scale, registered by the municipality's officials: the id its reader
    sends with every weighing (`serial`, the scan's `scale_id`), its model, and the
    date of its last legal inspection (정기검사). A weighing from a scale that is not
    registered, or whose inspection has lapsed, is flagged for review."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    # Verbose names: what the change history calls each field (audit/_history.html).
    hauler = models.ForeignKey(
        "municipalities.Hauler", on_delete=models.PROTECT, related_name="scales", verbose_name=_("Hauler")
    )
    serial = models.CharField(
        _("Serial number"), max_length=64, help_text="the scale id its reader sends with each weighing"
    )
    model = models.CharField(_("Model"), max_length=100, blank=True)
    inspected_on = models.DateField(_("Last inspection"), help_text="last legal inspection (정기검사)")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScaleQuerySet.as_manager()

    class Meta:
        ordering = ["serial"]
        constraints = [models.UniqueConstraint(fields=["municipality", "serial"], name="one_scale_per_serial")]

    def __str__(self) -> str:
        return self.serial

    @property
    def inspection_valid_through(self) -> date:
        return self.inspected_on + timedelta(days=settings.SCALE_INSPECTION_VALID_DAYS)

    def inspection_due_on(self, day: date) -> bool:
        """Whether a weighing on `day` (local) falls after the inspection lapsed."""
        return day > self.inspection_valid_through


def scan_photo_path(instance: "ScanPhoto", filename: str) -> str:
    """Where a photo's file is stored: a random name, so that knowing a scan's or a
    photo's id never locates its file (the files are only ever served through the
    access-checked view, never from a public URL)."""
    return f"scan-photos/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.jpg"


class ScanPhotoQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ScanPhotoQuerySet":
        """Whoever sees the scan sees its photo: the crew who took it, the
        municipality's officials, the restaurant's owner (and administrators)."""
        return self.filter(event__in=CollectionEvent.objects.visible_to(user).values("id"))


class ScanPhoto(models.Model):
    """The photo a crew took with a scan (a contaminated bin, a broken one), stored
    re-encoded as JPEG without any metadata (EXIF, GPS) through Django's default storage.

    Its id is the one the phone chose (the scan's `photo_id`) when the scan named one,
    so an upload retried from the phone's outbox is recognised; `sha256` is of the
    bytes uploaded, so the same file sent again is the same photo, and another is refused.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No database constraint: scans are partitioned by month (see CollectionEventStatusChange).
    event = models.OneToOneField(CollectionEvent, on_delete=models.PROTECT, related_name="photo", db_constraint=False)
    image = models.FileField(upload_to=scan_photo_path, max_length=200)
    sha256 = models.CharField(max_length=64, help_text="of the bytes uploaded, before re-encoding")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveIntegerField(help_text="size of the stored JPEG")
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = ScanPhotoQuerySet.as_manager()

    def __str__(self) -> str:
        return f"photo of {self.event_id}"
