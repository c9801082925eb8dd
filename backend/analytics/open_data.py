"""Open data: collected volumes by local month, district and business type (업태), for
anyone, per municipality.

What a cell counts: billable weighings only (held scans may still be voided, void
ones were wrong), collected in the municipality's local month, of restaurants by
their district and business type as recorded now. Grams are summed as integers and
shown as kilograms with exactly three decimals: grams / 1000 needs no rounding.

Published a while after the month: `settle_days()`.

Anonymised: a cell is published only when at least MIN_RESTAURANTS restaurants put
something out in it (`restaurants_count`: distinct restaurants with a billable
weighing in the cell). Every other cell is listed with its figures left empty and
`suppressed` true, including cells nobody put anything in: an empty cell cannot be
told from one of one to four restaurants. No total of any kind is published (no
month, district or business-type sum, no grand total), so a suppressed cell cannot be
recovered by subtracting the published cells from a total. Cells are whole months,
the same whatever range is asked for, so comparing two downloads reveals nothing
either.

One grouped query reads the figures of the months not in the cache (from the read
replica when there is one: `reads()`); `publishable` decides what may be shown, and
only what may be shown is kept.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DateField, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from backend.analytics.ranges import MonthRange, add_months
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.collection_events.weights import grams_to_kg
from backend.core.errors import DomainError
from backend.core.replica import reads
from backend.municipalities.models import District, Municipality
from backend.restaurants.models import BusinessType

MIN_RESTAURANTS = 5
#: How long a month's published cells are kept in the cache, as long as the answers'
#: `Cache-Control: max-age`: a release or a void shows within the hour.
MONTH_CACHE_SECONDS = 3600

#: The dataset's columns, in order (the CSV's header and each JSON row's keys), each
#: with what it holds for the page that explains them.
COLUMN_DESCRIPTIONS = {
    "municipality_code": _("The municipality's administrative standard code."),
    "month": _(
        "The month in the municipality's local time, as YYYY-MM: from 00:00 on the 1st to 00:00 on the next 1st."
    ),
    "district_code": _("The district's code."),
    "district_name": _("The district's name, as the municipality records it."),
    "business_type": _(
        "The business type's code: korean, chinese, japanese, western, snack, pub, cafe, fast_food, buffet or other."
    ),
    "business_type_name_ko": _("The business type's name in Korean."),
    "business_type_name_en": _("The business type's name in English."),
    "restaurants_count": _("Restaurants with at least one billable weighing in the cell. Empty when suppressed."),
    "collections_count": _("Billable weighings in the cell. Empty when suppressed."),
    "collected_kg": _(
        "Weight collected, in kilograms with exactly three decimals (whole grams summed, nothing rounded). "
        "Empty when suppressed."
    ),
    "suppressed": _("true when the cell's figures are withheld to protect restaurants (the rule below), else false."),
}
COLUMNS = list(COLUMN_DESCRIPTIONS)

UNKNOWN_MUNICIPALITY = _("No municipality has that code.")

# 행정표준코드 are digits; letters and a dash leave room for other registers' codes.
_MUNICIPALITY_CODE = re.compile(r"[0-9A-Za-z-]{1,10}")


@dataclass(frozen=True)
class Figures:
    """A published cell's numbers."""

    restaurants: int
    collections: int
    grams: int

    @property
    def kg(self) -> Decimal:
        return grams_to_kg(self.grams)


@dataclass(frozen=True)
class Cell:
    month: date
    district: District
    business_type: BusinessType
    figures: Figures | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.figures is None


@dataclass(frozen=True)
class OpenVolumes:
    municipality: Municipality
    months: MonthRange
    cells: list[Cell]


def publishable(restaurants: int, collections: int, grams: int) -> Figures | None:
    """A cell's figures if they describe at least MIN_RESTAURANTS restaurants, else None."""
    if restaurants < MIN_RESTAURANTS:
        return None
    return Figures(restaurants=restaurants, collections=collections, grams=grams)


def municipality_by_code(code: str | None) -> Municipality:
    if not code:
        raise DomainError(
            "municipality_required",
            _("Choose a municipality."),
            fields={"municipality": ["required: the municipality's code, e.g. 11440"]},
        )
    municipality = Municipality.objects.filter(code=code).first() if _MUNICIPALITY_CODE.fullmatch(code) else None
    if municipality is None:
        raise DomainError(
            "unknown_municipality",
            UNKNOWN_MUNICIPALITY,
            fields={"municipality": ["a municipality's code, as listed on /open-data/"]},
        )
    return municipality


def settle_days() -> int:
    """Days after a month's end before it is published: no scan older than
    SCAN_MAX_AGE_DAYS is accepted, so by then no late scan can add a restaurant to a
    published cell (a cell of five, then of six, would give away the sixth's figures)."""
    return int(settings.SCAN_MAX_AGE_DAYS)


def latest_month(municipality: Municipality, *, today: date | None = None) -> date:
    """The last month published (its 1st): ended in the municipality's calendar at
    least `settle_days()` days ago."""
    today = today or timezone.localdate(timezone=municipality.zone)
    settled = today - timedelta(days=settle_days())
    return add_months(settled.replace(day=1), -1)


def month_range(municipality: Municipality, first: str | None, last: str | None) -> MonthRange:
    return MonthRange.parse(first, last, latest=latest_month(municipality))


def volumes(*, municipality: Municipality, months: MonthRange) -> OpenVolumes:
    """Every cell of every month, district and business type, in that order."""
    published = _published_by_month(municipality, months.months)
    districts = list(reads(District).filter(municipality_id=municipality.id).order_by("code", "name"))
    cells = [
        Cell(month, district, business_type, published[month].get((str(district.id), business_type.value)))
        for month in months.months
        for district in districts
        for business_type in BusinessType
    ]
    return OpenVolumes(municipality=municipality, months=months, cells=cells)


def _published_by_month(municipality: Municipality, months: list[date]) -> dict[date, dict[tuple[str, str], Figures]]:
    """{month: {(district id, business type): figures}} of the published cells only.
    Each month is kept in the cache for MONTH_CACHE_SECONDS (a month's cells are the same
    whatever range asks for them), so that anyone asking again, or for a range that
    overlaps, costs no sum; the months not cached are summed in one grouped query."""
    keys = {month: f"open-data:v1:{municipality.id}:{month:%Y-%m}:{MIN_RESTAURANTS}" for month in months}
    cached = cache.get_many(list(keys.values()))
    found = {month: cached[key] for month, key in keys.items() if key in cached}
    missing = [month for month in months if month not in found]
    if missing:
        summed = _sum_cells(municipality, MonthRange(missing[0], missing[-1]))
        fresh = {month: summed.get(month, {}) for month in missing}
        cache.set_many({keys[month]: cells for month, cells in fresh.items()}, MONTH_CACHE_SECONDS)
        found.update(fresh)
    return found


def _sum_cells(municipality: Municipality, months: MonthRange) -> dict[date, dict[tuple[str, str], Figures]]:
    zone = municipality.zone
    start, end = months.bounds(zone)
    grouped = (
        reads(CollectionEvent)
        .filter(
            restaurant__municipality_id=municipality.id,
            status=CollectionStatus.BILLABLE,
            collected_at__gte=start,
            collected_at__lt=end,
        )
        .annotate(month=TruncMonth("collected_at", tzinfo=zone, output_field=DateField()))
        .values("month", "restaurant__district_id", "restaurant__business_type")
        .annotate(restaurants=Count("restaurant_id", distinct=True), collections=Count("id"), grams=Sum("weight_g"))
        .order_by()
    )
    summed: dict[date, dict[tuple[str, str], Figures]] = {}
    for row in grouped:
        figures = publishable(row["restaurants"], row["collections"], row["grams"])
        if figures is not None:  # a suppressed cell's figures are not kept anywhere, the cache included
            key = (str(row["restaurant__district_id"]), row["restaurant__business_type"])
            summed.setdefault(row["month"], {})[key] = figures
    return summed


def rows(report: OpenVolumes) -> list[dict]:
    """The cells as the dataset's rows (keys: COLUMNS); the same in every language."""
    names = {}
    for language in ("ko", "en"):
        with translation.override(language):
            names[language] = {business_type: str(business_type.label) for business_type in BusinessType}
    code = report.municipality.code
    return [
        {
            "municipality_code": code,
            "month": f"{cell.month:%Y-%m}",
            "district_code": cell.district.code,
            "district_name": cell.district.name,
            "business_type": cell.business_type.value,
            "business_type_name_ko": names["ko"][cell.business_type],
            "business_type_name_en": names["en"][cell.business_type],
            "restaurants_count": None if cell.figures is None else cell.figures.restaurants,
            "collections_count": None if cell.figures is None else cell.figures.collections,
            "collected_kg": None if cell.figures is None else str(cell.figures.kg),
            "suppressed": cell.suppressed,
        }
        for cell in report.cells
    ]
