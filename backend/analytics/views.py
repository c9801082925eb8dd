"""The officials' report page: volume over any range, grouped by any of the selectors'
groups (periods, districts, business types, haulers, restaurants …), each row beside the
same days a year earlier, drawn as a chart with its table of figures; how scans were
taken; downloads as CSV and Excel.
A thin view over the same selectors as `/api/v1/reports/…`. And the open data's page,
for anyone: what the dataset holds and its downloads (`/api/v1/open-data/volumes/`)."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from backend.analytics import charts, open_data, selectors
from backend.analytics.access import access_report_municipality, may_compare, may_read_reports, report_choices
from backend.analytics.comparison import comparisons_for
from backend.analytics.ranges import (
    DEFAULT_MONTHS,
    MAX_DAYS,
    MAX_MONTHS,
    MAX_ROLLUP_DAYS,
    DateRange,
    MonthRange,
    span_text,
)
from backend.collection_events.weights import grams_to_kg
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality

#: Groups that are periods, drawn as lines; every other group is categories, drawn as bars.
TIME_GROUPS = (selectors.YEAR, selectors.MONTH, selectors.WEEK, selectors.DAY)
#: The table's first column; a group the selectors add later is headed "Item" until named here.
FIRST_COLUMN = {
    selectors.YEAR: _("Year"),
    selectors.MONTH: _("Month"),
    selectors.WEEK: _("Week"),
    selectors.DAY: _("Day"),
    selectors.DISTRICT: _("District"),
    selectors.BUSINESS_TYPE: _("Business type"),
    selectors.HAULER: _("Hauler"),
    selectors.RESTAURANT: _("Restaurant"),
}
#: Groups whose labels are translated; the others are names (districts, haulers,
#: restaurants), Korean whatever the page's language.
TRANSLATED_GROUPS = (*TIME_GROUPS, selectors.BUSINESS_TYPE)
#: A bar chart draws at most this many categories, the heaviest; the table lists them all.
MAX_BARS = 30


def volume_chart(report: selectors.VolumeReport) -> charts.Chart:
    """The report's weight and the same days' a year earlier: a line over periods, or
    bars for categories (the MAX_BARS heaviest when there are more)."""
    rows, group = report.rows, selectors.GROUPS[report.group]
    title = format_lazy(_("{group}: weight, and the same days a year earlier"), group=group)
    draw: Callable[..., charts.Chart]
    if report.group in TIME_GROUPS:
        draw, labels = charts.line_chart, [str(row.label) for row in rows]  # as the table under it says
    else:
        draw = charts.bar_chart
        if len(rows) > MAX_BARS:
            rows = sorted(rows, key=lambda row: -row.weight_g)[:MAX_BARS]
            title = format_lazy(
                _("{group}: the {count} heaviest, and the same days a year earlier"), group=group, count=MAX_BARS
            )
        labels = [str(row.label) for row in rows]
    return draw(
        chart_id="volume",
        title=title,
        unit="kg",
        labels=labels,
        label_heading=FIRST_COLUMN.get(report.group, _("Item")),
        series=[
            charts.Series(_("This period"), [grams_to_kg(row.weight_g) for row in rows]),
            charts.Series(
                _("A year earlier"),
                [None if row.previous is None else grams_to_kg(row.previous.weight_g) for row in rows],
            ),
        ],
    )


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
    typed = {
        "from": request.GET.get("from") or default.first_day.isoformat(),
        "to": request.GET.get("to") or default.last_day.isoformat(),
    }
    # The first thing wrong is said. A wrong range shows no report, the form as filled
    # in with the wrong field marked; otherwise the page shows what it can (the monthly
    # view, the first page) rather than nothing.
    error = None
    try:
        group = selectors.group_named(request.GET.get("group") or selectors.MONTH)
    except DomainError as exc:
        error, group = exc, selectors.MONTH
    try:
        days = DateRange.parse(typed["from"], typed["to"], max_days=selectors.max_days(group))
    except DomainError as exc:
        return render(
            request,
            "analytics/reports.html",
            {
                **_form_context(municipality, choices, typed, group),
                "error": error or exc,
                "invalid": frozenset(exc.fields),
            },
        )
    try:
        report = selectors.volume(
            municipality=municipality,
            days=days,
            group=group,
            page=selectors.page_number(request.GET.get("page"), group=group),
        )
    except DomainError as exc:  # a page past the last
        error, report = error or exc, selectors.volume(municipality=municipality, days=days, group=group)

    query = {"from": days.first_day.isoformat(), "to": days.last_day.isoformat()}
    if choices:
        query["municipality"] = str(municipality.id)
    # Scan quality reads the scans themselves, so it keeps the shorter range.
    quality = selectors.scan_quality(municipality=municipality, days=days) if _length(days) <= MAX_DAYS else None
    if group in TIME_GROUPS or report.all_totals is not None:
        totals = report.totals
    else:  # categories may leave out scans with none (no district): the years hold every scan
        totals = selectors.volume(municipality=municipality, days=days, group=selectors.YEAR).totals
    downloads = {"volume": _downloads("v1:report-volume", {**query, "group": group})}
    if quality is not None:
        downloads["quality"] = _downloads("v1:report-scan-quality", query)
    return render(
        request,
        "analytics/reports.html",
        {
            **_form_context(municipality, choices, typed, group),
            "days": days,
            "group_label": selectors.GROUPS[group],
            "first_column": FIRST_COLUMN.get(group, _("Item")),
            "names_in_korean": group not in TRANSLATED_GROUPS,
            "error": error,
            "report": report,
            "chart": volume_chart(report),
            "pager": _pager(report, {**query, "group": group}),
            "totals": totals,
            "quality": quality,
            "downloads": downloads,
        },
    )


def _form_context(municipality, choices, typed: dict, group: str) -> dict:
    return {
        "municipality": municipality,
        "choices": choices,
        "typed": typed,
        "groups": list(selectors.GROUPS.items()),
        "group": group,
        "longest": span_text(MAX_ROLLUP_DAYS),
        "longest_by_scans": span_text(MAX_DAYS),
        "invalid": frozenset(),
    }


def _length(days: DateRange) -> int:
    return (days.last_day - days.first_day).days + 1


def _pager(report: selectors.VolumeReport, query: dict) -> dict | None:
    if report.pages == 1:
        return None
    url = reverse("analytics:reports")
    return {
        "page": report.page,
        "pages": report.pages,
        "previous": f"{url}?{urlencode({**query, 'page': report.page - 1})}" if report.page > 1 else None,
        "next": f"{url}?{urlencode({**query, 'page': report.page + 1})}" if report.page < report.pages else None,
    }


def _downloads(name: str, query: dict) -> dict[str, str]:
    return {fmt: f"{reverse(name)}?{urlencode({**query, 'format': fmt})}" for fmt in ("csv", "xlsx")}


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
