"""The officials' report page: volume by district, month and business type beside the same
days a year earlier, and how scans were taken.
A thin view over the same selectors as `/api/v1/reports/…`. And the open data's page,
for anyone: what the dataset holds and its downloads (`/api/v1/open-data/volumes/`)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from backend.analytics import open_data, selectors
from backend.analytics.access import access_report_municipality, may_compare, may_read_reports, report_choices
from backend.analytics.comparison import comparisons_for
from backend.analytics.ranges import DEFAULT_MONTHS, MAX_MONTHS, DateRange, MonthRange
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality


@dataclass(frozen=True)
class Bar:
    """A table row and its bar: billable and held weight as percentages of the
    heaviest row, so the longest bar fills the cell."""

    row: selectors.VolumeRow
    billable_pct: str
    held_pct: str


def bars(report: selectors.VolumeReport) -> list[Bar]:
    heaviest = max((row.weight_g for row in report.rows), default=0) or 1
    return [
        Bar(row, f"{100 * row.billable_g / heaviest:.1f}", f"{100 * row.held_g / heaviest:.1f}") for row in report.rows
    ]


@login_required
def reports(request):
    user = request.user
    if not may_read_reports(user):
        raise PermissionDenied
    choices = report_choices(user)
    if choices is not None and not choices:  # an administrator, before any municipality exists
        return render(request, "analytics/reports.html", {"no_municipality": True})
    chosen = request.GET.get("municipality") or (str(choices[0].id) if choices else None)
    municipality = access_report_municipality(user, chosen)

    default = DateRange.last_and_this_month(timezone.localdate(timezone=municipality.zone))
    error = None
    try:
        days = DateRange.parse(
            request.GET.get("from") or default.first_day.isoformat(),
            request.GET.get("to") or default.last_day.isoformat(),
        )
    except DomainError as exc:
        error, days = exc.message, default

    by_district = selectors.volume(municipality=municipality, days=days, group=selectors.DISTRICT)
    by_month = selectors.volume(municipality=municipality, days=days, group=selectors.MONTH)
    query = {"from": days.first_day.isoformat(), "to": days.last_day.isoformat()}
    if choices:
        query["municipality"] = str(municipality.id)
    return render(
        request,
        "analytics/reports.html",
        {
            "municipality": municipality,
            "choices": choices,
            "days": days,
            "error": error,
            "by_district": bars(by_district),
            "by_month": bars(by_month),
            "by_business_type": bars(
                selectors.volume(municipality=municipality, days=days, group=selectors.BUSINESS_TYPE)
            ),
            "totals": by_month.totals,  # every scan in range falls in some month
            "quality": selectors.scan_quality(municipality=municipality, days=days),
            "csv": {
                "district": _csv_link("v1:report-volume", {**query, "group": selectors.DISTRICT}),
                "month": _csv_link("v1:report-volume", {**query, "group": selectors.MONTH}),
                "business_type": _csv_link("v1:report-volume", {**query, "group": selectors.BUSINESS_TYPE}),
                "restaurant": _csv_link("v1:report-volume", {**query, "group": selectors.RESTAURANT}),
                "quality": _csv_link("v1:report-scan-quality", query),
            },
        },
    )


def _csv_link(name: str, query: dict) -> str:
    return f"{reverse(name)}?{urlencode({**query, 'format': 'csv'})}"


@login_required
def my_comparison(request):
    """The owner's restaurants against similar ones, month by month."""
    if not may_compare(request.user):
        raise PermissionDenied
    return render(request, "analytics/my_comparison.html", {"comparisons": comparisons_for(request.user)})


def open_data_page(request):
    """`/open-data/`: the dataset, its columns, units and anonymisation rule, and the
    downloads for a municipality and months (by default the last year of ended months).
    Open to anyone. A wrong choice is said on the page, above the form as it was
    filled in, with no downloads until it is put right."""
    municipalities = list(Municipality.objects.order_by("name", "code"))
    context: dict = {
        "municipalities": municipalities,
        "min_restaurants": open_data.MIN_RESTAURANTS,
        "max_months": MAX_MONTHS,
        "default_months": DEFAULT_MONTHS,
        "settle_days": open_data.settle_days(),
        "columns": open_data.COLUMN_DESCRIPTIONS.items(),
    }
    if not municipalities:
        return render(request, "analytics/open_data.html", context)
    code = request.GET.get("municipality") or municipalities[0].code
    chosen = next((m for m in municipalities if m.code == code), None)
    latest = open_data.latest_month(chosen or municipalities[0])
    typed = {field: request.GET.get(field) or "" for field in ("from", "to")}
    try:
        if chosen is None:
            raise DomainError("unknown_municipality", open_data.UNKNOWN_MUNICIPALITY)
        months = MonthRange.parse(typed["from"] or None, typed["to"] or None, latest=latest)
    except DomainError as exc:
        shown = {field: text[:7] for field, text in typed.items()}  # YYYY-MM, or what a month input drops
        context.update(chosen=chosen or municipalities[0], latest=latest, error=exc.message, typed=shown)
        return render(request, "analytics/open_data.html", context)
    query = {"municipality": chosen.code, "from": f"{months.first_month:%Y-%m}", "to": f"{months.last_month:%Y-%m}"}
    api = reverse("v1:open-data-volumes")
    context.update(
        chosen=chosen,
        latest=latest,
        typed={"from": query["from"], "to": query["to"]},
        months=months,
        downloads={fmt: f"{api}?{urlencode({**query, 'format': fmt})}" for fmt in ("csv", "json")},
    )
    return render(request, "analytics/open_data.html", context)
