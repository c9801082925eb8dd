"""The officials' trends, service and money pages (`/reports/trends/`, `/reports/service/`,
`/reports/money/`), reached from the report pages' menu: thin views over the same
selectors as `/api/v1/reports/…`, with the same access policy (analytics/access.py).
A wrong range is said on the page, above the form as it was filled in with the wrong
field marked, and no report is shown until it is put right; a wrong number is said and
its default used."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from backend.analytics import charts, money, report_tables, service, trends
from backend.analytics.access import access_report_municipality, may_read_reports, report_choices
from backend.analytics.ranges import DateRange, add_months
from backend.billing.arrears import local_today
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality

#: The pages' default range: this month and the eleven before it, a year of months.
DEFAULT_MONTHS = 12


def default_range(today: date) -> DateRange:
    this_month = today.replace(day=1)
    return DateRange(add_months(this_month, 1 - DEFAULT_MONTHS), add_months(this_month, 1) - timedelta(days=1))


@dataclass(frozen=True)
class Scope:
    municipality: Municipality
    choices: list[Municipality] | None
    days: DateRange | None  # None: the range asked for is wrong, and no report is shown
    query: dict
    errors: list
    typed: dict[str, str]  # the range's fields as filled in
    invalid: frozenset[str]  # the range's fields said to be wrong


def _scope(request) -> Scope | None:
    """Whose figures and which days; None when an administrator has no municipality to choose."""
    user = request.user
    if not may_read_reports(user):
        raise PermissionDenied
    choices = report_choices(user)
    if choices is not None and not choices:
        return None
    chosen = request.GET.get("municipality") or (str(choices[0].id) if choices else None)
    municipality = access_report_municipality(user, chosen)
    default = default_range(timezone.localdate(timezone=municipality.zone))
    errors = []
    typed = {
        "from": request.GET.get("from") or default.first_day.isoformat(),
        "to": request.GET.get("to") or default.last_day.isoformat(),
    }
    days: DateRange | None
    try:
        days = DateRange.parse(typed["from"], typed["to"])
    except DomainError as exc:
        errors.append(exc.message)
        days, invalid = None, frozenset(exc.fields or ())
    else:
        invalid = frozenset()
    query = dict(typed)
    if choices:
        query["municipality"] = str(municipality.id)
    return Scope(municipality, choices, days, query, errors, typed, invalid)


SPREADSHEETS = ("csv", "xlsx")


def downloads(name: str, query: dict, parts: dict) -> dict[str, dict[str, str]]:
    """{part: {"csv": its CSV's URL, "xlsx": its workbook's}}."""
    url = reverse(name)
    return {
        part: {fmt: f"{url}?{urlencode({**query, 'part': part, 'format': fmt})}" for fmt in SPREADSHEETS}
        for part in parts
    }


def _months(months) -> list[str]:
    return [f"{month:%Y-%m}" for month in months]


def trends_charts(report: trends.TrendsReport) -> dict[str, charts.Chart]:
    """The municipality's kg per restaurant per day by month; the tables under it hold
    the figures. (No chart of the top generators: the chart's labels cannot be marked as
    Korean, and restaurant names are; their table says it all.)"""
    total = report.by_district.total
    return {
        "intensity": charts.line_chart(
            chart_id="intensity",
            title=_("Kilograms per restaurant per day, all restaurants"),
            unit="kg",
            labels=_months(report.by_district.months),
            series=[charts.Series(_("All restaurants"), [cell.kg_per_restaurant_day for cell in total.cells])],
            label_heading=_("Month"),
        ),
    }


def service_chart(report: service.ServiceReport) -> charts.Chart:
    return charts.line_chart(
        chart_id="pickups",
        title=_("Extra pickups requested and done, missed pickups reported"),
        unit=pgettext("count unit", "requests"),
        labels=_months(month.month for month in report.months),
        series=[
            charts.Series(_("Requested"), [month.requested for month in report.months]),
            charts.Series(_("Done"), [month.done for month in report.months]),
            charts.Series(_("Missed pickups reported"), [month.missed for month in report.months]),
        ],
        label_heading=_("Month"),
        counts=True,
    )


def money_charts(report: money.MoneyReport) -> dict[str, charts.Chart]:
    won = gettext("KRW")
    buckets = report.arrears_totals.buckets
    return {
        "months": charts.line_chart(
            chart_id="money",
            title=_("Billed, paid and outstanding by month billed"),
            unit=won,
            labels=[row.key for row in report.by_month],
            series=[
                charts.Series(_("Billed"), [row.billed_krw for row in report.by_month]),
                charts.Series(_("Paid"), [row.paid_krw for row in report.by_month]),
                charts.Series(_("Outstanding"), [row.outstanding_krw for row in report.by_month]),
            ],
            label_heading=_("Month billed"),
        ),
        "arrears": charts.bar_chart(
            chart_id="arrears",
            title=_("Arrears by days past due"),
            unit=won,
            labels=[str(bucket.label) for bucket in buckets],
            series=[charts.Series(_("Owed"), [bucket.owed_krw for bucket in buckets])],
            label_heading=_("Days past due"),
        ),
    }


def _page(request, template: str, scope: Scope | None, context: dict):
    if scope is None:
        return render(request, template, {"no_municipality": True})
    return render(
        request,
        template,
        {
            "municipality": scope.municipality,
            "choices": scope.choices,
            "days": scope.days,
            "errors": scope.errors,
            "typed": scope.typed,
            "invalid": scope.invalid,
            "query": urlencode(scope.query),
            **context,
        },
    )


def _number(request, scope: Scope, field: str, *, default: int, most: int) -> int:
    try:
        return trends.whole_number(request.GET.get(field), field=field, default=default, most=most)
    except DomainError as exc:
        scope.errors.append(exc.message)
        return default


@login_required
def trends_page(request):
    scope = _scope(request)
    if scope is None:
        return _page(request, "analytics/trends.html", None, {})
    limit = _number(request, scope, "limit", default=trends.TOP_DEFAULT, most=trends.TOP_MOST)
    idle_days = _number(request, scope, "idle_days", default=trends.IDLE_DEFAULT_DAYS, most=trends.IDLE_MOST_DAYS)
    fields = {"limit": limit, "idle_days": idle_days, "limits": (trends.TOP_MOST, trends.IDLE_MOST_DAYS)}
    if scope.days is None:
        return _page(request, "analytics/trends.html", scope, {"section": "trends", **fields})
    report = trends.trends(
        municipality=scope.municipality, days=scope.days, limit=limit, idle_days=idle_days, now=timezone.now()
    )
    query = {**scope.query, "limit": limit, "idle_days": idle_days}
    return _page(
        request,
        "analytics/trends.html",
        scope,
        {
            "section": "trends",
            "report": report,
            **fields,
            "idle_rows": trends.IDLE_ROWS,
            "charts": trends_charts(report),
            "csv": downloads("v1:report-trends", query, report_tables.TRENDS_PARTS),
        },
    )


@login_required
def service_page(request):
    scope = _scope(request)
    if scope is None:
        return _page(request, "analytics/service.html", None, {})
    if scope.days is None:
        return _page(request, "analytics/service.html", scope, {"section": "service"})
    report = service.service(municipality=scope.municipality, days=scope.days)
    return _page(
        request,
        "analytics/service.html",
        scope,
        {
            "section": "service",
            "report": report,
            "exception_labels": [label for _code, label, _count in report.by_type],
            "chart": service_chart(report),
            "csv": downloads("v1:report-service", scope.query, report_tables.SERVICE_PARTS),
        },
    )


@login_required
def money_page(request):
    scope = _scope(request)
    if scope is None:
        return _page(request, "analytics/money.html", None, {})
    if scope.days is None:
        return _page(request, "analytics/money.html", scope, {"section": "money"})
    report = money.money(municipality=scope.municipality, days=scope.days, today=local_today(scope.municipality))
    return _page(
        request,
        "analytics/money.html",
        scope,
        {
            "section": "money",
            "report": report,
            "charts": money_charts(report),
            "csv": downloads("v1:report-money", scope.query, report_tables.MONEY_PARTS),
        },
    )
