import django_filters
from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from backend.billing import runs, services, windows
from backend.billing.access import (
    billing_run_municipality,
    can_manage_tariffs,
    can_start_billing_run,
    tariff_municipality,
)
from backend.billing.models import BillingRun, Invoice, InvoiceLine, Tariff
from backend.billing.periods import Period
from backend.core.audit import change_reason
from backend.core.fields import StrictModelSerializer
from backend.core.permissions import WRITE, AccessPolicy
from backend.restaurants import business_numbers


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2026-10"})
class PeriodField(serializers.Field):
    """A month as "YYYY-MM" both ways; stored as its first day."""

    def to_representation(self, value) -> str:
        return str(Period.of_date(value))

    def to_internal_value(self, data) -> Period:
        return Period.parse(str(data))


class TariffSerializer(StrictModelSerializer):
    change_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=100, help_text="why, for the audit trail"
    )

    class Meta:
        model = Tariff
        fields = [
            "id",
            "effective_from",
            "effective_to",
            "price_per_kg_krw",
            "base_fee_per_bin_krw",
            "minimum_charge_krw",
            "change_reason",
        ]


class TariffViewSet(viewsets.ModelViewSet):
    """A municipality's prices over time. Officials write their own; others read."""

    serializer_class = TariffSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_tariffs}

    def get_queryset(self):
        return Tariff.objects.visible_to(self.request.user)

    def perform_create(self, serializer):
        municipality = tariff_municipality(self.request.user)
        data = dict(serializer.validated_data)
        with change_reason(data.pop("change_reason", "")):
            serializer.instance = services.create_tariff(
                municipality=municipality, created_by=self.request.user, **data
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        with change_reason(data.pop("change_reason", "")):
            serializer.instance = services.update_tariff(tariff=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.delete_tariff(tariff=instance)


class BillingRunSerializer(serializers.ModelSerializer):
    period = PeriodField()

    class Meta:
        model = BillingRun
        fields = [
            "id",
            "period",
            "status",
            "done",
            "total",
            "invoices_issued",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
        ]
        read_only_fields = [f for f in fields if f != "period"]


class BillingRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """`POST {"period": "2026-10"}` → 202 and the run; GET shows its progress."""

    serializer_class = BillingRunSerializer
    permission_classes = [AccessPolicy]
    access_policy = {"create": can_start_billing_run}

    def get_queryset(self):
        return BillingRun.objects.visible_to(self.request.user)

    @extend_schema(responses={202: BillingRunSerializer})
    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        municipality = billing_run_municipality(request.user)
        run = runs.start_billing_run(
            municipality=municipality, period=form.validated_data["period"], requested_by=request.user
        )
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)


class ScanSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    collected_at = serializers.DateTimeField()
    weight_g = serializers.IntegerField()
    status = serializers.CharField()


class InvoiceLineSerializer(serializers.ModelSerializer):
    service_period = PeriodField()
    scans = ScanSerializer(many=True, read_only=True, default=list)

    class Meta:
        model = InvoiceLine
        fields = [
            "position",
            "kind",
            "bin",
            "bin_label",
            "description",
            "service_period",
            "first_date",
            "last_date",
            "collections",
            "weight_g",
            "price_per_kg_krw",
            "exact_amount",
            "amount_krw",
            "scans",
        ]


class InvoiceSerializer(serializers.ModelSerializer):
    period = PeriodField()
    business_number = serializers.SerializerMethodField()
    amount_due_krw = serializers.IntegerField(read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "restaurant",
            "restaurant_name",
            "restaurant_address",
            "business_number",
            "owner_name",
            "period",
            "first_day",
            "last_day",
            "status",
            "subtotal_krw",
            "minimum_adjustment_krw",
            "credits_krw",
            "truncated_krw",
            "total_krw",
            "prepaid_applied_krw",
            "paid_krw",
            "amount_due_krw",
            "base_fee_per_bin_krw",
            "minimum_charge_krw",
            "issued_at",
            "due_date",
            "paid_at",
        ]

    def get_business_number(self, invoice) -> str:
        return business_numbers.formatted(invoice.business_number)


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines"]


class InvoiceFilter(django_filters.FilterSet):
    period = django_filters.CharFilter(method="filter_period")
    restaurant = django_filters.UUIDFilter()
    status = django_filters.CharFilter()

    class Meta:
        model = Invoice
        fields = ["period", "restaurant", "status"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=Period.parse(value).first_day)


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `Accept: application/pdf`; errors still come as JSON text."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices: owners see their restaurants', officials their municipality's."""

    filterset_class = InvoiceFilter

    def get_queryset(self):
        queryset = Invoice.objects.visible_to(self.request.user)
        if self.action in ("retrieve", "pdf"):
            queryset = queryset.prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position")))
        return queryset

    def get_object(self):
        invoice = super().get_object()
        return windows.with_scans(invoice) if self.action == "retrieve" else invoice

    def get_serializer_class(self):
        return InvoiceDetailSerializer if self.action == "retrieve" else InvoiceSerializer

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="pdf", renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, *args, **kwargs):
        # reportlab is loaded on the first PDF asked for, not when the API starts.
        from backend.billing.pdf import render_invoice_pdf

        invoice = self.get_object()
        response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="invoice-{invoice.number}.pdf"'
        return response
