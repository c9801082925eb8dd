import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from backend.billing.models import Invoice
from backend.restaurants.models import Restaurant


def _paid_by_or_for(user) -> Q:
    """Money the user may see: what paid an invoice they may see (an owner's own
    invoices, also after selling the restaurant: docs/billing.md, "Handover"), and
    wallet top-ups of the restaurants whose accounts they may see now."""
    return Q(invoice__in=Invoice.objects.visible_to(user)) | Q(
        invoice__isnull=True, restaurant__in=Restaurant.objects.accounts_visible_to(user)
    )


class OrderStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment order", "Awaiting payment")
    PAID = "paid", pgettext_lazy("payment order", "Paid")
    FAILED = "failed", pgettext_lazy("payment order", "Payment failed")
    # A virtual account (가상계좌) is issued: paid when the gateway reports the deposit.
    AWAITING_DEPOSIT = "awaiting_deposit", pgettext_lazy("payment order", "Awaiting bank transfer")


class OrderPurpose(models.TextChoices):
    INVOICE = "invoice", pgettext_lazy("payment order", "Invoice payment")
    TOP_UP = "top_up", pgettext_lazy("payment order", "Wallet top-up")


class PaymentOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PaymentOrderQuerySet":
        return self.filter(_paid_by_or_for(user))


class PaymentOrder(models.Model):
    """An owner's attempt to pay an invoice, or to top up a prepaid wallet, through a
    provider: its id is the order id the provider echoes back in its callback."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=16, choices=OrderPurpose.choices, default=OrderPurpose.INVOICE)
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="payment_orders"
    )
    provider = models.CharField(max_length=32)
    amount_krw = models.PositiveBigIntegerField(help_text="what was asked for; the provider may report another")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    failure_reason = models.CharField(max_length=200, blank=True)
    # Where the gateway's payment window for this order is (made once, server-side).
    checkout_url = models.CharField(max_length=500, blank=True)
    # A virtual account the gateway issued for a bank transfer: where to pay, and by when.
    deposit_bank = models.CharField(max_length=50, blank=True)
    deposit_account = models.CharField(max_length=50, blank=True)
    deposit_due_at = models.DateTimeField(null=True, blank=True)

    objects = PaymentOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="order_invoice_matches_purpose",
                condition=models.Q(purpose="invoice", invoice__isnull=False)
                | models.Q(purpose="top_up", invoice__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PaymentQuerySet":
        return self.filter(_paid_by_or_for(user))


# What a person reads for a gateway's name and a payment method (the stored codes are
# the providers' registry names and the methods as the provider says them).
PROVIDER_NAMES = {
    "toss": pgettext_lazy("payment gateway", "Toss Payments"),
    "sandbox": pgettext_lazy("payment gateway", "Test payments (sandbox)"),
}
METHOD_NAMES = {
    "card": pgettext_lazy("payment method", "Card"),
    "virtual_account": pgettext_lazy("payment method", "Virtual account"),
    "transfer": pgettext_lazy("payment method", "Bank transfer"),
    "easy_pay": pgettext_lazy("payment method", "Easy pay"),
}


def provider_name(code: str) -> str:
    return str(PROVIDER_NAMES.get(code, code))


def method_name(code: str) -> str:
    return str(METHOD_NAMES.get(code, code))


class Payment(models.Model):
    """Money the provider says it received. (provider, provider_transaction_id) is
    unique, so a replayed callback finds its payment and changes nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey(
        "billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )  # empty for a wallet top-up
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+")
    provider = models.CharField(max_length=32)
    provider_transaction_id = models.CharField(max_length=100)
    amount_krw = models.PositiveBigIntegerField()
    paid_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=32, blank=True, help_text="card, transfer, ... as the provider says")

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_transaction_id"], name="one_payment_per_transaction"),
            models.CheckConstraint(name="payment_positive", condition=models.Q(amount_krw__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_transaction_id}: {self.amount_krw} KRW"

    @property
    def provider_name(self) -> str:
        return provider_name(self.provider)

    @property
    def method_name(self) -> str:
        return method_name(self.method)

    @property
    def is_bank_transfer(self) -> bool:
        """Given back to a bank account (a refund), not through the gateway's cancel."""
        return self.method == "virtual_account"


class CounterMethod(models.TextChoices):
    CARD = "card", pgettext_lazy("payment method", "Card")
    CASH = "cash", pgettext_lazy("payment method", "Cash")


class CounterPaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CounterPaymentQuerySet":
        return self.filter(restaurant__in=Restaurant.objects.accounts_visible_to(user))


class CounterPayment(models.Model):
    """Money an owner paid at the district office (card or cash), recorded by an
    official: for an invoice, or (no invoice) onto the restaurant's account as a
    top-up. `id` is chosen by the form, so a submitted-twice form records it once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    amount_krw = models.PositiveBigIntegerField()
    method = models.CharField(max_length=8, choices=CounterMethod.choices)
    receipt_number = models.CharField(max_length=50, blank=True, help_text="the card slip's or cash receipt's number")
    recorded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = CounterPaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [models.CheckConstraint(name="counter_payment_positive", condition=models.Q(amount_krw__gt=0))]

    def __str__(self) -> str:
        return f"counter {self.method} {self.amount_krw} KRW"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("refund", "Under review")
    APPROVED = "approved", pgettext_lazy("refund", "Approved (refunded)")
    REJECTED = "rejected", pgettext_lazy("refund", "Rejected")


class RefundRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RefundRequestQuerySet":
        return self.filter(restaurant__in=Restaurant.objects.accounts_visible_to(user))


class RefundRequest(models.Model):
    """An owner asks for their credit back; an official approves (the ledger records
    the refund as a debit) or rejects it with a reason. It is paid out of the account
    of the owner who asked (`requested_by`); one open request per account."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+")
    amount_krw = models.PositiveBigIntegerField()
    bank_account = models.CharField(max_length=100, help_text="where to send the money, as the owner wrote it")
    status = models.CharField(max_length=16, choices=RefundStatus.choices, default=RefundStatus.REQUESTED)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    objects = RefundRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(name="refund_positive", condition=models.Q(amount_krw__gt=0)),
            models.UniqueConstraint(
                fields=["restaurant", "requested_by"],
                condition=models.Q(status="requested"),
                name="one_open_refund_per_account",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount_krw} KRW ({self.status})"


class CancelStatus(models.TextChoices):
    REQUESTED = "requested", pgettext_lazy("payment cancel", "Sent to the gateway")
    DONE = "done", pgettext_lazy("payment cancel", "Cancelled")
    FAILED = "failed", pgettext_lazy("payment cancel", "Refused by the gateway")


class PaymentCancel(models.Model):
    """An official gives back (part of) an online payment through its gateway. Its id is
    the Idempotency-Key of the gateway's cancel call, and the source of the ledger entry
    that reverses it: sent twice, cancelled and entered once. One open cancel per payment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="cancels")
    amount_krw = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=CancelStatus.choices, default=CancelStatus.REQUESTED)
    provider_transaction_id = models.CharField(max_length=100, blank=True, help_text="the gateway's key of the cancel")
    failure_code = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(name="payment_cancel_positive", condition=models.Q(amount_krw__gt=0)),
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(status="requested"), name="one_open_cancel_per_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"cancel {self.amount_krw} KRW of {self.payment_id} ({self.status})"


class SettlementCheck(models.Model):
    """One local day's comparison of the gateway's settlement list with our payments
    and cancels; checked again, the day's differences are replaced, never added twice."""

    provider = models.CharField(max_length=32)
    day = models.DateField()
    checked_at = models.DateTimeField(default=timezone.now)
    provider_lines = models.PositiveIntegerField(default=0)
    our_lines = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["provider", "day"], name="one_settlement_check_per_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.day}"

    @property
    def provider_name(self) -> str:
        return provider_name(self.provider)


class DifferenceKind(models.TextChoices):
    MISSING_HERE = "missing_here", pgettext_lazy("settlement", "At the gateway, not in our ledger")
    MISSING_AT_PROVIDER = "missing_at_provider", pgettext_lazy("settlement", "In our ledger, not at the gateway")
    AMOUNT_DIFFERS = "amount_differs", pgettext_lazy("settlement", "Amounts differ")


class SettlementDifference(models.Model):
    check_run = models.ForeignKey(SettlementCheck, on_delete=models.CASCADE, related_name="differences")
    kind = models.CharField(max_length=24, choices=DifferenceKind.choices)
    what = models.CharField(max_length=16, help_text="payment or cancel")
    provider_transaction_id = models.CharField(max_length=100)
    order_id = models.CharField(max_length=64, blank=True)
    our_amount_krw = models.BigIntegerField(null=True, blank=True)
    provider_amount_krw = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "provider_transaction_id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.provider_transaction_id}"
