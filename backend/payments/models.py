import uuid

from django.db import models
from django.utils import timezone

from backend.billing.models import Invoice


class OrderStatus(models.TextChoices):
    PENDING = "pending", "결제 대기"
    PAID = "paid", "결제 완료"
    FAILED = "failed", "결제 실패"


class PaymentOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PaymentOrderQuerySet":
        return self.filter(invoice__in=Invoice.objects.visible_to(user))


class PaymentOrder(models.Model):
    """An owner's attempt to pay an invoice through a provider: its id is the order
    id the provider echoes back in its callback."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="payment_orders")
    provider = models.CharField(max_length=32)
    amount_krw = models.PositiveBigIntegerField(help_text="what was asked for; the provider may report another")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    failure_reason = models.CharField(max_length=200, blank=True)

    objects = PaymentOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PaymentQuerySet":
        return self.filter(invoice__in=Invoice.objects.visible_to(user))


class Payment(models.Model):
    """Money the provider says it received. (provider, provider_transaction_id) is
    unique, so a replayed callback finds its payment and changes nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, related_name="payments")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="payments")
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
