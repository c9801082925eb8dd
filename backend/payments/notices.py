"""The owner's receipt notice when a payment is recorded (once per payment), the refund
decision, and officials told of a day's settlement differences (once per official and day)."""

from django.conf import settings
from django.urls import reverse

from backend.accounts.models import Role, User
from backend.notifications import alimtalk
from backend.notifications.models import NoticeKind
from backend.notifications.services import Message, notify, notify_all
from backend.payments.models import Payment, RefundRequest, RefundStatus, SettlementCheck


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


def notify_settlement_differences(*, check: SettlementCheck, count: int) -> None:
    """Every active official is told that a day's settlements differ from our ledger (the
    gateway's shop is the deployment's, not one municipality's); checking the day again
    tells nobody twice."""
    url = settings.PUBLIC_BASE_URL + reverse("payments-console:settlements")
    officials = User.objects.filter(role=Role.OFFICIAL, is_active=True).values_list("id", flat=True)
    notify_all(
        Message(
            kind=NoticeKind.SETTLEMENT_DIFFERENCES,
            about=f"{check.provider}:{check.day}:{official_id}",
            recipient_id=official_id,
            template="payments/notices/settlement_differences",
            context={"check": check, "count": count},
            link=url,
        )
        for official_id in officials
    )
