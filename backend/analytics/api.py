"""`/api/v1/reports/…`: read-only reports for officials (their municipality) and
administrators (`?municipality=<uuid>`). JSON, or CSV with `?format=csv`."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from backend.analytics import selectors, spreadsheets
from backend.analytics.access import access_report_municipality, may_read_reports
from backend.analytics.ranges import DateRange
from backend.collection_events.weights import grams_to_kg
from backend.core.permissions import READ, WRITE, AccessPolicy

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


class VolumeRowSerializer(MeasuresSerializer):
    key = serializers.CharField(allow_null=True, help_text="the group's id or day; null for scans without one")
    label = serializers.CharField()  # type: ignore[assignment]


class ReportScopeSerializer(serializers.Serializer):
    municipality = ReportMunicipalitySerializer()
    vars()["from"] = serializers.DateField(help_text="first local day, included")  # `from` is a keyword
    to = serializers.DateField(help_text="last local day, included")


class VolumeReportSerializer(ReportScopeSerializer):
    group = serializers.ChoiceField(choices=list(selectors.GROUPS))
    rows = VolumeRowSerializer(many=True)
    totals = MeasuresSerializer()


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


def report_responses(serializer) -> dict:
    return {(200, "application/json"): serializer, (200, "text/csv"): OpenApiTypes.STR}


class ReportView(APIView):
    permission_classes = [AccessPolicy]
    access_policy = {READ: may_read_reports, WRITE: may_read_reports}
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, spreadsheets.ReportCsvRenderer]  # type: ignore[list-item]

    def report_scope(self, request):
        municipality = access_report_municipality(request.user, request.query_params.get("municipality"))
        days = DateRange.parse(request.query_params.get("from"), request.query_params.get("to"))
        return municipality, days


class VolumeReportView(ReportView):
    @extend_schema(
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter("group", OpenApiTypes.STR, enum=list(selectors.GROUPS), required=True),
        ],
        responses=report_responses(VolumeReportSerializer),
    )
    def get(self, request):
        municipality, days = self.report_scope(request)
        group = selectors.group_named(request.query_params.get("group"))
        report = selectors.volume(municipality=municipality, days=days, group=group)
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
    }


def volume_body(report: selectors.VolumeReport) -> dict:
    return {
        **_scope_body(report),
        "group": report.group,
        "rows": [{"key": row.key, "label": row.label, **_measures(row)} for row in report.rows],
        "totals": _measures(report.totals),
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
