"""Volume and scan-quality reports for one municipality: set-based reads.

Every figure is one grouped query in the database (SUM/COUNT with FILTER, months and
days truncated in the municipality's time zone); no Python loop ever walks events.
Void scans are wrong scans: they count in no volume, only in the scan-quality figures.
"""

from dataclasses import dataclass

from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.analytics.ranges import DateRange
from backend.collection_events.models import CollectionEvent, CollectionStatus, CrewException, Flag, Source
from backend.collection_events.weights import grams_to_kg
from backend.core.errors import DomainError
from backend.municipalities.models import District, Municipality

MONTH, DAY, DISTRICT, RESTAURANT = "month", "day", "district", "restaurant"
GROUPS = {
    MONTH: _("Monthly"),
    DAY: _("Daily"),
    DISTRICT: _("By district"),
    RESTAURANT: _("By restaurant"),
}

FLAG_LABELS = {
    Flag.FAR_FROM_RESTAURANT: _("Far from the restaurant"),
    Flag.HOLD_WINDOW: _("Scanned again within the hold window"),
    Flag.MANUAL_ENTRY: _("Manual entry"),
    Flag.UID_MISMATCH: _("Chip UID mismatch"),
}


def group_named(text: str | None) -> str:
    if text not in GROUPS:
        raise DomainError(
            "invalid_group",
            _("group must be one of month, day, district, restaurant."),
            fields={"group": [f"one of {', '.join(GROUPS)}"]},
        )
    return text


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
_VOLUME_MEASURES = {
    "billable_g": Coalesce(Sum("weight_g", filter=Q(status=CollectionStatus.BILLABLE)), 0),
    "held_g": Coalesce(Sum("weight_g", filter=Q(status=CollectionStatus.HELD)), 0),
    "collections": Count("id", filter=Q(status__in=_WEIGHED)),
    "visits_not_collected": Count("id", filter=Q(status=CollectionStatus.NOT_COLLECTED)),
}


@dataclass(frozen=True)
class VolumeRow:
    key: str
    label: "str | Promise"
    billable_g: int = 0
    held_g: int = 0
    collections: int = 0
    visits_not_collected: int = 0

    @property
    def weight_g(self) -> int:
        """Everything weighed and not voided: billable now, or once released."""
        return self.billable_g + self.held_g

    @property
    def weight_kg(self):
        return grams_to_kg(self.weight_g)


@dataclass(frozen=True)
class VolumeReport:
    municipality: Municipality
    days: DateRange
    group: str
    rows: list[VolumeRow]

    @property
    def totals(self) -> VolumeRow:
        return VolumeRow(
            key="total",
            label=_("Total"),
            billable_g=sum(row.billable_g for row in self.rows),
            held_g=sum(row.held_g for row in self.rows),
            collections=sum(row.collections for row in self.rows),
            visits_not_collected=sum(row.visits_not_collected for row in self.rows),
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
    return CollectionEvent.objects.filter(
        restaurant__municipality_id=municipality.id, collected_at__gte=start, collected_at__lt=end
    )


def volume(*, municipality: Municipality, days: DateRange, group: str) -> VolumeReport:
    """Weight and visits per month, day, district or restaurant. Months and days with no
    scans, and districts without any, are listed with zeros; restaurants only when active."""
    events = _events(municipality, days)
    zone = municipality.zone
    if group == MONTH:
        # As a date: the calendar below only needs the local 1st, not its midnight.
        local_month = TruncMonth("collected_at", tzinfo=zone, output_field=DateField())
        found = _grouped(events.annotate(bucket=local_month), "bucket")
        rows = [_row(found, month, f"{month:%Y-%m}", date_format(month, "YEAR_MONTH_FORMAT")) for month in days.months]
    elif group == DAY:
        found = _grouped(events.annotate(bucket=TruncDate("collected_at", tzinfo=zone)), "bucket")
        rows = [_row(found, day, day.isoformat(), date_format(day, "MONTH_DAY_FORMAT")) for day in days.days]
    elif group == DISTRICT:
        found = _grouped(events, "restaurant__district_id")
        districts = District.objects.filter(municipality_id=municipality.id).order_by("name", "code")
        rows = [_row(found, district.id, str(district.id), district.name) for district in districts]
    elif group == RESTAURANT:
        grouped = (
            events.values("restaurant_id", "restaurant__name")
            .annotate(**_VOLUME_MEASURES)
            .order_by("restaurant__name", "restaurant_id")
        )
        rows = [
            VolumeRow(key=str(row.pop("restaurant_id")), label=row.pop("restaurant__name"), **row) for row in grouped
        ]
    else:
        raise ValueError(f"unknown group {group!r}")
    return VolumeReport(municipality=municipality, days=days, group=group, rows=rows)


def _grouped(events, bucket: str) -> dict:
    """{bucket value: measures} in one GROUP BY query."""
    rows = events.values(bucket).annotate(**_VOLUME_MEASURES).order_by()
    return {row.pop(bucket): row for row in rows}


def _row(found: dict, bucket, key: str, label: str) -> VolumeRow:
    return VolumeRow(key=key, label=label, **found.get(bucket, {}))


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
