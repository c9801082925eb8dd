"""Paying: invoices and wallet top-ups through a provider (orders, the provider's
callback recorded exactly once, the ledger entry, the invoice's status and the
receipt), payments at the district office's counter, and refunds of credit.

Every ledger entry goes through `billing.ledger.post`, keyed by its source (the
payment, the counter payment, the refund request), under the restaurant's lock."""

import uuid
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.billing import credit, ledger
from backend.billing.models import EntryKind, Invoice, InvoiceStatus
from backend.core.errors import DomainError
from backend.payments.models import (
    CounterMethod,
    CounterPayment,
    OrderPurpose,
    OrderStatus,
    Payment,
    PaymentOrder,
    RefundRequest,
    RefundStatus,
)
from backend.payments.notices import notify_payment_received, notify_refund_decided
from backend.payments.providers import CallbackEvent, get_provider
from backend.restaurants.models import Restaurant

# A top-up or counter payment above this is a typing mistake, not a payment.
MAX_PAYMENT_KRW = 100_000_000


def create_payment_order(*, invoice: Invoice, by: User) -> PaymentOrder:
    """An order for what is still due on the invoice once the account's credit is
    used (billing/credit.py): the server decides the amount, never money the account
    already holds. The owner may still pay another amount at the provider (partial,
    or more to prepay)."""
    with transaction.atomic():
        ledger.lock_account(invoice.restaurant_id)
        credit.use_credit(invoice.restaurant_id)
        invoice.refresh_from_db()
        if invoice.status not in (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE) or invoice.amount_due_krw <= 0:
            raise DomainError(
                "invoice_not_payable",
                _("This invoice has nothing left to pay."),
                status_code=409,
            )
        return PaymentOrder.objects.create(
            purpose=OrderPurpose.INVOICE,
            restaurant_id=invoice.restaurant_id,
            invoice=invoice,
            provider=get_provider().name,
            amount_krw=invoice.amount_due_krw,
            created_by=by,
        )


def _checked_amount(amount_krw: int) -> int:
    if not 1 <= amount_krw <= MAX_PAYMENT_KRW:
        raise DomainError(
            "invalid_amount",
            _("The amount must be 1 to %(most)s won.") % {"most": f"{MAX_PAYMENT_KRW:,}"},
        )
    return amount_krw


def create_top_up_order(*, restaurant: Restaurant, amount_krw: int, by: User) -> PaymentOrder:
    """An order to put money on the restaurant's account ahead of its pickups."""
    return PaymentOrder.objects.create(
        purpose=OrderPurpose.TOP_UP,
        restaurant=restaurant,
        invoice=None,
        provider=get_provider().name,
        amount_krw=_checked_amount(amount_krw),
        created_by=by,
    )


def handle_callback(*, provider_name: str, body: bytes, headers: Mapping[str, str]) -> Payment | None:
    """Verify and record a provider's callback. A replay (same transaction id) finds
    the payment already recorded and changes nothing."""
    provider = get_provider(provider_name)
    if provider.name != provider_name:
        raise DomainError("unknown_provider", _("Unknown payment provider."), status_code=404)
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
            raise DomainError("unknown_order", _("Unknown payment order."), status_code=404)
        if not event.succeeded:
            if order.status == OrderStatus.PENDING:
                order.status, order.failure_reason = OrderStatus.FAILED, event.failure_reason[:200]
                order.save(update_fields=["status", "failure_reason"])
            return None
        existing = Payment.objects.filter(provider=provider_name, provider_transaction_id=event.transaction_id).first()
        if existing is not None:
            return existing
        if event.amount_krw <= 0:
            raise DomainError("invalid_amount", _("The amount paid is not valid."))
        ledger.lock_account(order.restaurant_id)
        invoice = None if order.invoice_id is None else Invoice.objects.select_for_update().get(id=order.invoice_id)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=order,
                    invoice=invoice,
                    restaurant_id=order.restaurant_id,
                    provider=provider_name,
                    provider_transaction_id=event.transaction_id,
                    amount_krw=event.amount_krw,
                    paid_at=event.paid_at or timezone.now(),
                    method=event.method,
                )
        except IntegrityError:  # a concurrent delivery of the same callback won
            return Payment.objects.get(provider=provider_name, provider_transaction_id=event.transaction_id)
        # Paying more than is due is accepted: the rest is credit on the account, used
        # by the next invoice or refunded on request. An invoice's payment is on the
        # account of the owner it was billed to; a top-up on the account of whoever
        # owned the restaurant when they ordered it (a sale in between moves nothing).
        ledger.post(
            restaurant_id=order.restaurant_id,
            owner_id=invoice.owner_id
            if invoice is not None
            else ledger.owner_at(order.restaurant_id, order.created_at),
            kind=EntryKind.PAYMENT if invoice is not None else EntryKind.TOP_UP,
            amount_krw=-payment.amount_krw,
            source_id=payment.id,
            payment_id=payment.id,
            invoice_id=invoice.id if invoice is not None else None,
            memo=f"{invoice.number} 납부" if invoice is not None else f"선불 충전 ({payment.method or provider_name})",
            at=payment.paid_at,
        )
        if invoice is not None:
            invoice.record_payment(amount_krw=payment.amount_krw, at=payment.paid_at)
        # What is beyond this invoice (or a whole top-up) pays the owner's other open invoices first.
        credit.use_credit(order.restaurant_id)
        if invoice is not None:
            invoice.refresh_from_db()
        order.status = OrderStatus.PAID
        order.save(update_fields=["status"])
        payment.invoice = invoice
        notify_payment_received(payment=payment)
    return payment


def record_counter_payment(
    *,
    restaurant: Restaurant,
    amount_krw: int,
    method: str,
    by: User,
    invoice: Invoice | None = None,
    receipt_number: str = "",
    payment_id: uuid.UUID | None = None,
) -> CounterPayment:
    """An official records money taken at the district office, by card or in cash:
    for one of the restaurant's invoices, or onto its account. `payment_id` comes
    from the form, so submitting it twice records it once."""
    if method not in CounterMethod.values:
        raise DomainError("invalid_method", _("The method is card or cash."))
    _checked_amount(amount_krw)
    if invoice is not None and invoice.restaurant_id != restaurant.id:
        raise DomainError("invoice_not_of_restaurant", _("This invoice is not this restaurant's."))
    with transaction.atomic():
        holder = ledger.lock_account(restaurant.id).owner_id  # onto the account: the current owner's
        if payment_id is not None:
            existing = CounterPayment.objects.filter(id=payment_id).first()
            if existing is not None:
                return existing
        locked = None if invoice is None else Invoice.objects.select_for_update().get(id=invoice.id)
        if locked is not None and locked.status not in (
            InvoiceStatus.ISSUED,
            InvoiceStatus.OVERDUE,
            InvoiceStatus.PAID,
        ):
            raise DomainError("invoice_not_payable", _("This invoice cannot be paid."), status_code=409)
        counter = CounterPayment.objects.create(
            id=payment_id or uuid.uuid4(),
            restaurant=restaurant,
            invoice=locked,
            amount_krw=amount_krw,
            method=method,
            receipt_number=receipt_number[:50],
            recorded_by=by,
        )
        # The ledger's memo is a record, written in Korean whoever records the payment.
        with translation.override("ko"):
            label = str(CounterMethod(method).label)
        ledger.post(
            restaurant_id=restaurant.id,
            owner_id=locked.owner_id if locked is not None else holder,
            kind=EntryKind.COUNTER_PAYMENT,
            amount_krw=-amount_krw,
            source_id=counter.id,
            invoice_id=locked.id if locked is not None else None,
            recorded_by_id=by.id,
            memo=f"창구 납부 ({label})" + (f" {locked.number}" if locked is not None else ""),
            at=counter.recorded_at,
        )
        if locked is not None:
            locked.record_payment(amount_krw=amount_krw, at=counter.recorded_at)
        credit.use_credit(restaurant.id)
    return counter


def refundable_krw(*, restaurant: Restaurant, owner: User) -> int:
    """The credit an owner may ask back: what their account at the restaurant holds
    beyond what it owes (also after they sold it: the credit stays theirs)."""
    return max(0, -ledger.balance_krw(restaurant.id, owner.pk))


def request_refund(*, restaurant: Restaurant, amount_krw: int, bank_account: str, by: User) -> RefundRequest:
    """An owner asks for (part of) the credit of their own account back; an official decides."""
    _checked_amount(amount_krw)
    bank_account = bank_account.strip()
    if not bank_account:
        raise DomainError("bank_account_required", _("Write the bank account to refund to."))
    with transaction.atomic():
        ledger.lock_account(restaurant.id)
        if RefundRequest.objects.filter(restaurant=restaurant, requested_by=by, status=RefundStatus.REQUESTED).exists():
            raise DomainError(
                "refund_already_requested",
                _("A refund request is already being reviewed."),
                status_code=409,
            )
        available = refundable_krw(restaurant=restaurant, owner=by)
        if amount_krw > available:
            raise DomainError(
                "refund_exceeds_credit",
                _("You can ask for up to %(amount)s won.") % {"amount": f"{available:,}"},
                status_code=409,
            )
        return RefundRequest.objects.create(
            restaurant=restaurant, amount_krw=amount_krw, bank_account=bank_account[:100], requested_by=by
        )


def decide_refund(*, refund: RefundRequest, approve: bool, by: User, reason: str = "") -> RefundRequest:
    """An official approves (the ledger records the refund paid out, a debit) or
    rejects with a reason. The credit is checked again: it may have been used since."""
    with transaction.atomic():
        ledger.lock_account(refund.restaurant_id)
        locked = RefundRequest.objects.select_for_update().get(id=refund.id)
        if locked.status != RefundStatus.REQUESTED:
            raise DomainError("refund_already_decided", _("This request is already decided."), status_code=409)
        if not approve and not reason.strip():
            raise DomainError("reason_required", _("Give the reason for rejecting."))
        if approve:
            available = max(0, -ledger.balance_krw(locked.restaurant_id, locked.requested_by_id))
            if locked.amount_krw > available:
                raise DomainError(
                    "refund_exceeds_credit",
                    _("That is more than the %(amount)s won of credit left.") % {"amount": f"{available:,}"},
                    status_code=409,
                )
            ledger.post(
                restaurant_id=locked.restaurant_id,
                owner_id=locked.requested_by_id,  # paid out of the account of the owner who asked
                kind=EntryKind.REFUND,
                amount_krw=locked.amount_krw,
                source_id=locked.id,
                recorded_by_id=by.id,
                memo=f"환불 ({locked.bank_account})",
            )
        locked.status = RefundStatus.APPROVED if approve else RefundStatus.REJECTED
        locked.decided_by, locked.decided_at, locked.reason = by, timezone.now(), reason.strip()[:200]
        locked.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        notify_refund_decided(refund=locked)
    return locked


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
