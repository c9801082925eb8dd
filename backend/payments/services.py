"""Paying invoices: orders, the provider's callback recorded exactly once, the
ledger entry, the invoice's status and the receipt."""

import uuid
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.core.errors import DomainError
from backend.payments.models import OrderStatus, Payment, PaymentOrder
from backend.payments.notices import notify_payment_received
from backend.payments.providers import CallbackEvent, get_provider


def create_payment_order(*, invoice: Invoice, by: User) -> PaymentOrder:
    """An order for what is still due on the invoice; the owner may still pay another
    amount at the provider (partial, or more to prepay)."""
    if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE) or invoice.amount_due_krw <= 0:
        raise DomainError(
            "invoice_not_payable",
            "납부할 금액이 없는 청구서입니다. This invoice has nothing left to pay.",
            status_code=409,
        )
    return PaymentOrder.objects.create(
        invoice=invoice, provider=get_provider().name, amount_krw=invoice.amount_due_krw, created_by=by
    )


def handle_callback(*, provider_name: str, body: bytes, headers: Mapping[str, str]) -> Payment | None:
    """Verify and record a provider's callback. A replay (same transaction id) finds
    the payment already recorded and changes nothing."""
    provider = get_provider(provider_name)
    if provider.name != provider_name:
        raise DomainError("unknown_provider", "Unknown payment provider.", status_code=404)
    event = provider.parse_callback(body=body, headers=headers)
    return record_callback(provider_name=provider.name, event=event)


def record_callback(*, provider_name: str, event: CallbackEvent) -> Payment | None:
    order_id = _uuid_or_none(event.order_id)
    with transaction.atomic():
        order = (
            None
            if order_id is None
            else PaymentOrder.objects.select_for_update().filter(id=order_id, provider=provider_name).first()
        )
        if order is None:
            raise DomainError("unknown_order", "알 수 없는 결제 주문입니다. Unknown order.", status_code=404)
        if not event.succeeded:
            if order.status == OrderStatus.PENDING:
                order.status, order.failure_reason = OrderStatus.FAILED, event.failure_reason[:200]
                order.save(update_fields=["status", "failure_reason"])
            return None
        existing = Payment.objects.filter(provider=provider_name, provider_transaction_id=event.transaction_id).first()
        if existing is not None:
            return existing
        if event.amount_krw <= 0:
            raise DomainError("invalid_amount", "결제 금액이 올바르지 않습니다. Invalid amount.")
        invoice = Invoice.objects.select_for_update().get(id=order.invoice_id)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=order,
                    invoice=invoice,
                    restaurant_id=invoice.restaurant_id,
                    provider=provider_name,
                    provider_transaction_id=event.transaction_id,
                    amount_krw=event.amount_krw,
                    paid_at=event.paid_at or timezone.now(),
                    method=event.method,
                )
        except IntegrityError:  # a concurrent delivery of the same callback won
            return Payment.objects.get(provider=provider_name, provider_transaction_id=event.transaction_id)
        LedgerEntry.objects.create(
            restaurant_id=invoice.restaurant_id,
            kind=EntryKind.PAYMENT,
            amount_krw=-payment.amount_krw,
            payment=payment,
            invoice=invoice,
            memo=f"{invoice.number} 납부",
        )
        invoice.record_payment(amount_krw=payment.amount_krw, at=payment.paid_at)
        order.status = OrderStatus.PAID
        order.save(update_fields=["status"])
        payment.invoice = invoice
        notify_payment_received(payment=payment)
    return payment


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
