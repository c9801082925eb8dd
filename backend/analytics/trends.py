"""Trends for officials: how much a restaurant puts out a day, month by month, by
district and by business type; the restaurants that put out the most; those that
changed most against the same days a year earlier; and open restaurants with a bin in
use that no crew has collected from for some days.

Weight is what was weighed and not voided (billable or held), as in the volume report.
Each figure is one grouped query: the weights per month from the volume cells, the
restaurants per month from the restaurants themselves, the per-restaurant figures from
the scans through the (restaurant, collected_at) index.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.db.models import Count, DateField, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from backend.analytics.ranges import DateRange, add_months
from backend.analytics.selectors import BUSINESS_TYPE, DISTRICT
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.core.errors import DomainError
from backend.core.replica import reads
from backend.municipalities.local_time import local_midnight
from backend.municipalities.models import District, Municipality
from backend.restaurants.models import Bin, BinStatus, BusinessType, Restaurant, RestaurantStatus
from backend.rollups.models import Dimension, Grain, VolumeCell

WEIGHED = (CollectionStatus.BILLABLE, CollectionStatus.HELD)
#: The groups kg per restaurant per day is shown by.
INTENSITY_GROUPS = (DISTRICT, BUSINESS_TYPE)
_DIMENSION = {DISTRICT: Dimension.DISTRICT, BUSINESS_TYPE: Dimension.BUSINESS_TYPE}
#: How many restaurants the top lists show, unless asked for another number up to the most.
TOP_DEFAULT, TOP_MOST = 20, 100
#: Days without a collection before an open restaurant is listed, unless asked otherwise.
IDLE_DEFAULT_DAYS, IDLE_MOST_DAYS = 14, 365
#: Rows of the idle list (the oldest first); the count says how many there are in all.
IDLE_ROWS = 500

_THOUSAND = Decimal(1000)
_CENTS = Decimal("0.01")


def whole_number(text: str | None, *, field: str, default: int, most: int) -> int:
    """A count typed in a query string: 1..most, `default` when absent."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 6 or not 1 <= int(text) <= most:
        raise _not_a_whole_number(field, most)
    return int(text)


def _not_a_whole_number(field: str, most: int) -> DomainError:
    """The error for a count out of range; each field has its own stable code."""
    message = format_lazy(_("Choose a whole number from 1 to {most}."), most=most)
    fields = {field: [f"a whole number from 1 to {most}"]}
    if field == "limit":
        return DomainError("invalid_limit", message, fields=fields)
    return DomainError("invalid_idle_days", message, fields=fields)


def kg_per_restaurant_day(weight_g: int, restaurant_days: int) -> Decimal | None:
    """Kilograms a restaurant put out a day, two decimals; None without any restaurant."""
    if not restaurant_days:
        return None
    return (Decimal(weight_g) / _THOUSAND / restaurant_days).quantize(_CENTS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IntensityCell:
    """One month of one group: the weight, the restaurants open in it, and its days in the
    range that have begun (none for a month still to come: no figure)."""

    month: date
    weight_g: int
    restaurants: int
    days: int

    @property
    def kg_per_restaurant_day(self) -> Decimal | None:
        return kg_per_restaurant_day(self.weight_g, self.restaurants * self.days)


@dataclass(frozen=True)
class IntensityRow:
    key: str
    label: "str | Promise"
    cells: list[IntensityCell]


@dataclass(frozen=True)
class Intensity:
    group: str
    months: list[date]
    rows: list[IntensityRow]
    total: IntensityRow


def _month_parts(days: DateRange, today: date) -> list[tuple[date, date, date]]:
    """(month, first day, last day) of each month the range touches, cut to the range and
    to today: this month's days to come put out nothing yet, and dividing by them would
    show its kilograms a day falling. A month still to come ends before it begins."""
    parts = []
    for month in days.months:
        first = max(month, days.first_day)
        last = min(add_months(month, 1) - timedelta(days=1), days.last_day, today)
        parts.append((month, first, max(last, first - timedelta(days=1))))
    return parts


def intensity(*, municipality: Municipality, days: DateRange, group: str, today: date | None = None) -> Intensity:
    """Kilograms per restaurant per day, month by month, for each district or business
    type and for the municipality, over each month's days up to `today` (the
    municipality's). A restaurant counts in a month when it was open on some day of it
    (registered before the day ended, not closed before it began) or was collected from
    in it."""
    field = {DISTRICT: "district_id", BUSINESS_TYPE: "business_type"}[group]
    parts = _month_parts(days, today or timezone.localdate(timezone=municipality.zone))
    # Whole months from the month cells, the part-months at the range's ends from the day cells.
    whole = [month for month, first, last in parts if first == month and last == add_months(month, 1) - timedelta(1)]
    cells = Q(grain=Grain.MONTH, period__in=whole)
    for month, first, last in parts:
        if month not in whole:
            cells |= Q(grain=Grain.DAY, period__gte=first, period__lte=last)
    weights = (
        reads(VolumeCell)
        .filter(cells, municipality_id=municipality.id, dimension=_DIMENSION[group])
        .filter(status__in=WEIGHED)
        .annotate(month=TruncMonth("period", output_field=DateField()))
        .values("month", "key")
        .annotate(weight_g=Coalesce(Sum("weight_g"), 0))
        .order_by()
    )
    # A district's cells are keyed by its id as text.
    weight = {(row["month"], UUID(row["key"]) if group == DISTRICT else row["key"]): row["weight_g"] for row in weights}
    # A restaurant collected from in a month was open in it, even if its record was
    # made later (registered after its first collections).
    open_in = {
        f"open_{month:%Y%m}": Count(
            "id",
            filter=Q(created_at__lt=local_midnight(last + timedelta(days=1), municipality.zone))
            & (Q(closed_on__isnull=True) | Q(closed_on__gte=first))
            | Q(
                Exists(
                    CollectionEvent.objects.filter(
                        restaurant_id=OuterRef("id"),
                        collected_at__gte=local_midnight(first, municipality.zone),
                        collected_at__lt=local_midnight(last + timedelta(days=1), municipality.zone),
                        status__in=WEIGHED,
                    )
                )
            ),
        )
        for month, first, last in parts
    }
    counted = reads(Restaurant).filter(municipality_id=municipality.id).values(field).annotate(**open_in).order_by()
    restaurants = {(month, row[field]): row[f"open_{month:%Y%m}"] for row in counted for month, _f, _l in parts}

    if group == DISTRICT:
        districts = reads(District).filter(municipality_id=municipality.id).order_by("name", "code")
        keys: list[tuple] = [(district.id, str(district.id), district.name) for district in districts]
    else:
        keys = [(code, code, label) for code, label in BusinessType.choices]
    rows = [
        IntensityRow(
            key,
            label,
            [
                IntensityCell(
                    month, weight.get((month, bucket), 0), restaurants.get((month, bucket), 0), (last - first).days + 1
                )
                for month, first, last in parts
            ],
        )
        for bucket, key, label in keys
    ]
    total = IntensityRow(
        "total",
        _("All restaurants"),
        [
            IntensityCell(
                month,
                sum(row.cells[i].weight_g for row in rows),
                sum(row.cells[i].restaurants for row in rows),
                (last - first).days + 1,
            )
            for i, (month, first, last) in enumerate(parts)
        ],
    )
    return Intensity(group=group, months=[month for month, _f, _l in parts], rows=rows, total=total)


@dataclass(frozen=True)
class RestaurantWeight:
    restaurant_id: UUID
    name: str
    district: str
    weight_g: int
    collections: int


@dataclass(frozen=True)
class RestaurantChange:
    restaurant_id: UUID
    name: str
    district: str
    weight_g: int
    previous_g: int

    @property
    def change_g(self) -> int:
        return self.weight_g - self.previous_g

    @property
    def change_percent(self) -> float | None:
        """Against the year-earlier weight, one decimal; None when that was nothing (a newcomer)."""
        return round(100 * self.change_g / self.previous_g, 1) if self.previous_g else None


def _weighed_scans(municipality: Municipality):
    return reads(CollectionEvent).filter(restaurant__municipality_id=municipality.id, status__in=WEIGHED)


def _names(ids) -> dict[UUID, tuple[str, str]]:
    """{restaurant id: (name, district)}: read after the grouping, for the few listed,
    so that the GROUP BY over a year of scans carries one uuid, not two names."""
    rows = reads(Restaurant).filter(id__in=list(ids)).values_list("id", "name", "district__name")
    return {id_: (name, district) for id_, name, district in rows}


def top_generators(*, municipality: Municipality, days: DateRange, limit: int) -> list[RestaurantWeight]:
    """The `limit` restaurants that put out the most in the range, heaviest first. Two queries."""
    start, end = days.bounds(municipality.zone)
    rows = list(
        _weighed_scans(municipality)
        .filter(collected_at__gte=start, collected_at__lt=end)
        .values("restaurant_id")
        .annotate(total_g=Sum("weight_g"), collections=Count("id"))
        .order_by("-total_g", "restaurant_id")[:limit]
    )
    names = _names(row["restaurant_id"] for row in rows)
    return [
        RestaurantWeight(row["restaurant_id"], *names[row["restaurant_id"]], row["total_g"], row["collections"])
        for row in rows
    ]


def biggest_changes(
    *, municipality: Municipality, days: DateRange, limit: int
) -> tuple[list[RestaurantChange], list[RestaurantChange]]:
    """The `limit` restaurants whose weight grew most against the same days a year
    earlier, and the `limit` whose weight fell most; by kilograms, not percent, so that
    a restaurant going from 1 kg to 3 kg does not hide one going from 900 kg to 300 kg.
    A restaurant new since then grows from 0; one that stopped falls to 0. Three queries."""
    now_start, now_end = days.bounds(municipality.zone)
    then_start, then_end = days.year_earlier().bounds(municipality.zone)
    now = Q(collected_at__gte=now_start, collected_at__lt=now_end)
    then = Q(collected_at__gte=then_start, collected_at__lt=then_end)
    both = (
        _weighed_scans(municipality)
        .filter(now | then)
        .values("restaurant_id")
        .annotate(now_g=Coalesce(Sum("weight_g", filter=now), 0), then_g=Coalesce(Sum("weight_g", filter=then), 0))
        .annotate(change_g=F("now_g") - F("then_g"))
    )
    up = list(both.filter(change_g__gt=0).order_by("-change_g", "restaurant_id")[:limit])
    down = list(both.filter(change_g__lt=0).order_by("change_g", "restaurant_id")[:limit])
    names = _names(row["restaurant_id"] for row in up + down)

    def listed(rows) -> list[RestaurantChange]:
        return [
            RestaurantChange(row["restaurant_id"], *names[row["restaurant_id"]], row["now_g"], row["then_g"])
            for row in rows
        ]

    return listed(up), listed(down)


@dataclass(frozen=True)
class IdleRestaurant:
    restaurant_id: UUID
    name: str
    district: str
    address: str
    last_collected_at: datetime | None
    # Whole local days since the last collection; None: never collected.
    days_since: int | None


@dataclass(frozen=True)
class IdleList:
    idle_days: int
    since: datetime
    count: int
    rows: list[IdleRestaurant]


def idle_restaurants(*, municipality: Municipality, idle_days: int, now: datetime) -> IdleList:
    """Open restaurants with a bin in use and no collection (a weighed scan) in the
    last `idle_days` days, longest without first (never collected before those). Each
    restaurant costs one probe of the (restaurant, collected_at) index, bounded to the
    last `idle_days` days; the date of the last collection is read only for the listed."""
    since = now - timedelta(days=idle_days)
    scans = CollectionEvent.objects.filter(restaurant_id=OuterRef("pk"), status__in=WEIGHED)
    idle = reads(Restaurant).filter(
        ~Exists(scans.filter(collected_at__gte=since)),
        Exists(Bin.objects.filter(restaurant_id=OuterRef("pk"), status=BinStatus.ACTIVE)),
        municipality_id=municipality.id,
        status=RestaurantStatus.OPEN,
    )
    count = idle.count()
    rows = (
        idle.annotate(last_collected_at=Subquery(scans.order_by("-collected_at").values("collected_at")[:1]))
        .values("id", "name", "district__name", "address", "last_collected_at")
        .order_by(F("last_collected_at").asc(nulls_first=True), "name", "id")[:IDLE_ROWS]
    )
    today = now.astimezone(municipality.zone).date()

    def days_since(moment: datetime | None) -> int | None:
        return None if moment is None else (today - moment.astimezone(municipality.zone).date()).days

    return IdleList(
        idle_days=idle_days,
        since=since,
        count=count,
        rows=[
            IdleRestaurant(
                row["id"],
                row["name"],
                row["district__name"],
                row["address"],
                row["last_collected_at"],
                days_since(row["last_collected_at"]),
            )
            for row in rows
        ],
    )


@dataclass(frozen=True)
class TrendsReport:
    municipality: Municipality
    days: DateRange
    by_district: Intensity
    by_business_type: Intensity
    top: list[RestaurantWeight]
    grew: list[RestaurantChange]
    fell: list[RestaurantChange]
    idle: IdleList


def trends(*, municipality: Municipality, days: DateRange, limit: int, idle_days: int, now: datetime) -> TrendsReport:
    """Every trend at once: twelve queries, whatever the number of restaurants."""
    grew, fell = biggest_changes(municipality=municipality, days=days, limit=limit)
    today = now.astimezone(municipality.zone).date()
    return TrendsReport(
        municipality=municipality,
        days=days,
        by_district=intensity(municipality=municipality, days=days, group=DISTRICT, today=today),
        by_business_type=intensity(municipality=municipality, days=days, group=BUSINESS_TYPE, today=today),
        top=top_generators(municipality=municipality, days=days, limit=limit),
        grew=grew,
        fell=fell,
        idle=idle_restaurants(municipality=municipality, idle_days=idle_days, now=now),
    )
