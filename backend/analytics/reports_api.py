"""`/api/v1/reports/trends/`, `/api/v1/reports/service/`, `/api/v1/reports/money/`:
the officials' trends, service and money reports, through the same access policy as
the volume report (analytics/access.py). JSON has every part of a report; a spreadsheet
(`?format=csv`) has one part, named by `?part=` (the first when not named)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from backend.analytics import money, report_tables, service, trends
from backend.analytics.api import RANGE_PARAMETERS, ReportScopeSerializer, ReportView, report_responses
from backend.billing.arrears import local_today
from backend.collection_events.weights import grams_to_kg
from backend.core.errors import DomainError


def part_named(text: str | None, parts: dict) -> str:
    if text is None or text == "":
        return next(iter(parts))
    if text not in parts:
        raise DomainError(
            "invalid_part",
            _("part must be one of %(parts)s.") % {"parts": ", ".join(parts)},
            fields={"part": [f"one of {', '.join(parts)}"]},
        )
    return text


def part_parameter(parts: dict) -> OpenApiParameter:
    return OpenApiParameter(
        "part",
        OpenApiTypes.STR,
        enum=list(parts),
        description=f"the table a spreadsheet holds (default {next(iter(parts))})",
    )


class PartsReportView(ReportView):
    """A report of several tables: the spreadsheet holds the one `?part=` names."""

    parts: dict = {}
    name = ""

    def chosen_part(self) -> str:
        return part_named(self.request.query_params.get("part"), self.parts)

    def csv_table(self, body: dict) -> list[list]:
        return self.parts[self.chosen_part()](body)

    def csv_filename(self, body: dict) -> str:
        return f"{self.name}-{self.chosen_part().replace('_', '-')}-{body['from']}-{body['to']}.csv"


def _kg(grams: int | None) -> str | None:
    return None if grams is None else str(grams_to_kg(grams))


# Trends


class IntensityCellSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, the municipality's local month")
    weight_g = serializers.IntegerField()
    weight_kg = serializers.DecimalField(max_digits=15, decimal_places=3)
    restaurants = serializers.IntegerField(help_text="restaurants open on some day of the month")
    days = serializers.IntegerField(help_text="the month's days inside the range")
    kg_per_restaurant_day = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="weight / restaurants / days; null without restaurants",
    )


class IntensityRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    cells = IntensityCellSerializer(many=True)


class IntensitySerializer(serializers.Serializer):
    rows = IntensityRowSerializer(many=True)
    total = IntensityRowSerializer()


class RestaurantSerializer(serializers.Serializer):
    restaurant_id = serializers.UUIDField()
    name = serializers.CharField()
    district = serializers.CharField()


class TopSerializer(RestaurantSerializer):
    weight_g = serializers.IntegerField()
    weight_kg = serializers.DecimalField(max_digits=15, decimal_places=3)
    collections = serializers.IntegerField()


class ChangeSerializer(RestaurantSerializer):
    weight_g = serializers.IntegerField()
    weight_kg = serializers.DecimalField(max_digits=15, decimal_places=3)
    previous_g = serializers.IntegerField(help_text="the same days a year earlier")
    previous_kg = serializers.DecimalField(max_digits=15, decimal_places=3)
    change_g = serializers.IntegerField()
    change_kg = serializers.DecimalField(max_digits=15, decimal_places=3)
    change_percent = serializers.FloatField(allow_null=True, help_text="null when nothing a year earlier")


class IdleRowSerializer(RestaurantSerializer):
    address = serializers.CharField()
    last_collected_at = serializers.DateTimeField(allow_null=True, help_text="null: never collected")
    days_since = serializers.IntegerField(allow_null=True, help_text="local days since the last collection")


class IdleSerializer(serializers.Serializer):
    idle_days = serializers.IntegerField()
    since = serializers.DateTimeField(help_text="no collection from then until now")
    count = serializers.IntegerField(help_text="every idle restaurant; rows has the first 500")
    rows = IdleRowSerializer(many=True)


class TrendsReportSerializer(ReportScopeSerializer):
    limit = serializers.IntegerField()
    months = serializers.ListField(child=serializers.CharField())
    by_district = IntensitySerializer()
    by_business_type = IntensitySerializer()
    top = TopSerializer(many=True)
    grew = ChangeSerializer(many=True)
    fell = ChangeSerializer(many=True)
    idle = IdleSerializer()


def _scope(report) -> dict:
    municipality = report.municipality
    return {
        "municipality": {"id": str(municipality.id), "name": municipality.name, "time_zone": municipality.time_zone},
        "from": report.days.first_day.isoformat(),
        "to": report.days.last_day.isoformat(),
    }


def _intensity(section: trends.Intensity) -> dict:
    def row(line: trends.IntensityRow) -> dict:
        cells = [
            {
                "month": f"{cell.month:%Y-%m}",
                "weight_g": cell.weight_g,
                "weight_kg": _kg(cell.weight_g),
                "restaurants": cell.restaurants,
                "days": cell.days,
                "kg_per_restaurant_day": None
                if cell.kg_per_restaurant_day is None
                else str(cell.kg_per_restaurant_day),
            }
            for cell in line.cells
        ]
        return {"key": line.key, "label": line.label, "cells": cells}

    return {"rows": [row(line) for line in section.rows], "total": row(section.total)}


def _restaurant(row) -> dict:
    return {"restaurant_id": str(row.restaurant_id), "name": row.name, "district": row.district}


def _change(row: trends.RestaurantChange) -> dict:
    return {
        **_restaurant(row),
        "weight_g": row.weight_g,
        "weight_kg": _kg(row.weight_g),
        "previous_g": row.previous_g,
        "previous_kg": _kg(row.previous_g),
        "change_g": row.change_g,
        "change_kg": _kg(row.change_g),
        "change_percent": row.change_percent,
    }


def trends_body(report: trends.TrendsReport, *, limit: int) -> dict:
    idle = report.idle
    return {
        **_scope(report),
        "limit": limit,
        "months": [f"{month:%Y-%m}" for month in report.by_district.months],
        "by_district": _intensity(report.by_district),
        "by_business_type": _intensity(report.by_business_type),
        "top": [
            {
                **_restaurant(row),
                "weight_g": row.weight_g,
                "weight_kg": _kg(row.weight_g),
                "collections": row.collections,
            }
            for row in report.top
        ],
        "grew": [_change(row) for row in report.grew],
        "fell": [_change(row) for row in report.fell],
        "idle": {
            "idle_days": idle.idle_days,
            "since": idle.since.isoformat(),
            "count": idle.count,
            "rows": [
                {
                    **_restaurant(row),
                    "address": row.address,
                    "last_collected_at": None if row.last_collected_at is None else row.last_collected_at.isoformat(),
                    "days_since": row.days_since,
                }
                for row in idle.rows
            ],
        },
    }


class TrendsReportView(PartsReportView):
    parts = report_tables.TRENDS_PARTS
    name = "trends"

    @extend_schema(
        description=(
            "Kilograms per restaurant per day by month, by district and by business type; the restaurants "
            "that put out the most; those that changed most against the same days a year earlier; open "
            "restaurants with a bin in use and no collection for `idle_days` days."
        ),
        parameters=[
            *RANGE_PARAMETERS,
            OpenApiParameter("limit", OpenApiTypes.INT, description=f"restaurants per top list, 1–{trends.TOP_MOST}"),
            OpenApiParameter(
                "idle_days", OpenApiTypes.INT, description=f"days without a collection, 1–{trends.IDLE_MOST_DAYS}"
            ),
            part_parameter(report_tables.TRENDS_PARTS),
        ],
        responses=report_responses(TrendsReportSerializer),
    )
    def get(self, request):
        municipality, days = self.report_scope(request)
        self.chosen_part()
        query = request.query_params
        limit = trends.whole_number(query.get("limit"), field="limit", default=trends.TOP_DEFAULT, most=trends.TOP_MOST)
        idle_days = trends.whole_number(
            query.get("idle_days"), field="idle_days", default=trends.IDLE_DEFAULT_DAYS, most=trends.IDLE_MOST_DAYS
        )
        report = trends.trends(
            municipality=municipality, days=days, limit=limit, idle_days=idle_days, now=timezone.now()
        )
        return Response(trends_body(report, limit=limit))


# Service


class ServiceMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM; `total` on the totals")
    label = serializers.CharField()  # type: ignore[assignment]
    requested = serializers.IntegerField(help_text="extra pickups asked for, for a day of the month")
    done = serializers.IntegerField()
    turned_down = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    open = serializers.IntegerField(help_text="received or assigned, not yet done")
    done_percent = serializers.FloatField(allow_null=True, help_text="done / (requested − cancelled)")
    missed = serializers.IntegerField(help_text="owners' reports of a missed pickup")
    visits = serializers.IntegerField(help_text="every scan of a bin by a crew")
    collections = serializers.IntegerField(help_text="visits that weighed (billable or held)")
    not_put_out = serializers.IntegerField(help_text="visits that found the bin not put out")
    exceptions = serializers.IntegerField(help_text="visits recorded with any crew exception")


class ExceptionRowSerializer(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="a crew member's username, a hauler's id")
    label = serializers.CharField()  # type: ignore[assignment]
    hauler = serializers.CharField()
    visits = serializers.IntegerField()
    by_code = serializers.DictField(child=serializers.IntegerField(), help_text="exceptions by exception_code")
    exceptions = serializers.IntegerField()
    exception_percent = serializers.FloatField(allow_null=True)


class ExceptionTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()


class ServiceReportSerializer(ReportScopeSerializer):
    months = ServiceMonthSerializer(many=True)
    totals = ServiceMonthSerializer()
    by_type = ExceptionTypeSerializer(many=True)
    by_crew = ExceptionRowSerializer(many=True)
    by_hauler = ExceptionRowSerializer(many=True)


def _service_month(row: service.ServiceMonth, key: str) -> dict:
    figures = {measure: getattr(row, measure) for measure in service.REQUEST_MEASURES + service.VISIT_MEASURES}
    return {"month": key, "label": row.label, **figures, "done_percent": row.done_percent}


def _exception_row(row: service.ExceptionRow) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "hauler": row.hauler,
        "visits": row.visits,
        "by_code": row.by_code,
        "exceptions": row.exceptions,
        "exception_percent": row.exception_percent,
    }


def service_body(report: service.ServiceReport) -> dict:
    return {
        **_scope(report),
        "months": [_service_month(row, f"{row.month:%Y-%m}") for row in report.months],
        "totals": _service_month(report.totals, "total"),
        "by_type": [{"code": code, "label": label, "count": count} for code, label, count in report.by_type],
        "by_crew": [_exception_row(row) for row in report.by_crew],
        "by_hauler": [_exception_row(row) for row in report.by_hauler],
    }


class ServiceReportView(PartsReportView):
    parts = report_tables.SERVICE_PARTS
    name = "service"

    @extend_schema(
        description=(
            "By month: extra pickups requested, done, turned down, cancelled and open; missed pickups "
            "reported; crews' visits, collections and bins not put out. Crew exceptions by type, by crew "
            "member and by hauler."
        ),
        parameters=[*RANGE_PARAMETERS, part_parameter(report_tables.SERVICE_PARTS)],
        responses=report_responses(ServiceReportSerializer),
    )
    def get(self, request):
        municipality, days = self.report_scope(request)
        self.chosen_part()
        return Response(service_body(service.service(municipality=municipality, days=days)))


# Money


class MoneyRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="YYYY-MM, a district's id, or `total`")
    label = serializers.CharField()  # type: ignore[assignment]
    invoices = serializers.IntegerField()
    billed_krw = serializers.IntegerField()
    paid_krw = serializers.IntegerField(help_text="paid or covered by wallet credit, up to the invoice's total")
    outstanding_krw = serializers.IntegerField(help_text="billed − paid, whether due yet or not")
    paid_percent = serializers.FloatField(allow_null=True)


class MoneyCellSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM, the month billed")
    district_id = serializers.UUIDField()
    district = serializers.CharField()
    invoices = serializers.IntegerField()
    billed_krw = serializers.IntegerField()
    paid_krw = serializers.IntegerField()
    outstanding_krw = serializers.IntegerField()


class BucketSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    invoices = serializers.IntegerField()
    owed_krw = serializers.IntegerField()


class ArrearsRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    buckets = BucketSerializer(many=True)
    invoices = serializers.IntegerField()
    owed_krw = serializers.IntegerField()


class ArrearsSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="the local day ages are counted to")
    rows = ArrearsRowSerializer(many=True)
    total = ArrearsRowSerializer()


class MoneyReportSerializer(ReportScopeSerializer):
    by_month = MoneyRowSerializer(many=True)
    by_district = MoneyRowSerializer(many=True)
    totals = MoneyRowSerializer()
    cells = MoneyCellSerializer(many=True)
    arrears = ArrearsSerializer()


def _money_row(row: money.MoneyRow) -> dict:
    figures = {measure: getattr(row, measure) for measure in money.MONEY_MEASURES}
    return {"key": row.key, "label": row.label, **figures, "paid_percent": row.paid_percent}


def _arrears_row(row: money.ArrearsRow) -> dict:
    buckets = [
        {"code": bucket.code, "label": bucket.label, "invoices": bucket.invoices, "owed_krw": bucket.owed_krw}
        for bucket in row.buckets
    ]
    return {"key": row.key, "label": row.label, "buckets": buckets, "invoices": row.invoices, "owed_krw": row.owed_krw}


def money_body(report: money.MoneyReport) -> dict:
    return {
        **_scope(report),
        "by_month": [_money_row(row) for row in report.by_month],
        "by_district": [_money_row(row) for row in report.by_district],
        "totals": _money_row(report.totals),
        "cells": [
            {
                "month": f"{cell.month:%Y-%m}",
                "district_id": str(cell.district_id),
                "district": cell.district,
                **{measure: getattr(cell, measure) for measure in money.MONEY_MEASURES},
            }
            for cell in report.cells
        ],
        "arrears": {
            "today": report.today.isoformat(),
            "rows": [_arrears_row(row) for row in report.arrears],
            "total": _arrears_row(report.arrears_totals),
        },
    }


class MoneyReportView(PartsReportView):
    parts = report_tables.MONEY_PARTS
    name = "money"

    @extend_schema(
        description=(
            "Billed, paid and outstanding KRW for the months billed that the range touches, by month and by "
            "district; the invoices past due today by days past due (under 30, 30–59, 60–89, 90 or more) "
            "and district."
        ),
        parameters=[*RANGE_PARAMETERS, part_parameter(report_tables.MONEY_PARTS)],
        responses=report_responses(MoneyReportSerializer),
    )
    def get(self, request):
        municipality, days = self.report_scope(request)
        self.chosen_part()
        report = money.money(municipality=municipality, days=days, today=local_today(municipality))
        return Response(money_body(report))
