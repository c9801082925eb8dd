"""The owner's receipt notice when a payment is recorded (once per payment)."""

from django.conf import settings
from django.urls import reverse

from backend.notifications.models import NoticeKind
from backend.notifications.services import notify
from backend.payments.models import Payment, RefundRequest, RefundStatus


def notify_payment_received(*, payment: Payment) -> None:
    owner_id = payment.restaurant.owner_id
    if owner_id is None:
        return
    url = settings.PUBLIC_BASE_URL + reverse("payments:receipt", args=[payment.id])
    notify(
        kind=NoticeKind.PAYMENT_RECEIVED,
        about=str(payment.id),
        recipient_id=owner_id,
        template="payments/notices/payment_received",
        context={"payment": payment, "invoice": payment.invoice},
        link=url,
    )


def notify_refund_decided(*, refund: RefundRequest) -> None:
    owner_id = refund.restaurant.owner_id
    if owner_id is None:
        return
    notify(
        kind=NoticeKind.REFUND_DECIDED,
        about=str(refund.id),
        recipient_id=owner_id,
        template="payments/notices/refund_decided",
        context={"refund": refund, "approved": refund.status == RefundStatus.APPROVED},
    )
