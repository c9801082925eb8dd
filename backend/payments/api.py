import django_filters
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from backend.billing.models import Invoice, LedgerEntry
from backend.core.permissions import WRITE, AccessPolicy
from backend.payments import services
from backend.payments.access import can_pay_invoices
from backend.payments.models import Payment, PaymentOrder
from backend.payments.providers import get_provider


class VisibleInvoice(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Invoice.objects.visible_to(self.context["request"].user)


class PaymentOrderSerializer(serializers.ModelSerializer):
    invoice = VisibleInvoice()
    checkout_url = serializers.SerializerMethodField()

    class Meta:
        model = PaymentOrder
        fields = ["id", "invoice", "provider", "amount_krw", "status", "created_at", "checkout_url"]
        read_only_fields = ["provider", "amount_krw", "status", "created_at"]

    def get_checkout_url(self, order) -> str:
        return self.context["request"].build_absolute_uri(get_provider(order.provider).checkout_url(order))


class PaymentOrderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """`POST {"invoice": id}` → 201 and where to send the owner to pay."""

    serializer_class = PaymentOrderSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_pay_invoices}

    def get_queryset(self):
        return PaymentOrder.objects.visible_to(self.request.user)

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        order = services.create_payment_order(invoice=form.validated_data["invoice"], by=request.user)
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "restaurant",
            "provider",
            "provider_transaction_id",
            "amount_krw",
            "paid_at",
            "method",
        ]


class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PaymentSerializer
    filterset_fields = ["invoice", "restaurant"]

    def get_queryset(self):
        return Payment.objects.visible_to(self.request.user)


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "restaurant", "kind", "amount_krw", "invoice", "payment", "memo", "created_at"]


class LedgerFilter(django_filters.FilterSet):
    class Meta:
        model = LedgerEntry
        fields = ["restaurant", "kind", "invoice"]


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """A restaurant account's movements; `balance_krw` in the list is their sum
    (positive: owed; negative: prepaid)."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter

    def get_queryset(self):
        return LedgerEntry.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["balance_krw"] = self.filter_queryset(self.get_queryset()).balance_krw()
        return response
