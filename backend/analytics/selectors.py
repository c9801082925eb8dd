"""Volume and scan-quality reports for one municipality: set-based reads.

Every figure is one grouped query in the database (SUM/COUNT with FILTER, months and
days truncated in the municipality's time zone); no Python loop ever walks events.
Void scans are wrong scans: they count in no volume, only in the scan-quality figures.

Volume reads the daily rollups (backend/rollups, docs/reports.md): a year by district
is a few thousand rows, not millions of scans. Only the per-restaurant view reads the
scans, one page of restaurants at a time through the (restaurant, collected_at) index.
Every volume row carries the same figures for the same days a year earlier.

Every query starts from `reads(Model)`: the read replica when one is configured.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, DateField, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek, TruncYear
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from backend.analytics.ranges import MAX_DAYS, MAX_ROLLUP_DAYS, DateRange, year_earlier
from backend.collection_events.models import (
    CollectionEvent,
    CollectionStatus,
    CrewException,
    Flag,
    HoldReason,
    Source,
)
from backend.collection_events.weights import grams_to_kg
from backend.core.errors import DomainError
from backend.core.replica import reads
from backend.municipalities.models import District, Hauler, Municipality
from backend.restaurants.models import BusinessType, Restaurant
from backend.rollups.models import DailyVolume

MONTH, WEEK, DAY, YEAR = "month", "week", "day", "year"
DISTRICT, BUSINESS_TYPE, HAULER, RESTAURANT = "district", "business_type", "hauler", "restaurant"
GROUPS = {
    MONTH: _("Monthly"),
    DAY: _("Daily"),
    DISTRICT: _("By district"),
    RESTAURANT: _("By restaurant"),
    WEEK: _("Weekly"),
    YEAR: _("Yearly"),
    BUSINESS_TYPE: _("By business type"),
    HAULER: _("By hauler"),
}
#: Groups read from the rollups, over any range up to MAX_ROLLUP_DAYS.
ROLLUP_GROUPS = frozenset(GROUPS) - {RESTAURANT}
#: Restaurants per page of the per-restaurant view (the CSV export has them all).
RESTAURANT_PAGE_ROWS = 500

FLAG_LABELS = {
    Flag.FAR_FROM_RESTAURANT: _("Far from the restaurant"),
    Flag.HOLD_WINDOW: _("Scanned again within the hold window"),
    Flag.MANUAL_ENTRY: _("Manual entry"),
    Flag.UID_MISMATCH: _("Chip UID mismatch"),
    Flag.WEIGHT_IMPLAUSIBLE: HoldReason.WEIGHT_IMPLAUSIBLE.label,
    Flag.UNREGISTERED_SCALE: HoldReason.UNREGISTERED_SCALE.label,
    Flag.SCALE_INSPECTION_DUE: HoldReason.SCALE_INSPECTION_DUE.label,
    Flag.SUN_MISSING: HoldReason.SUN_MISSING.label,
    Flag.CORRECTED: _("Corrected after a dispute"),
}


def group_named(text: str | None) -> str:
    if text not in GROUPS:
        raise DomainError(
            "invalid_group",
            _("group must be one of %(groups)s.") % {"groups": ", ".join(GROUPS)},
            fields={"group": [f"one of {', '.join(GROUPS)}"]},
        )
    return text


def max_days(group: str) -> int:
    """The longest range a volume report by `group` covers."""
    return MAX_ROLLUP_DAYS if group in ROLLUP_GROUPS else MAX_DAYS


# Short names for a table; CrewException's own labels are sentences for owners.
EXCEPTION_LABELS = {
    CrewException.NOT_PUT_OUT: _("Not put out"),
    CrewException.CONTAMINATED: _("Contaminated"),
    CrewException.OVERFILLED: _("Overfilled"),
    CrewException.BIN_DAMAGED: _("Bin damaged"),
    CrewException.NO_ACCESS: _("No access"),
    CrewException.TAG_UNREADABLE: _("Tag unreadable"),
}

_WEIGHED = [CollectionStatus.BILLABLE, CollectionStatus.HELD]
MEASURES = ("billable_g", "held_g", "collections", "visits_not_collected")


@dataclass(frozen=True)
class VolumeRow:
    key: str | None
    label: "str | Promise"
    billable_g: int = 0
    held_g: int = 0
    collections: int = 0
    visits_not_collected: int = 0
    # The same figures for the same days a year earlier (None: not asked for).
    previous: "VolumeRow | None" = None

    @property
    def weight_g(self) -> int:
        """Everything weighed and not voided: billable now, or once released."""
        return self.billable_g + self.held_g

    @property
    def weight_kg(self):
        return grams_to_kg(self.weight_g)

    @property
    def weight_change_g(self) -> int | None:
        return None if self.previous is None else self.weight_g - self.previous.weight_g

    @property
    def weight_change_percent(self) -> float | None:
        """Change against a year earlier in percent (one decimal); None without a year-earlier weight."""
        if self.previous is None or not self.previous.weight_g:
            return None
        return round(100 * (self.weight_g - self.previous.weight_g) / self.previous.weight_g, 1)


def _sum_rows(rows: list[VolumeRow], key: str, label) -> VolumeRow:
    return VolumeRow(key, label, *(sum(getattr(row, measure) for row in rows) for measure in MEASURES))


@dataclass(frozen=True)
class VolumeReport:
    municipality: Municipality
    days: DateRange
    group: str
    rows: list[VolumeRow]
    # Set when `rows` are one page: the figures of every row, and which page this is.
    all_totals: VolumeRow | None = None
    page: int = 1
    pages: int = 1
    previous_days: DateRange | None = field(default=None)

    @property
    def totals(self) -> VolumeRow:
        if self.all_totals is not None:
            return self.all_totals
        previous = [row.previous for row in self.rows if row.previous is not None]
        return VolumeRow(
            **{
                **_sum_rows(self.rows, "total", _("Total")).__dict__,
                "previous": _sum_rows(previous, "total", _("Total")),
            }
        )


@dataclass(frozen=True)
class Tally:
    code: str
    label: "str | Promise"
    count: int


@dataclass(frozen=True)
class ScanQualityReport:
    municipality: Municipality
    days: DateRange
    scans: int
    flags: list[Tally]
    sources: list[Tally]
    physically_tapped: list[Tally]
    exceptions: list[Tally]
    statuses: list[Tally]


def _events(municipality: Municipality, days: DateRange):
    start, end = days.bounds(municipality.zone)
    return reads(CollectionEvent).filter(
        restaurant__municipality_id=municipality.id, collected_at__gte=start, collected_at__lt=end
    )


def _rollup_measures(days: DateRange, previous: DateRange) -> dict:
    """This range's sums and the year-earlier range's, side by side in one GROUP BY
    (the two ranges may overlap when a range is longer than a year)."""
    measures: dict[str, Any] = {}
    for prefix, span in (("", days), ("previous_", previous)):
        within = Q(day__gte=span.first_day, day__lte=span.last_day)
        measures |= {
            f"{prefix}billable_g": Coalesce(Sum("weight_g", filter=within & Q(status=CollectionStatus.BILLABLE)), 0),
            f"{prefix}held_g": Coalesce(Sum("weight_g", filter=within & Q(status=CollectionStatus.HELD)), 0),
            f"{prefix}collections": Coalesce(Sum("scans", filter=within & Q(status__in=_WEIGHED)), 0),
            f"{prefix}visits_not_collected": Coalesce(
                Sum("scans", filter=within & Q(status=CollectionStatus.NOT_COLLECTED)), 0
            ),
        }
    return measures


_BUCKETS = {
    MONTH: TruncMonth("day", output_field=DateField()),
    WEEK: TruncWeek("day", output_field=DateField()),
    YEAR: TruncYear("day", output_field=DateField()),
    DAY: F("day"),
    DISTRICT: F("district_id"),
    BUSINESS_TYPE: F("business_type"),
    HAULER: F("hauler_id"),
}


def _rollup_sums(municipality: Municipality, days: DateRange, previous: DateRange, group: str) -> dict:
    """{bucket: {measure: value, previous_<measure>: value}} from the rollups, in one query."""
    cells = (
        reads(DailyVolume)
        .filter(municipality_id=municipality.id)
        .filter(
            Q(day__gte=days.first_day, day__lte=days.last_day)
            | Q(day__gte=previous.first_day, day__lte=previous.last_day)
        )
    )
    rows = (
        cells.annotate(bucket=_BUCKETS[group]).values("bucket").annotate(**_rollup_measures(days, previous)).order_by()
    )
    return {row["bucket"]: dict(row) for row in rows}


def _row(found: dict, bucket, key: str | None, label, *, earlier=None) -> VolumeRow:
    """The row of `bucket`, with the year-earlier figures of the same bucket (a
    district, a business type, a hauler), or of `earlier`: (bucket, key, label) of
    last year's period."""
    earlier_bucket, earlier_key, earlier_label = earlier or (bucket, key, label)
    now, then = found.get(bucket, {}), found.get(earlier_bucket, {})
    previous = VolumeRow(
        earlier_key, earlier_label, **{measure: then.get(f"previous_{measure}", 0) for measure in MEASURES}
    )
    return VolumeRow(key, label, **{measure: now.get(measure, 0) for measure in MEASURES}, previous=previous)


def _period(group: str, start: date) -> tuple[str, "str | Promise"]:
    """A period's key and label from its first day."""
    if group == MONTH:
        return f"{start:%Y-%m}", date_format(start, "YEAR_MONTH_FORMAT")
    if group == YEAR:
        return f"{start:%Y}", f"{start:%Y}"
    if group == WEEK:
        return f"{start:%G-W%V}", format_lazy(_("Week of {day}"), day=date_format(start, "MONTH_DAY_FORMAT"))
    return start.isoformat(), date_format(start, "MONTH_DAY_FORMAT")


def _a_year_earlier(group: str, start: date) -> date:
    """The first day of the period a year before: 52 weeks for a week (the same weekdays)."""
    if group == WEEK:
        return start - timedelta(weeks=52)
    if group == DAY:
        return year_earlier(start)
    return start.replace(year=start.year - 1)  # 1 January, the 1st of a month


def volume(*, municipality: Municipality, days: DateRange, group: str, page: int = 1) -> VolumeReport:
    """Weight and visits per month, week, day, year, district, business type, hauler or
    restaurant, each beside the same days a year earlier. Every period, district,
    business type and hauler is listed, with zeros when nothing was collected;
    restaurants one page at a time (`page`, from 1), those open during the range."""
    if group == RESTAURANT:
        return _by_restaurant(municipality, days, page)
    previous = days.year_earlier(weeks=group == WEEK)
    found = _rollup_sums(municipality, days, previous, group)
    periods = {MONTH: days.months, YEAR: days.years, WEEK: days.weeks, DAY: days.days}
    if group in periods:
        rows = []
        for start in periods[group]:
            earlier = _a_year_earlier(group, start)
            rows.append(_row(found, start, *_period(group, start), earlier=(earlier, *_period(group, earlier))))
    elif group == DISTRICT:
        districts = reads(District).filter(municipality_id=municipality.id).order_by("name", "code")
        rows = [_row(found, district.id, str(district.id), district.name) for district in districts]
    elif group == BUSINESS_TYPE:
        rows = [_row(found, code, code, label) for code, label in BusinessType.choices]
    elif group == HAULER:
        # The municipality's haulers, and any other whose crew's scans are here (a crew moved on).
        haulers = (
            reads(Hauler)
            .filter(Q(municipality_id=municipality.id) | Q(id__in=[key for key in found if key is not None]))
            .order_by("name", "id")
        )
        rows = [_row(found, hauler.id, str(hauler.id), hauler.name) for hauler in haulers]
        if None in found:  # typed in by someone outside any hauler (an official)
            rows.append(_row(found, None, None, _("No hauler")))
    else:
        raise ValueError(f"unknown group {group!r}")
    return VolumeReport(municipality=municipality, days=days, group=group, rows=rows, previous_days=previous)


def _raw_measures(days: DateRange, previous: DateRange, zone) -> dict:
    measures: dict[str, Any] = {}
    for prefix, span in (("", days), ("previous_", previous)):
        start, end = span.bounds(zone)
        within = Q(collected_at__gte=start, collected_at__lt=end)
        measures |= {
            f"{prefix}billable_g": Coalesce(Sum("weight_g", filter=within & Q(status=CollectionStatus.BILLABLE)), 0),
            f"{prefix}held_g": Coalesce(Sum("weight_g", filter=within & Q(status=CollectionStatus.HELD)), 0),
            f"{prefix}collections": Count("id", filter=within & Q(status__in=_WEIGHED)),
            f"{prefix}visits_not_collected": Count("id", filter=within & Q(status=CollectionStatus.NOT_COLLECTED)),
        }
    return measures


def _by_restaurant(municipality: Municipality, days: DateRange, page: int) -> VolumeReport:
    """One page of restaurants by name, then their scans of both ranges through the
    (restaurant, collected_at) index: the cost follows the page, not the city."""
    previous = days.year_earlier()
    restaurants = (
        reads(Restaurant)
        .filter(municipality_id=municipality.id)
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gte=previous.first_day))
    )
    pages = max(1, -(-restaurants.count() // RESTAURANT_PAGE_ROWS))
    if not 1 <= page <= pages:
        raise DomainError(
            "invalid_page",
            _("There is no such page."),
            fields={"page": [f"from 1 to {pages}"]},
        )
    first = (page - 1) * RESTAURANT_PAGE_ROWS
    named = list(restaurants.order_by("name", "id").values_list("id", "name")[first : first + RESTAURANT_PAGE_ROWS])
    start, end = previous.bounds(municipality.zone)[0], days.bounds(municipality.zone)[1]
    sums = (
        reads(CollectionEvent)
        .filter(
            restaurant_id__in=[restaurant_id for restaurant_id, _ in named],
            collected_at__gte=start,
            collected_at__lt=end,
        )
        .values("restaurant_id")
        .annotate(**_raw_measures(days, previous, municipality.zone))
        .order_by()
    )
    found = {row["restaurant_id"]: dict(row) for row in sums}
    rows = [_row(found, restaurant_id, str(restaurant_id), name) for restaurant_id, name in named]
    totals = _row(_all(municipality, days, previous), "all", "total", _("Total"))
    return VolumeReport(
        municipality=municipality,
        days=days,
        group=RESTAURANT,
        rows=rows,
        all_totals=totals,
        page=page,
        pages=pages,
        previous_days=previous,
    )


def _all(municipality: Municipality, days: DateRange, previous: DateRange) -> dict:
    """The whole municipality's sums for both ranges from the rollups, as {"all": sums}."""
    cells = (
        reads(DailyVolume)
        .filter(municipality_id=municipality.id)
        .filter(
            Q(day__gte=days.first_day, day__lte=days.last_day)
            | Q(day__gte=previous.first_day, day__lte=previous.last_day)
        )
    )
    return {"all": cells.aggregate(**_rollup_measures(days, previous))}


def scan_quality(*, municipality: Municipality, days: DateRange) -> ScanQualityReport:
    """How scans were taken and what deserves a second look, in one aggregate query."""
    measures = {"scans": Count("id")}
    for flag in FLAG_LABELS:
        measures[f"flag_{flag}"] = Count("id", filter=Q(flags__contains=[flag]))
    for source in Source:
        measures[f"source_{source.value}"] = Count("id", filter=Q(source=source))
    measures["tapped"] = Count("id", filter=Q(physically_tapped=True))
    for code in CrewException:
        measures[f"exception_{code.value}"] = Count("id", filter=Q(exception_code=code))
    for status in CollectionStatus:
        measures[f"status_{status.value}"] = Count("id", filter=Q(status=status))
    counts = _events(municipality, days).aggregate(**measures)
    return ScanQualityReport(
        municipality=municipality,
        days=days,
        scans=counts["scans"],
        flags=[Tally(flag, label, counts[f"flag_{flag}"]) for flag, label in FLAG_LABELS.items()],
        sources=[Tally(source.value, source.label, counts[f"source_{source.value}"]) for source in Source],
        physically_tapped=[
            Tally("tapped", _("Physically tapped (SUN)"), counts["tapped"]),
            Tally("not_tapped", _("Not proven (plain NFC, QR, manual)"), counts["scans"] - counts["tapped"]),
        ],
        exceptions=[
            Tally(code.value, EXCEPTION_LABELS[code], counts[f"exception_{code.value}"]) for code in CrewException
        ],
        statuses=[Tally(status.value, status.label, counts[f"status_{status.value}"]) for status in CollectionStatus],
    )
