import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.billing import ledger
from backend.billing.models import Invoice, LedgerEntry
from backend.core.api import PageNumberPagination
from backend.core.permissions import READ, WRITE, AccessPolicy
from backend.payments import services
from backend.payments.access import account_holder_id, can_manage_accounts, can_pay_invoices, can_use_wallet
from backend.payments.models import (
    Payment,
    PaymentCancel,
    PaymentOrder,
    RefundRequest,
    SettlementCheck,
    SettlementDifference,
)
from backend.payments.providers import get_provider
from backend.restaurants.models import Restaurant


class VisibleInvoice(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return Invoice.objects.visible_to(self.context["request"].user)


class ConfirmPaymentSerializer(serializers.Serializer):
    payment_key = serializers.CharField(max_length=100, help_text="the gateway's paymentKey, from its return URL")
    amount_krw = serializers.IntegerField(
        min_value=0, max_value=10**12, help_text="the amount in the return URL; must be the order's"
    )


class ConfirmedPaymentSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="the order's status: paid, or awaiting_deposit for a virtual account")
    payment = serializers.UUIDField(allow_null=True)


class PaymentOrderSerializer(serializers.ModelSerializer):
    invoice = VisibleInvoice()
    checkout_url = serializers.SerializerMethodField()

    class Meta:
        model = PaymentOrder
        fields = ["id", "purpose", "invoice", "provider", "amount_krw", "status", "created_at", "checkout_url"]
        read_only_fields = ["purpose", "provider", "amount_krw", "status", "created_at"]

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

    @extend_schema(request=ConfirmPaymentSerializer, responses={200: ConfirmedPaymentSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The owner is back from the gateway's window: confirm the payment with the
        gateway for the order's own amount (another amount: 409 `amount_mismatch`, and
        nothing is confirmed). Repeated, or after the gateway's webhook: the same payment."""
        order = self.get_object()
        form = ConfirmPaymentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        payment = services.confirm_payment(
            order=order, payment_key=form.validated_data["payment_key"], amount_krw=form.validated_data["amount_krw"]
        )
        order.refresh_from_db()
        return Response({"status": order.status, "payment": payment.id if payment else None})


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


class CancelSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentCancel
        fields = ["id", "payment", "amount_krw", "reason", "status", "requested_at", "done_at"]
        read_only_fields = ["payment", "status", "requested_at", "done_at"]
        extra_kwargs = {"amount_krw": {"min_value": 1, "max_value": services.MAX_PAYMENT_KRW}}


class PaymentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PaymentSerializer
    filterset_fields = ["invoice", "restaurant"]
    permission_classes = [AccessPolicy]
    access_policy = {"cancel": can_manage_accounts}

    def get_queryset(self):
        return Payment.objects.visible_to(self.request.user)

    @extend_schema(request=CancelSerializer, responses={201: CancelSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Officials: give back the whole or a part of an online payment through its
        gateway, with a reason; the ledger reverses exactly that amount."""
        payment = self.get_object()
        form = CancelSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        cancel = services.cancel_payment(
            payment=payment,
            amount_krw=form.validated_data["amount_krw"],
            reason=form.validated_data["reason"],
            by=request.user,
        )
        return Response(CancelSerializer(cancel).data, status=status.HTTP_201_CREATED)


class SettlementDifferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = SettlementDifference
        fields = ["kind", "what", "provider_transaction_id", "order_id", "our_amount_krw", "provider_amount_krw"]


class SettlementCheckSerializer(serializers.ModelSerializer):
    differences = SettlementDifferenceSerializer(many=True, read_only=True)

    class Meta:
        model = SettlementCheck
        fields = ["id", "provider", "day", "checked_at", "provider_lines", "our_lines", "differences"]


class SettlementCheckViewSet(viewsets.ReadOnlyModelViewSet):
    """Officials: each day's comparison of the gateway's settlements with our ledger."""

    serializer_class = SettlementCheckSerializer
    permission_classes = [AccessPolicy]
    access_policy = {READ: can_manage_accounts}

    def get_queryset(self):
        return SettlementCheck.objects.prefetch_related("differences")


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "restaurant", "owner", "kind", "amount_krw", "invoice", "payment", "memo", "created_at"]


class LedgerFilter(django_filters.FilterSet):
    class Meta:
        model = LedgerEntry
        fields = ["restaurant", "owner", "kind", "invoice"]


class LedgerEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """Accounts' movements (an owner: their own accounts only); `balance_krw` in the
    list is their sum (positive: owed; negative: prepaid). One account is
    `?restaurant=&owner=`: a restaurant as held by one owner."""

    serializer_class = LedgerEntrySerializer
    filterset_class = LedgerFilter

    def get_queryset(self):
        return LedgerEntry.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["balance_krw"] = self.filter_queryset(self.get_queryset()).balance_krw()
        return response


class AccountEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount_krw", "invoice", "payment", "memo", "created_at"]


class TopUpSerializer(serializers.Serializer):
    amount_krw = serializers.IntegerField(min_value=1000, max_value=services.MAX_PAYMENT_KRW)


class TopUpOrderSerializer(serializers.ModelSerializer):
    checkout_url = serializers.SerializerMethodField()

    class Meta:
        model = PaymentOrder
        fields = ["id", "purpose", "restaurant", "provider", "amount_krw", "status", "created_at", "checkout_url"]

    def get_checkout_url(self, order) -> str:
        return self.context["request"].build_absolute_uri(get_provider(order.provider).checkout_url(order))


class RefundRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = RefundRequest
        fields = ["id", "amount_krw", "bank_account", "status", "requested_at", "decided_at", "reason"]
        read_only_fields = ["status", "requested_at", "decided_at", "reason"]
        extra_kwargs = {"amount_krw": {"min_value": 1, "max_value": services.MAX_PAYMENT_KRW}}


class LedgerPagination(PageNumberPagination):
    """A page of entries, with the restaurant and its balance beside them."""

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"] = {
            "restaurant": {"type": "string", "format": "uuid"},
            "balance_krw": {"type": "integer", "description": "the sum of every entry: positive owed, negative credit"},
            **page["properties"],
        }
        page["required"] = ["restaurant", "balance_krw", *page.get("required", [])]
        return page


class RestaurantLedgerViewSet(viewsets.GenericViewSet):
    """One restaurant's account: its entries, newest first, and the balance (their
    sum: positive owed, negative credit); an owner tops up or asks for a refund."""

    serializer_class = AccountEntrySerializer
    pagination_class = LedgerPagination
    permission_classes = [AccessPolicy]
    access_policy = {"top_up": can_use_wallet, "refund_requests": can_use_wallet}

    def restaurant(self, *, current_owner_only: bool = False) -> Restaurant:
        """An owner opens their own account also at a restaurant they sold; paying in
        is for the current owner."""
        restaurants = (
            Restaurant.objects.accounts_visible_to if current_owner_only else Restaurant.objects.wallets_visible_to
        )
        return get_object_or_404(restaurants(self.request.user), id=self.kwargs["restaurant_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no restaurant
            return LedgerEntry.objects.none()
        return LedgerEntry.objects.visible_to(self.request.user).filter(restaurant_id=self.kwargs["restaurant_pk"])

    @extend_schema(responses=AccountEntrySerializer(many=True))
    def list(self, request, restaurant_pk=None):
        restaurant = self.restaurant()
        holder = account_holder_id(request.user, restaurant)
        page = self.paginate_queryset(
            LedgerEntry.objects.of_account(restaurant_id=restaurant.id, owner_id=holder).order_by("-created_at", "-id")
        )
        response = self.get_paginated_response(self.get_serializer(page, many=True).data)
        response.data = {
            "restaurant": restaurant.id,
            "balance_krw": ledger.balance_krw(restaurant.id, holder),
            **response.data,
        }
        return response

    @extend_schema(request=TopUpSerializer, responses={201: TopUpOrderSerializer})
    @action(detail=False, methods=["post"], url_path="top-up")
    def top_up(self, request, restaurant_pk=None):
        """An order to top up the wallet: send the owner to `checkout_url` to pay."""
        restaurant = self.restaurant(current_owner_only=True)
        form = TopUpSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        order = services.create_top_up_order(
            restaurant=restaurant, amount_krw=form.validated_data["amount_krw"], by=request.user
        )
        return Response(TopUpOrderSerializer(order, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RefundRequestSerializer, responses={201: RefundRequestSerializer})
    @action(detail=False, methods=["post"], url_path="refund-requests")
    def refund_requests(self, request, restaurant_pk=None):
        """Ask for credit back (up to the credit); an official approves or rejects it."""
        restaurant = self.restaurant()
        form = RefundRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        refund = services.request_refund(
            restaurant=restaurant,
            amount_krw=form.validated_data["amount_krw"],
            bank_account=form.validated_data["bank_account"],
            by=request.user,
        )
        return Response(RefundRequestSerializer(refund).data, status=status.HTTP_201_CREATED)
