"""`/api/v1/reports/…`: read-only reports for officials (their municipality) and
administrators (`?municipality=<uuid>`). JSON, or for a spreadsheet CSV with
`?format=csv` and an Excel workbook with `?format=xlsx` (the same rows).

`/api/v1/open-data/volumes/`: the open data, for anyone (analytics/open_data.py)."""

from dataclasses import replace

from django.http import Http404
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from backend.accounts.throttles import OpenDataThrottle
from backend.analytics import open_data, selectors, spreadsheets
from backend.analytics.access import access_report_municipality, may_read_reports
from backend.analytics.ranges import MAX_DAYS, DateRange
from backend.collection_events.weights import grams_to_kg
from backend.core.errors import DomainError
from backend.core.permissions import READ, WRITE, AccessPolicy
from backend.restaurants.models import BusinessType

RANGE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="first local day, included"),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="last local day, included"),
    OpenApiParameter("municipality", OpenApiTypes.UUID, description="administrators only"),
]


class ReportMunicipalitySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    time_zone = serializers.CharField()


class MeasuresSerializer(serializers.Serializer):
    weight_g = serializers.IntegerField()
    weight_kg = serializers.DecimalField(max_digits=12, decimal_places=3)
    billable_g = serializers.IntegerField()
    billable_kg = serializers.DecimalField(max_digits=12, decimal_places=3)
    held_g = serializers.IntegerField()
    held_kg = serializers.DecimalField(max_digits=12, decimal_places=3)
    collections = serializers.IntegerField()
    visits_not_collected = serializers.IntegerField()
    restaurants_served = serializers.IntegerField(
        allow_null=True,
        help_text="restaurants with a collection in the range, each once; null where the grouping cannot say "
        "(a week, a day, a hauler, a crew member: a restaurant's days there do not add up to the total)",
    )


class ComparedMeasuresSerializer(MeasuresSerializer):
    previous = MeasuresSerializer(help_text="the same figures for the same days a year earlier")
    weight_change_g = serializers.IntegerField(help_text="weight_g minus the year-earlier weight_g")
    weight_change_percent = serializers.FloatField(
        allow_null=True, help_text="the change in percent of the year-earlier weight; null when that was 0"
    )


class VolumeRowSerializer(ComparedMeasuresSerializer):
    key = serializers.CharField(allow_null=True, help_text="the group's id or day; null for scans without one")
    label = serializers.CharField()  # type: ignore[assignment]


class ReportScopeSerializer(serializers.Serializer):
    municipality = ReportMunicipalitySerializer()
    vars()["from"] = serializers.DateField(help_text="first local day, included")  # `from` is a keyword
    to = serializers.DateField(help_text="last local day, included")


class VolumeReportSerializer(ReportScopeSerializer):
    group = serializers.ChoiceField(choices=list(selectors.GROUPS))
    previous_from = serializers.DateField(help_text="first local day a year earlier")
    previous_to = serializers.DateField(help_text="last local day a year earlier")
    page = serializers.IntegerField(help_text="this page of rows (restaurants come in pages); 1 otherwise")
    pages = serializers.IntegerField()
    rows = VolumeRowSerializer(many=True)
    totals = ComparedMeasuresSerializer(help_text="of every row, on every page")


class TallySerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class ScanQualityReportSerializer(ReportScopeSerializer):
    scans = serializers.IntegerField()
    flags = TallySerializer(many=True)
    sources = TallySerializer(many=True)
    physically_tapped = TallySerializer(many=True)
    exceptions = TallySerializer(many=True)
    statuses = TallySerializer(many=True)


#: Formats that download every row at once (the per-restaurant view: every page).
SPREADSHEET_FORMATS = ("csv", "xlsx")


def report_responses(serializer) -> dict:
    return {
        (200, "application/json"): serializer,
        (200, "text/csv"): OpenApiTypes.STR,
        (200, spreadsheets.XLSX_MEDIA_TYPE): OpenApiTypes.BINARY,
    }


class ReportView(APIView):
    permission_classes = [AccessPolicy]
    access_policy = {READ: may_read_reports, WRITE: may_read_reports}
    renderer_classes = [
        *api_settings.DEFAULT_RENDERER_CLASSES,  # type: ignore[list-item]
        spreadsheets.ReportCsvRenderer,
        spreadsheets.ReportXlsxRenderer,
    ]

    def perform_content_negotiation(self, request, force=False):
        # DRF answers a `?format=` it has no renderer for with 404, as if the report
        # were missing; the report is there, in other formats.
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            formats = [renderer.format for renderer in self.get_renderers()]
            raise DomainError(
                "unsupported_format",
                _("Reports download as csv or xlsx (or json)."),
                fields={"format": [f"one of {', '.join(formats)}"]},
            ) from None

    def report_scope(self, request, *, max_days: int = MAX_DAYS):
        municipality = access_report_municipality(request.user, request.query_params.get("municipality"))
        days = DateRange.parse(request.query_params.get("from"), request.query_params.get("to"), max_days=max_days)
        return municipality, days


class VolumeReportView(ReportView):
    @extend_schema(
        description=(
            "Ranges up to 25 years for every group but `restaurant` (read from daily rollups); "
            "366 days by restaurant, in pages of 100 (`page`), or all of them as CSV."
        ),
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter("group", OpenApiTypes.STR, enum=list(selectors.GROUPS), required=True),
            OpenApiParameter("page", OpenApiTypes.INT, description="group=restaurant: the page, from 1"),
        ],
        responses=report_responses(VolumeReportSerializer),
    )
    def get(self, request):
        group = selectors.group_named(request.query_params.get("group"))
        municipality, days = self.report_scope(request, max_days=selectors.max_days(group))
        if group == selectors.RESTAURANT and request.accepted_renderer.format in SPREADSHEET_FORMATS:
            return Response(restaurants_export_body(municipality, days))
        page = selectors.page_number(request.query_params.get("page"), group=group)
        report = selectors.volume(municipality=municipality, days=days, group=group, page=page)
        return Response(volume_body(report))

    def csv_table(self, body: dict) -> list[list]:
        return spreadsheets.volume_table(body)

    def csv_filename(self, body: dict) -> str:
        return f"volume-{body['group']}-{body['from']}-{body['to']}.csv"


class ScanQualityReportView(ReportView):
    @extend_schema(parameters=RANGE_PARAMETERS, responses=report_responses(ScanQualityReportSerializer))
    def get(self, request):
        municipality, days = self.report_scope(request)
        report = selectors.scan_quality(municipality=municipality, days=days)
        return Response(scan_quality_body(report))

    def csv_table(self, body: dict) -> list[list]:
        return spreadsheets.scan_quality_table(body)

    def csv_filename(self, body: dict) -> str:
        return f"scan-quality-{body['from']}-{body['to']}.csv"


def restaurants_export_body(municipality, days) -> dict:
    """Every page of the per-restaurant view, for the CSV export."""
    first = selectors.volume(municipality=municipality, days=days, group=selectors.RESTAURANT)
    rows = list(first.rows)
    for page in range(2, first.pages + 1):
        rows += selectors.volume(municipality=municipality, days=days, group=selectors.RESTAURANT, page=page).rows
    return volume_body(replace(first, rows=rows, page=1, pages=1))


def _scope_body(report) -> dict:
    municipality = report.municipality
    return {
        "municipality": {"id": str(municipality.id), "name": municipality.name, "time_zone": municipality.time_zone},
        "from": report.days.first_day.isoformat(),
        "to": report.days.last_day.isoformat(),
    }


def _measures(row: selectors.VolumeRow) -> dict:
    return {
        "weight_g": row.weight_g,
        "weight_kg": str(grams_to_kg(row.weight_g)),
        "billable_g": row.billable_g,
        "billable_kg": str(grams_to_kg(row.billable_g)),
        "held_g": row.held_g,
        "held_kg": str(grams_to_kg(row.held_g)),
        "collections": row.collections,
        "visits_not_collected": row.visits_not_collected,
        "restaurants_served": row.restaurants_served,
    }


def _compared(row: selectors.VolumeRow) -> dict:
    previous = row.previous or selectors.VolumeRow(row.key, row.label)
    return {
        **_measures(row),
        "previous": _measures(previous),
        "weight_change_g": row.weight_g - previous.weight_g,
        "weight_change_percent": row.weight_change_percent,
    }


def volume_body(report: selectors.VolumeReport) -> dict:
    previous = report.previous_days or report.days.year_earlier()
    return {
        **_scope_body(report),
        "group": report.group,
        "previous_from": previous.first_day.isoformat(),
        "previous_to": previous.last_day.isoformat(),
        "page": report.page,
        "pages": report.pages,
        "rows": [{"key": row.key, "label": row.label, **_compared(row)} for row in report.rows],
        "totals": _compared(report.totals),
    }


def _tallies(tallies: list[selectors.Tally]) -> list[dict]:
    return [{"code": tally.code, "label": tally.label, "count": tally.count} for tally in tallies]


def scan_quality_body(report: selectors.ScanQualityReport) -> dict:
    return {
        **_scope_body(report),
        "scans": report.scans,
        "flags": _tallies(report.flags),
        "sources": _tallies(report.sources),
        "physically_tapped": _tallies(report.physically_tapped),
        "exceptions": _tallies(report.exceptions),
        "statuses": _tallies(report.statuses),
    }


class OpenMunicipalitySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="행정표준코드")
    name = serializers.CharField()


class OpenVolumeRowSerializer(serializers.Serializer):
    municipality_code = serializers.CharField()
    month = serializers.CharField(help_text="the municipality's local month, YYYY-MM")
    district_code = serializers.CharField()
    district_name = serializers.CharField()
    business_type = serializers.ChoiceField(choices=BusinessType.values)
    business_type_name_ko = serializers.CharField()
    business_type_name_en = serializers.CharField()
    restaurants_count = serializers.IntegerField(
        allow_null=True, help_text="restaurants with a billable weighing in the cell; null when suppressed"
    )
    collections_count = serializers.IntegerField(allow_null=True, help_text="billable weighings; null when suppressed")
    collected_kg = serializers.DecimalField(
        max_digits=15,
        decimal_places=3,
        allow_null=True,
        help_text="billable weight in kilograms, three decimals (exact grams); null when suppressed",
    )
    suppressed = serializers.BooleanField(
        help_text=f"true when fewer than {open_data.MIN_RESTAURANTS} restaurants put something out in the cell"
    )


class OpenVolumesSerializer(serializers.Serializer):
    municipality = OpenMunicipalitySerializer()
    vars()["from"] = serializers.CharField(help_text="first month, YYYY-MM")  # `from` is a keyword
    to = serializers.CharField(help_text="last month, YYYY-MM")
    min_restaurants = serializers.IntegerField(help_text="a cell describing fewer restaurants is suppressed")
    columns = serializers.ListField(child=serializers.CharField(), help_text="the CSV's header, in order")
    rows = OpenVolumeRowSerializer(many=True)


OPEN_DATA_FORMATS = ("json", "csv")
#: Public answers may be kept by any cache as long as the server keeps a month's cells:
#: figures of a published month change only when a scan is released or voided, and an
#: hour's delay in that is harmless.
OPEN_DATA_MAX_AGE_SECONDS = open_data.MONTH_CACHE_SECONDS


class OpenDataVolumesView(APIView):
    """Collected volumes by month, district and business type, anonymised, for anyone.
    No sign-in and no account consulted: every caller gets the same answer, which
    caches may keep (`Cache-Control: public`)."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes = [OpenDataThrottle]
    renderer_classes = [JSONRenderer, spreadsheets.ReportCsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("municipality", OpenApiTypes.STR, required=True, description="the municipality's code"),
            OpenApiParameter("from", OpenApiTypes.STR, description="first month, YYYY-MM (default: a year before to)"),
            OpenApiParameter(
                "to", OpenApiTypes.STR, description="last month, YYYY-MM (default: the latest published month)"
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(OPEN_DATA_FORMATS), description="default json"),
        ],
        responses={(200, "application/json"): OpenVolumesSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request):
        municipality = open_data.municipality_by_code(request.query_params.get("municipality"))
        months = open_data.month_range(municipality, request.query_params.get("from"), request.query_params.get("to"))
        report = open_data.volumes(municipality=municipality, months=months)
        return Response(open_volumes_body(report))

    def perform_content_negotiation(self, request, force=False):
        """`?format=` picks JSON or CSV; anything else is a 400 (DRF would answer 404).
        An Accept header that names neither gets JSON rather than a 406."""
        wanted = request.query_params.get(api_settings.URL_FORMAT_OVERRIDE)
        if not force and wanted and wanted not in OPEN_DATA_FORMATS:
            raise DomainError(
                "invalid_format",
                _("format must be csv or json."),
                fields={"format": ["csv or json"]},
            )
        return super().perform_content_negotiation(request, force=True)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Any site's script may read it (a portal, a researcher's notebook): no credential
        # is ever read here, so there is nothing another origin could borrow.
        response["Access-Control-Allow-Origin"] = "*"
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=OPEN_DATA_MAX_AGE_SECONDS)
            patch_vary_headers(response, ["Accept"])  # `Accept: text/csv` also gives the CSV
        return response

    def csv_table(self, body: dict) -> list[list]:
        return spreadsheets.open_volumes_table(body)

    def csv_filename(self, body: dict) -> str:
        return f"collected-volumes-{body['municipality']['code']}-{body['from']}-{body['to']}.csv"


def open_volumes_body(report: open_data.OpenVolumes) -> dict:
    return {
        "municipality": {"code": report.municipality.code, "name": report.municipality.name},
        "from": f"{report.months.first_month:%Y-%m}",
        "to": f"{report.months.last_month:%Y-%m}",
        "min_restaurants": open_data.MIN_RESTAURANTS,
        "columns": open_data.COLUMNS,
        "rows": open_data.rows(report),
    }
