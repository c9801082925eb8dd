"""The owner's receipt notice when a payment is recorded (once per payment)."""

from django.conf import settings
from django.urls import reverse

from backend.notifications import alimtalk
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
        variables={
            "업소명": payment.invoice.restaurant_name if payment.invoice else payment.restaurant.name,
            "내역": f"{payment.invoice.billing_period} 청구서" if payment.invoice else "선불 충전",
            "결제금액": alimtalk.won(payment.amount_krw),
            "결제일시": alimtalk.when(payment.paid_at),
            "거래번호": payment.provider_transaction_id,
        },
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
        variables={
            "업소명": refund.restaurant.name,
            "환불금액": alimtalk.won(refund.amount_krw),
            "결과": "승인" if refund.status == RefundStatus.APPROVED else "거절",
            "안내": f"입금 계좌: {refund.bank_account}"
            if refund.status == RefundStatus.APPROVED
            else f"사유: {refund.reason or '-'}",
        },
    )
