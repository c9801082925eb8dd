"""Service for officials: month by month, the extra pickups owners asked for and how
many were done, the missed pickups they reported, and the crews' visits that found the
bin not put out; and every crew exception by type, by crew member and by hauler.

A visit is any scan (weighed or not, voided ones too: a crew was there). A crew
exception is a visit recorded without a weight and with a reason (`exception_code`).
Requests count in the month of the day they were asked for; visits in the local month
of the visit. One grouped query each.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.analytics.ranges import DateRange
from backend.analytics.selectors import EXCEPTION_LABELS
from backend.collection_events.models import CollectionEvent, CollectionStatus, CrewException
from backend.core.replica import reads, reporting_db
from backend.municipalities.models import Municipality
from backend.pickup_requests.selectors import requests_by_month

EXCEPTION_CODES = [code.value for code in CrewException]
REQUEST_MEASURES = ("requested", "done", "turned_down", "cancelled", "open", "missed")
VISIT_MEASURES = ("visits", "collections", "not_put_out", "exceptions")


@dataclass(frozen=True)
class ServiceMonth:
    month: date
    label: "str | Promise"
    requested: int = 0
    done: int = 0
    turned_down: int = 0
    cancelled: int = 0
    open: int = 0
    missed: int = 0
    visits: int = 0
    collections: int = 0
    not_put_out: int = 0
    exceptions: int = 0

    @property
    def done_percent(self) -> float | None:
        """Extra pickups done, in percent of those asked for that were not cancelled."""
        asked = self.requested - self.cancelled
        return round(100 * self.done / asked, 1) if asked else None


@dataclass(frozen=True)
class ExceptionRow:
    """A crew member's (key: their username) or a hauler's (key: its id) visits and
    exceptions, by type (EXCEPTION_CODES order)."""

    key: str | None
    label: "str | Promise"
    hauler: "str | Promise"
    visits: int
    by_code: dict[str, int] = field(default_factory=dict)

    @property
    def exceptions(self) -> int:
        return sum(self.by_code.values())

    @property
    def exception_percent(self) -> float | None:
        return round(100 * self.exceptions / self.visits, 1) if self.visits else None

    @property
    def counts(self) -> list[int]:
        return [self.by_code.get(code, 0) for code in EXCEPTION_CODES]


@dataclass(frozen=True)
class ServiceReport:
    municipality: Municipality
    days: DateRange
    months: list[ServiceMonth]
    by_crew: list[ExceptionRow]
    by_hauler: list[ExceptionRow]
    by_type: "list[tuple[str, str | Promise, int]]"

    @property
    def totals(self) -> ServiceMonth:
        sums = {m: sum(getattr(month, m) for month in self.months) for m in REQUEST_MEASURES + VISIT_MEASURES}
        return ServiceMonth(self.days.first_day, _("Total"), **sums)


def _visits(municipality: Municipality, days: DateRange):
    start, end = days.bounds(municipality.zone)
    return reads(CollectionEvent).filter(
        restaurant__municipality_id=municipality.id, collected_at__gte=start, collected_at__lt=end
    )


def _exception_counts() -> dict:
    counts = {f"code_{code}": Count("id", filter=Q(exception_code=code)) for code in EXCEPTION_CODES}
    return {"visits": Count("id"), **counts}


def _by_code(row: dict) -> dict[str, int]:
    return {code: row[f"code_{code}"] for code in EXCEPTION_CODES}


def _crew_name(person) -> str:
    return f"{person['last_name']}{person['first_name']}".strip() or person["username"]


def service(*, municipality: Municipality, days: DateRange) -> ServiceReport:
    """Four queries: requests by month, visits by month, visits by crew member, their names."""
    requests = requests_by_month(
        municipality_id=municipality.id, first_day=days.first_day, last_day=days.last_day, using=reporting_db()
    )
    visits = (
        _visits(municipality, days)
        .annotate(month=TruncMonth("collected_at", tzinfo=municipality.zone))
        .values("month")
        .annotate(
            visits=Count("id"),
            collections=Count("id", filter=Q(status__in=[CollectionStatus.BILLABLE, CollectionStatus.HELD])),
            not_put_out=Count("id", filter=Q(exception_code=CrewException.NOT_PUT_OUT)),
            exceptions=Count("id", filter=~Q(exception_code="")),
        )
        .order_by()
    )
    visited = {row.pop("month").astimezone(municipality.zone).date(): row for row in visits}
    months = [
        ServiceMonth(
            month, date_format(month, "YEAR_MONTH_FORMAT"), **requests.get(month, {}), **visited.get(month, {})
        )
        for month in days.months
    ]

    # Grouped by the crew member's id alone (a year of visits carries one integer, not
    # names); their names and haulers are read after, and the haulers' sums made from theirs.
    counted = {
        row.pop("collector_id"): row
        for row in _visits(municipality, days).values("collector_id").annotate(**_exception_counts()).order_by()
    }
    people = (
        reads(User)
        .filter(id__in=list(counted))
        .values("id", "username", "last_name", "first_name", "hauler_id", "hauler__name")
        .order_by("hauler__name", "last_name", "first_name", "username")
    )
    no_hauler = _("No hauler")
    by_crew: list[ExceptionRow] = []
    haulers: dict[str | None, dict] = {}
    for person in people:
        row = counted[person["id"]]
        hauler = person["hauler__name"] or no_hauler
        by_crew.append(ExceptionRow(person["username"], _crew_name(person), hauler, row["visits"], _by_code(row)))
        key = None if person["hauler_id"] is None else str(person["hauler_id"])
        sums = haulers.setdefault(
            key, {"label": hauler, "visits": 0, **{f"code_{code}": 0 for code in EXCEPTION_CODES}}
        )
        for measure, value in row.items():
            sums[measure] += value
    by_hauler = [
        ExceptionRow(key, sums["label"], sums["label"], sums["visits"], _by_code(sums))
        for key, sums in sorted(haulers.items(), key=lambda item: (str(item[1]["label"]), item[0] or ""))
    ]
    by_type: list[tuple[str, str | Promise, int]] = [
        (code, EXCEPTION_LABELS[CrewException(code)], sum(row.by_code[code] for row in by_hauler))
        for code in EXCEPTION_CODES
    ]
    return ServiceReport(
        municipality=municipality, days=days, months=months, by_crew=by_crew, by_hauler=by_hauler, by_type=by_type
    )
