"""Volume and scan-quality reports for one municipality: set-based reads.

Every figure is one grouped query in the database (SUM/COUNT with FILTER, months and
days truncated in the municipality's time zone); no Python loop ever walks events.
Void scans are wrong scans: they count in no volume, only in the scan-quality figures.

Volume reads the rollups (backend/rollups, docs/reports.md): the volume cells of the
grouping asked for, whole months from its monthly cells and the part-months at either
end from its daily ones; restaurants served from the restaurant months' days-served
bits. A year by 동 is a few tens of thousands of rows, not millions of scans. Only the
per-restaurant view reads the scans, one page of restaurants at a time through the
(restaurant, collected_at) index. Every volume row carries the same figures for the
same days a year earlier.

Every query starts from `reads(Model)`: the read replica when one is configured.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Count, DateField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek, TruncYear
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.analytics.ranges import MAX_DAYS, MAX_ROLLUP_DAYS, DateRange, add_months, year_earlier
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
from backend.core.replica import reads, reporting_db
from backend.municipalities.models import District, Hauler, Municipality
from backend.restaurants.models import BusinessType, Restaurant
from backend.rollups.models import Dimension, Grain, RestaurantYear, VolumeCell

MONTH, WEEK, DAY, YEAR = "month", "week", "day", "year"
DISTRICT, BUSINESS_TYPE, HAULER, RESTAURANT = "district", "business_type", "hauler", "restaurant"
DONG, CREW = "dong", "crew"
GROUPS = {
    MONTH: _("Monthly"),
    DAY: _("Daily"),
    DISTRICT: _("By district"),
    RESTAURANT: _("By restaurant"),
    WEEK: _("Weekly"),
    YEAR: _("Yearly"),
    BUSINESS_TYPE: _("By business type"),
    HAULER: _("By hauler"),
    DONG: _("By dong"),
    CREW: _("By crew member"),
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
    # Distinct restaurants with a collection (billable or held) in the range; None where
    # the rollups cannot tell (by day, week, hauler or crew member: docs/reports.md).
    restaurants_served: int | None = None

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
        # restaurants_served does not add up across rows: only all_totals carries it.
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


def _within(span: DateRange, *, daily: bool) -> Q:
    """The volume cells of `span`: its whole months' monthly cells and the days of the
    part-months at either end, or (`daily`) every day's cell."""
    if daily:
        return Q(grain=Grain.DAY, period__gte=span.first_day, period__lte=span.last_day)
    months, ends = _whole_months(span)
    within = Q(grain=Grain.MONTH, period__in=months) if months else Q(pk__in=[])
    for first, last in ends:
        within |= Q(grain=Grain.DAY, period__gte=first, period__lte=last)
    return within


def _whole_months(span: DateRange) -> tuple[list[date], list[tuple[date, date]]]:
    """The 1st of every month wholly inside `span`, and the runs of days outside them (0–2)."""
    first_whole = span.first_day if span.first_day.day == 1 else add_months(span.first_day, 1)
    after = span.last_day + timedelta(days=1)
    end_whole = after if after.day == 1 else after.replace(day=1)  # the 1st after the last whole month
    if first_whole >= end_whole:
        return [], [(span.first_day, span.last_day)]
    months, month = [], first_whole
    while month < end_whole:
        months.append(month)
        month = add_months(month, 1)
    ends = []
    if span.first_day < first_whole:
        ends.append((span.first_day, first_whole - timedelta(days=1)))
    if end_whole <= span.last_day:
        ends.append((end_whole, span.last_day))
    return months, ends


def _rollup_measures(days: DateRange, previous: DateRange, *, daily: bool) -> dict:
    """This range's sums and the year-earlier range's, side by side in one GROUP BY
    (the two ranges may overlap when a range is longer than a year)."""
    measures: dict[str, Any] = {}
    for prefix, span in (("", days), ("previous_", previous)):
        within = _within(span, daily=daily)
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
    MONTH: TruncMonth("period", output_field=DateField()),
    WEEK: TruncWeek("period", output_field=DateField()),
    YEAR: TruncYear("period", output_field=DateField()),
    DAY: F("period"),
}
_DIMENSIONS = {
    DISTRICT: Dimension.DISTRICT,
    DONG: Dimension.DONG,
    BUSINESS_TYPE: Dimension.BUSINESS_TYPE,
    HAULER: Dimension.HAULER,
    CREW: Dimension.CREW,
}


def _rollup_sums(municipality: Municipality, days: DateRange, previous: DateRange, group: str) -> dict:
    """{bucket: {measure: value, previous_<measure>: value}} from the volume cells, in one
    query: summed by (bucket, status, in this range, in last year's), each cell's ranges
    decided once rather than in every measure's FILTER, then the few sums folded here."""
    daily = group in (DAY, WEEK)  # a month's cell belongs to no one day or week
    now, then = _within(days, daily=daily), _within(previous, daily=daily)
    cells = reads(VolumeCell).filter(
        now | then, municipality_id=municipality.id, dimension=_DIMENSIONS.get(group, Dimension.ALL)
    )
    rows = (
        cells.annotate(
            bucket=_BUCKETS.get(group, F("key")),
            now=ExpressionWrapper(now, output_field=BooleanField()),
            then=ExpressionWrapper(then, output_field=BooleanField()),
        )
        .values("bucket", "status", "now", "then")
        .annotate(grams=Sum("weight_g"), count=Sum("scans"))
        .order_by()
    )
    found: dict = {}
    for row in rows:
        figures = found.setdefault(row["bucket"], {})
        for prefix, inside in (("", row["now"]), ("previous_", row["then"])):
            if not inside:
                continue
            for measure, value in _status_measures(row["status"], row["grams"], row["count"]):
                figures[prefix + measure] = figures.get(prefix + measure, 0) + value
    return found


def _status_measures(status: str, grams: int, count: int) -> list[tuple[str, int]]:
    """What a status's weight and scans count towards (void: nothing)."""
    if status == CollectionStatus.BILLABLE:
        return [("billable_g", grams), ("collections", count)]
    if status == CollectionStatus.HELD:
        return [("held_g", grams), ("collections", count)]
    if status == CollectionStatus.NOT_COLLECTED:
        return [("visits_not_collected", count)]
    return []


# How the restaurant years group for each report: the columns, grouped as they are
# stored (no text made of them per row), and the bucket's key made of their values; the
# groups left out cannot say how many restaurants were served (docs/reports.md). Months
# and years are counted by range, not grouped.
_SERVED_BUCKETS: dict[str, tuple[str, Callable[..., str]] | None] = {
    MONTH: None,
    YEAR: None,
    DISTRICT: ("district_id", str),
    DONG: ("district_id, dong", lambda district_id, dong: f"{district_id} {dong}"),
    BUSINESS_TYPE: ("business_type", str),
}
_NO_DAYS = "B'0'::bit(366)"


def _days_mask(first: date, last: date) -> str:
    """A bit(366) literal with the bits of `first`..`last` (one year's days) set."""
    start, end = first.timetuple().tm_yday - 1, last.timetuple().tm_yday
    return "B'" + "0" * start + "1" * (end - start) + "0" * (366 - end) + "'"


def _served_count(span: DateRange) -> str:
    """An aggregate counting the restaurants with a collection on a day of `span`. A
    restaurant's row of the span's last year keeps that year's days and the year
    before's: a span within those two years (the last 365 days, a year and the same
    days a year earlier) is a plain count over one row a restaurant. A longer span may
    match a restaurant in several rows: counted distinct. Masks are built from dates,
    so they are inlined as literals."""
    last_year = span.last_day.year
    if _in_one_row(span):
        condition = f"days & {_days_mask(max(span.first_day, date(last_year, 1, 1)), span.last_day)} <> {_NO_DAYS}"
        if span.first_day.year < last_year:
            before = _days_mask(span.first_day, date(last_year - 1, 12, 31))
            condition = f"({condition} OR days_year_before & {before} <> {_NO_DAYS})"
        return f"COUNT(*) FILTER (WHERE year = {last_year} AND {condition})"
    terms = []
    for year in range(span.first_day.year, last_year + 1):
        first, last = max(span.first_day, date(year, 1, 1)), min(span.last_day, date(year, 12, 31))
        terms.append(f"(year = {year} AND days & {_days_mask(first, last)} <> {_NO_DAYS})")
    return f"COUNT(DISTINCT restaurant_id) FILTER (WHERE {' OR '.join(terms)})"


def _in_one_row(span: DateRange) -> bool:
    """Whether `span` lies within its last year and the one before: each restaurant's row
    of its last year holds all of its days."""
    return span.first_day.year >= span.last_day.year - 1


def _served_years(*spans: DateRange) -> list[int]:
    """The years whose rows `_served_count` reads for `spans`."""
    years: set[int] = set()
    for span in spans:
        first_year = span.last_day.year if _in_one_row(span) else span.first_day.year
        years.update(range(first_year, span.last_day.year + 1))
    return sorted(years)


def _restaurants_served(municipality: Municipality, days: DateRange, previous: DateRange, group: str) -> dict:
    """{bucket: {"restaurants_served": n, "previous_restaurants_served": n}}: each restaurant
    once per bucket, however many of its days fall in the range; bucket "all" counts each
    once in the whole range. A district, 동 or business type is a GROUP BY of the
    restaurant years, and "all" their sum (a restaurant's rows all carry its bucket of
    today, so it is in one bucket only); a month or year is a count of its own part of
    the range, each in its own column of one pass."""
    table = RestaurantYear._meta.db_table
    with connections[reporting_db()].cursor() as cursor:
        bucket = _SERVED_BUCKETS[group]
        if bucket is not None:
            columns, key_of = bucket
            cursor.execute(
                f"""
                SELECT {_served_count(days)}, {_served_count(previous)}, {columns}
                  FROM {table}
                 WHERE municipality_id = %s AND year = ANY(%s)
                 GROUP BY {columns}
                """,
                [municipality.id, _served_years(days, previous)],
            )
            found: dict = {"all": {"restaurants_served": 0, "previous_restaurants_served": 0}}
            for served, earlier, *values in cursor.fetchall():
                found[key_of(*values)] = {"restaurants_served": served, "previous_restaurants_served": earlier}
                found["all"]["restaurants_served"] += served
                found["all"]["previous_restaurants_served"] += earlier
            return found
        periods = [*_parts(days, group), *_parts(previous, group)]
        counts = ", ".join(_served_count(part) for _, part in periods)
        cursor.execute(
            f"""
            SELECT {_served_count(days)}, {_served_count(previous)}, {counts}
              FROM {table}
             WHERE municipality_id = %s AND year = ANY(%s)
            """,
            [municipality.id, _served_years(days, previous, *(part for _, part in periods))],
        )
        whole, earlier, *by_period = cursor.fetchone()
    found = {"all": {"restaurants_served": whole, "previous_restaurants_served": earlier}}
    now_count = len(_parts(days, group))
    for n, ((start, _part), served) in enumerate(zip(periods, by_period, strict=True)):
        measure = "restaurants_served" if n < now_count else "previous_restaurants_served"
        found.setdefault(start, {})[measure] = served
    return found


def _parts(span: DateRange, group: str) -> list[tuple[date, DateRange]]:
    """`span` cut at its months' or years' ends: (the period's first day, its days in span)."""
    starts = span.months if group == MONTH else span.years
    parts = []
    for start in starts:
        end = add_months(start, 1 if group == MONTH else 12) - timedelta(days=1)
        parts.append((start, DateRange(max(span.first_day, start), min(span.last_day, end))))
    return parts


def _row(found: dict, bucket, key: str | None, label, *, earlier=None, served: dict | None = None) -> VolumeRow:
    """The row of `bucket`, with the year-earlier figures of the same bucket (a
    district, a business type, a hauler), or of `earlier`: (bucket, key, label) of
    last year's period. `served`: restaurants served by bucket, when the report has them."""
    earlier_bucket, earlier_key, earlier_label = earlier or (bucket, key, label)
    now, then = found.get(bucket, {}), found.get(earlier_bucket, {})
    now_served = then_served = None
    if served is not None:
        now_served = served.get(bucket, {}).get("restaurants_served", 0)
        then_served = served.get(earlier_bucket, {}).get("previous_restaurants_served", 0)
    previous = VolumeRow(
        earlier_key,
        earlier_label,
        **{measure: then.get(f"previous_{measure}", 0) for measure in MEASURES},
        restaurants_served=then_served,
    )
    return VolumeRow(
        key,
        label,
        **{measure: now.get(measure, 0) for measure in MEASURES},
        previous=previous,
        restaurants_served=now_served,
    )


def _period(group: str, start: date) -> tuple[str, "str | Promise"]:
    """A period's key and label from its first day."""
    if group == MONTH:
        return f"{start:%Y-%m}", date_format(start, "YEAR_MONTH_FORMAT")
    if group == YEAR:
        return f"{start:%Y}", f"{start:%Y}"
    # Days and weeks carry their year: a range may cross one, and the table beside
    # the year earlier would otherwise repeat the same labels.
    if group == WEEK:
        return f"{start:%G-W%V}", format_lazy(_("Week of {day}"), day=date_format(start, "DATE_FORMAT"))
    return start.isoformat(), date_format(start, "DATE_FORMAT")


def _a_year_earlier(group: str, start: date) -> date:
    """The first day of the period a year before: 52 weeks for a week (the same weekdays)."""
    if group == WEEK:
        return start - timedelta(weeks=52)
    if group == DAY:
        return year_earlier(start)
    return start.replace(year=start.year - 1)  # 1 January, the 1st of a month


def volume(*, municipality: Municipality, days: DateRange, group: str, page: int = 1) -> VolumeReport:
    """Weight, visits and restaurants served per month, week, day, year, district, 동,
    business type, hauler, crew member or restaurant, each beside the same days a year
    earlier. Every period, district, 동, business type, hauler and crew member is listed,
    with zeros when nothing was collected; restaurants one page at a time (`page`, from
    1), those open during the range."""
    if group == RESTAURANT:
        return _by_restaurant(municipality, days, page)
    previous = days.year_earlier(weeks=group == WEEK)
    found = _rollup_sums(municipality, days, previous, group)
    served = _restaurants_served(municipality, days, previous, group) if group in _SERVED_BUCKETS else None
    periods = {MONTH: days.months, YEAR: days.years, WEEK: days.weeks, DAY: days.days}
    if group in periods:
        rows = []
        for start in periods[group]:
            earlier = _a_year_earlier(group, start)
            rows.append(
                _row(
                    found,
                    start,
                    *_period(group, start),
                    earlier=(earlier, *_period(group, earlier)),
                    served=served,
                )
            )
    elif group == DISTRICT:
        districts = reads(District).filter(municipality_id=municipality.id).order_by("name", "code")
        rows = [_row(found, str(d.id), str(d.id), d.name, served=served) for d in districts]
    elif group == DONG:
        rows = _dong_rows(municipality, found, served)
    elif group == BUSINESS_TYPE:
        rows = [_row(found, code, code, label, served=served) for code, label in BusinessType.choices]
    elif group == HAULER:
        # The municipality's haulers, and any other whose crew's scans are here (a crew moved on).
        haulers = (
            reads(Hauler)
            .filter(Q(municipality_id=municipality.id) | Q(id__in=[key for key in found if key]))
            .order_by("name", "id")
        )
        rows = [_row(found, str(hauler.id), str(hauler.id), hauler.name) for hauler in haulers]
        if "" in found:  # typed in by someone outside any hauler (an official)
            rows.append(_row(found, "", None, _("No hauler")))
    elif group == CREW:
        # The crews of the municipality's haulers, and anyone else whose scans are here.
        crews = (
            reads(User)
            .filter(
                Q(hauler__municipality_id=municipality.id, role="collector") | Q(id__in=[key for key in found if key])
            )
            .order_by("first_name", "username", "id")
        )
        rows = [_row(found, str(crew.id), str(crew.id), crew.get_full_name() or crew.username) for crew in crews]
    else:
        raise ValueError(f"unknown group {group!r}")
    # Every scan is in one row: the totals add the rows up; restaurants served in the
    # whole range come from the same count (each restaurant once).
    report = VolumeReport(municipality=municipality, days=days, group=group, rows=rows, previous_days=previous)
    if served is None:
        return report
    whole = served.get("all", {})
    totals = report.totals
    return replace(
        report,
        all_totals=replace(
            totals,
            restaurants_served=whole.get("restaurants_served", 0),
            previous=totals.previous
            and replace(totals.previous, restaurants_served=whole.get("previous_restaurants_served", 0)),
        ),
    )


def _dong_rows(municipality: Municipality, found: dict, served: dict | None) -> list[VolumeRow]:
    """A row for every (district, 동) the municipality's restaurants name, and any other
    with scans (a restaurant moved since), by district and 동."""
    districts: dict[uuid.UUID | None, str] = dict(
        reads(District).filter(municipality_id=municipality.id).values_list("id", "name")
    )
    keys = {
        f"{district_id} {dong}"
        for district_id, dong in reads(Restaurant)
        .filter(municipality_id=municipality.id)
        .values_list("district_id", "dong")
        .order_by()  # without the restaurants' ordering by name, which DISTINCT would take in
        .distinct()
    } | set(found)

    def named(key: str) -> tuple[str, str]:
        district_id, _space, dong = key.partition(" ")
        return districts.get(_uuid(district_id), ""), dong

    rows = []
    for key in sorted(keys, key=named):
        district, dong = named(key)
        label = f"{district} {dong}" if dong else format_lazy(_("{district} (no dong)"), district=district)
        rows.append(_row(found, key, key, label, served=served))
    return rows


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


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
    rows = [_served_once(_row(found, restaurant_id, str(restaurant_id), name)) for restaurant_id, name in named]
    served = _restaurants_served(municipality, days, previous, DISTRICT)
    totals = _row(_all(municipality, days, previous), "all", "total", _("Total"), served=served)
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


def _served_once(row: VolumeRow) -> VolumeRow:
    """A restaurant's row: it was served in a range when it had a collection in it."""
    previous = row.previous
    if previous is not None:
        previous = replace(previous, restaurants_served=int(previous.collections > 0))
    return replace(row, restaurants_served=int(row.collections > 0), previous=previous)


def _all(municipality: Municipality, days: DateRange, previous: DateRange) -> dict:
    """The whole municipality's sums for both ranges from the rollups, as {"all": sums}."""
    cells = reads(VolumeCell).filter(
        _within(days, daily=False) | _within(previous, daily=False),
        municipality_id=municipality.id,
        dimension=Dimension.ALL,
    )
    return {"all": cells.aggregate(**_rollup_measures(days, previous, daily=False))}


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
