"""`{% load invoice_payments %}{% waiting_transfer invoice %}`: on the invoice's page, the
virtual account (가상계좌) that still waits for the owner's transfer, if there is one, so
that they transfer to it rather than pay a second time."""

from django import template
from django.utils import timezone

from backend.payments.models import OrderStatus, PaymentOrder

register = template.Library()


@register.inclusion_tag("payments/_waiting_transfer.html", takes_context=True)
def waiting_transfer(context, invoice) -> dict:
    order = (
        PaymentOrder.objects.visible_to(context["request"].user)
        .filter(invoice_id=invoice.id, status=OrderStatus.AWAITING_DEPOSIT)
        .exclude(deposit_due_at__lt=timezone.now())  # past its time the bank refuses the transfer
        .order_by("-created_at")
        .first()
    )
    return {"order": order}
