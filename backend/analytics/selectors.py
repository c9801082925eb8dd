"""Volume and scan-quality reports for one municipality: set-based reads.

Every figure is one grouped query in the database (SUM/COUNT with FILTER, months and
days truncated in the municipality's time zone); no Python loop ever walks events.
Void scans are wrong scans: they count in no volume, only in the scan-quality figures.

Volume reads the rollups (backend/rollups, docs/reports.md): the volume cells of the
grouping asked for, whole months from its monthly cells and the part-months at either
end from its daily ones; restaurants served from the days' restaurants as bits. A year
by 동 is a few tens of thousands of rows, not millions of scans. Only the per-restaurant
view reads the scans, one page of restaurants at a time through the (restaurant,
collected_at) index. Every volume row carries the same figures for the
same days a year earlier.

Every query starts from `reads(Model)`: the read replica when one is configured.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Count, DateField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek, TruncYear
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import get_language
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
from backend.rollups.models import CHUNK_BITS, Dimension, Grain, GroupRestaurants, ServedDay, VolumeCell

MONTH, WEEK, DAY, YEAR = "month", "week", "day", "year"
DISTRICT, BUSINESS_TYPE, HAULER, RESTAURANT = "district", "business_type", "hauler", "restaurant"
DONG, CREW = "dong", "crew"
GROUPS = {  # as the page lists them: periods, then places and kinds, then who collected
    DAY: _("Daily"),
    WEEK: _("Weekly"),
    MONTH: _("Monthly"),
    YEAR: _("Yearly"),
    DISTRICT: _("By district"),
    DONG: _("By dong"),
    BUSINESS_TYPE: _("By business type"),
    HAULER: _("By hauler"),
    CREW: _("By crew member"),
    RESTAURANT: _("By restaurant"),
}
#: Groups read from the rollups, over any range up to MAX_ROLLUP_DAYS.
ROLLUP_GROUPS = frozenset(GROUPS) - {RESTAURANT}
#: Restaurants per page of the per-restaurant view (the CSV export has them all). A page
#: reads its restaurants' scans of two years from the index: at 500 a page that took
#: 115 ms at p95 on a Seoul-sized year, against 100 ms aimed (docs/performance.md).
RESTAURANT_PAGE_ROWS = 100


def page_number(text: str | None, *, group: str) -> int:
    """The page a query string names (`page`): 1 when absent, and for every grouping but
    by restaurant, which alone has pages (a link kept from it still opens). ASCII digits
    only: Python's isdigit() also takes "²", which int() then refuses."""
    if not text or group != RESTAURANT:
        return 1
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        raise DomainError("invalid_page", _("There is no such page."), fields={"page": ["a whole number from 1"]})
    return int(text)


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
    cells = (
        reads(VolumeCell)
        .filter(now | then, municipality_id=municipality.id, dimension=_DIMENSIONS.get(group, Dimension.ALL))
        .exclude(status=CollectionStatus.VOID)
    )  # counted in nothing: a quarter of the cells
    rows = (
        cells.annotate(
            bucket=_BUCKETS.get(group, F("key")),
            now=ExpressionWrapper(now, output_field=BooleanField()),
            then=ExpressionWrapper(then, output_field=BooleanField()),
        )
        .values("bucket", "status", "now", "then")
        .annotate(grams=Sum("weight_g"), count=Sum("scans"))
        .order_by()
        .values_list("bucket", "status", "now", "then", "grams", "count")  # tuples: 400 동 × statuses
    )
    found: dict = {}
    for bucket, status, in_range, in_year_earlier, grams, count in rows:
        figures = found.setdefault(bucket, {})
        for prefix, inside in (("", in_range), ("previous_", in_year_earlier)):
            if not inside:
                continue
            for measure, value in _status_measures(status, grams, count):
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


# Restaurants served: the days' restaurants of a range ORed (ServedDay), counted with
# bit_count, and for a district, 동 or business type ANDed first with its restaurants of
# today (GroupRestaurants), so that a restaurant counts once in one group; a period's are
# the days of the range that fall in it (docs/reports.md). Hauler and crew cannot say: a
# restaurant is theirs only scan by scan.
_SERVED_GROUPS = {DISTRICT: Dimension.DISTRICT, DONG: Dimension.DONG, BUSINESS_TYPE: Dimension.BUSINESS_TYPE}
_SERVED_PERIODS = {DAY: "day", WEEK: "week", MONTH: "month", YEAR: "year"}
_SERVED_BY = {*_SERVED_GROUPS, *_SERVED_PERIODS}


def _restaurants_served(municipality: Municipality, days: DateRange, previous: DateRange, group: str) -> dict:
    """{bucket: {"restaurants_served": n, "previous_restaurants_served": n}}: each restaurant
    once per bucket, however many of its days fall in the range; bucket "all" counts each
    once in the whole range. A bucket is a group's key (district, 동, business type; "all"
    their sum, each restaurant being in one), or a period's first day."""
    served, grouped = ServedDay._meta.db_table, GroupRestaurants._meta.db_table
    ranges = [days.first_day, days.last_day, previous.first_day, previous.last_day]
    # The two ranges' restaurants, a row per chunk of restaurant numbers (and period).
    unions = f"""
        bit_or(restaurants) FILTER (WHERE day BETWEEN %s AND %s) AS now,
        bit_or(restaurants) FILTER (WHERE day BETWEEN %s AND %s) AS earlier
          FROM {served}
         WHERE municipality_id = %s AND (day BETWEEN %s AND %s OR day BETWEEN %s AND %s)"""
    # SUM of bigint is numeric (a Decimal in Python, 20.0 in JSON): counted as bigint.
    counts = "COALESCE(SUM(bit_count({0})), 0)::bigint"
    with connections[reporting_db()].cursor() as cursor:
        if group in _SERVED_GROUPS:
            # Every group row, also of chunks with nobody served (LEFT JOIN): a group that
            # has restaurants today is listed even when none was served, one whose last
            # restaurant moved away (its bits all 0) is not.
            cursor.execute(
                f"""
                WITH u AS (SELECT chunk, {unions} GROUP BY chunk)
                SELECT g.key, {counts.format("g.restaurants & u.now")}, {counts.format("g.restaurants & u.earlier")}
                  FROM {grouped} g LEFT JOIN u ON u.chunk = g.chunk
                 WHERE g.municipality_id = %s AND g.dimension = %s
                 GROUP BY g.key
                HAVING bool_or(g.restaurants <> B'0'::bit({CHUNK_BITS}))
                """,
                [*ranges, municipality.id, *ranges, municipality.id, _SERVED_GROUPS[group]],
            )
            found: dict = {"all": {"restaurants_served": 0, "previous_restaurants_served": 0}}
            for key, now, earlier in cursor.fetchall():
                found[key] = {"restaurants_served": now, "previous_restaurants_served": earlier}
                found["all"]["restaurants_served"] += now
                found["all"]["previous_restaurants_served"] += earlier
            return found
        # Each period's restaurants (a day's are its rows as they are: no OR), and beside
        # them the whole ranges' (period NULL). One GROUPING SETS pass over both took twice
        # as long as the two apart.
        if group == DAY:
            by_period = f"""
                SELECT day, COALESCE(SUM(bit_count(restaurants)) FILTER (WHERE day BETWEEN %s AND %s), 0)::bigint,
                       COALESCE(SUM(bit_count(restaurants)) FILTER (WHERE day BETWEEN %s AND %s), 0)::bigint
                  FROM {served}
                 WHERE municipality_id = %s AND (day BETWEEN %s AND %s OR day BETWEEN %s AND %s)
                 GROUP BY day"""
        else:
            period = f"date_trunc('{_SERVED_PERIODS[group]}', day)::date"
            by_period = f"""
                SELECT period, {counts.format("now")}, {counts.format("earlier")}
                  FROM (SELECT {period} AS period, chunk, {unions} GROUP BY 1, 2) u
                 GROUP BY period"""
        cursor.execute(
            f"""{by_period}
             UNION ALL
            SELECT NULL, {counts.format("now")}, {counts.format("earlier")}
              FROM (SELECT chunk, {unions} GROUP BY chunk) u""",
            [*ranges, municipality.id, *ranges] * 2,
        )
        found = {}
        for start, now, earlier in cursor.fetchall():
            found[start if start is not None else "all"] = {
                "restaurants_served": now,
                "previous_restaurants_served": earlier,
            }
        return found


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


def _period_names(group: str) -> Callable[[date], tuple[str, "str | Promise"]]:
    """A period's key and label from its first day, the format looked up once for all
    the rows (date_format looks it up for each: a third of a 365-day report's time)."""
    language = get_language()
    if group == MONTH:
        month_format = get_format("YEAR_MONTH_FORMAT")
        return lambda start: (f"{start:%Y-%m}", _date_label(start, month_format, language))
    if group == YEAR:
        return lambda start: (f"{start:%Y}", f"{start:%Y}")
    # Days and weeks carry their year: a range may cross one, and the table beside
    # the year earlier would otherwise repeat the same labels.
    day_format = get_format("DATE_FORMAT")
    if group == WEEK:
        return lambda start: (
            f"{start:%G-W%V}",
            format_lazy(_("Week of {day}"), day=_date_label(start, day_format, language)),
        )
    return lambda start: (start.isoformat(), _date_label(start, day_format, language))


@functools.lru_cache(maxsize=8192)
def _date_label(day: date, date_format: str, language: str | None) -> str:
    """`day` in `date_format`, remembered: a report of every day of two years formats 730
    of them, the same days again on the next request. `language` is part of the key,
    since month names in a format are in the active language."""
    return dateformat.format(day, date_format)


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
    served = _restaurants_served(municipality, days, previous, group) if group in _SERVED_BY else None
    periods = {MONTH: days.months, YEAR: days.years, WEEK: days.weeks, DAY: days.days}
    if group in periods:
        rows, named = [], _period_names(group)
        for start in periods[group]:
            earlier = _a_year_earlier(group, start)
            rows.append(_row(found, start, *named(start), earlier=(earlier, *named(earlier)), served=served))
    elif group == DISTRICT:
        districts = reads(District).filter(municipality_id=municipality.id).order_by("name", "code")
        rows = [_row(found, str(d.id), str(d.id), d.name, served=served) for d in districts]
    elif group == DONG:
        rows = _dong_rows(municipality, found, served or {})  # a 동 report always counts them
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


def _dong_rows(municipality: Municipality, found: dict, served: dict) -> list[VolumeRow]:
    """A row for every (district, 동) the municipality's restaurants name today (the
    groups restaurants served lists), and any other with scans (a restaurant moved
    since), by district and 동."""
    districts = {
        str(pk): name for pk, name in reads(District).filter(municipality_id=municipality.id).values_list("id", "name")
    }
    labels = {}
    for key in (set(served) - {"all"}) | set(found):
        district_id, _space, dong = key.partition(" ")
        labels[key] = (districts.get(district_id, ""), dong)
    rows = []
    for key, (district, dong) in sorted(labels.items(), key=lambda item: item[1]):
        label = f"{district} {dong}" if dong else format_lazy(_("{district} (no dong)"), district=district)
        rows.append(_row(found, key, key, label, served=served))
    return rows


def _raw_measures(days: DateRange, previous: DateRange, zone) -> dict:
    """The volume measures summed from the scans themselves, for both ranges. Scans are
    counted by `status` (never null), not `id`: every column read is then in the
    (restaurant, collected_at) index, which answers without visiting the table."""
    measures: dict[str, Any] = {}
    for prefix, span in (("", days), ("previous_", previous)):
        start, end = span.bounds(zone)
        within = Q(collected_at__gte=start, collected_at__lt=end)
        measures |= {
            f"{prefix}billable_g": Coalesce(Sum("weight_g", filter=within & Q(status=CollectionStatus.BILLABLE)), 0),
            f"{prefix}held_g": Coalesce(Sum("weight_g", filter=within & Q(status=CollectionStatus.HELD)), 0),
            f"{prefix}collections": Count("status", filter=within & Q(status__in=_WEIGHED)),
            f"{prefix}visits_not_collected": Count("status", filter=within & Q(status=CollectionStatus.NOT_COLLECTED)),
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
