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
from backend.billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.core.errors import DomainError
from backend.payments.models import (
    CancelStatus,
    CounterMethod,
    CounterPayment,
    OrderPurpose,
    OrderStatus,
    Payment,
    PaymentCancel,
    PaymentOrder,
    RefundRequest,
    RefundStatus,
)
from backend.payments.notices import notify_payment_received, notify_refund_decided
from backend.payments.providers import CallbackEvent, PaymentProvider, get_provider
from backend.restaurants.models import Restaurant

# Confirm errors after which the gateway's window of the order cannot pay any more.
CLOSING_CONFIRM_ERRORS = ("payment_rejected", "payment_session_expired", "payment_invalid", "gateway_misconfigured")
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


def _provider(provider_name: str) -> PaymentProvider:
    provider = get_provider(provider_name)
    if provider.name != provider_name:
        raise DomainError("unknown_provider", _("Unknown payment provider."), status_code=404)
    return provider


def handle_callback(*, provider_name: str, body: bytes, headers: Mapping[str, str]) -> Payment | None:
    """Verify and record a provider's callback. A replay (same transaction id) finds
    the payment already recorded and changes nothing."""
    provider = _provider(provider_name)
    event = provider.parse_callback(body=body, headers=headers)
    if event is None:
        return None
    return record_callback(provider_name=provider.name, event=event, exact_amount=provider.exact_amount)


def _amount_mismatch() -> DomainError:
    return DomainError(
        "amount_mismatch",
        _("The amount does not match what this order asks for; nothing was charged."),
        status_code=409,
    )


def start_checkout(*, order: PaymentOrder, method: str, success_url: str, fail_url: str) -> str:
    """The address of the provider's payment window for the order, made once: asked
    again (a reload, a second tap), the same window."""
    if order.status != OrderStatus.PENDING:
        raise DomainError("order_closed", _("This payment is already finished or closed."), status_code=409)
    if order.invoice is not None and order.invoice.amount_due_krw != order.amount_krw:
        # Credit (or another payment) has paid part of the invoice since the order was made.
        raise DomainError(
            "order_stale",
            _("This invoice now asks for another amount. Go back to the invoice to pay what is left."),
            status_code=409,
        )
    if order.checkout_url:
        return order.checkout_url
    provider = _provider(order.provider)
    name = "음식물 수거 선불 충전" if order.invoice is None else f"음식물 수거 요금 {order.invoice.number}"
    url = provider.start_checkout(order, method=method, order_name=name, success_url=success_url, fail_url=fail_url)
    PaymentOrder.objects.filter(id=order.id, checkout_url="").update(checkout_url=url[:500])
    return url


def confirm_payment(*, order: PaymentOrder, payment_key: str, amount_krw: int) -> Payment | None:
    """The owner is back from the provider's window with what they authorised: take it,
    once. The server decides what is owed: an amount other than the order's is refused
    before the provider is asked. A return that comes again, or after the webhook, finds
    the payment recorded and confirms nothing. None: a virtual account waits for a transfer."""
    if not payment_key or len(payment_key) > 100:
        raise DomainError("payment_key_invalid", _("The payment service's answer cannot be read."))
    existing = Payment.objects.filter(provider=order.provider, provider_transaction_id=payment_key).first()
    if existing is not None:
        if existing.order_id != order.id:
            raise DomainError("payment_key_invalid", _("The payment service's answer cannot be read."))
        return existing
    provider = _provider(order.provider)
    if provider.exact_amount and amount_krw != order.amount_krw:
        raise _amount_mismatch()
    # The provider is called outside any transaction: no lock is held while it answers.
    try:
        event = provider.confirm(order, payment_key=payment_key, amount_krw=amount_krw)
    except DomainError as error:
        # Refused for good: this window is spent, the owner starts again from the invoice.
        # Not answering (gateway_unavailable): the same return may be tried again.
        if error.code in CLOSING_CONFIRM_ERRORS:
            fail_order(order=order, reason=error.code)
        raise
    return record_callback(provider_name=provider.name, event=event, exact_amount=provider.exact_amount)


def record_callback(*, provider_name: str, event: CallbackEvent, exact_amount: bool = False) -> Payment | None:
    order_id = uuid_or_none(event.order_id)
    with transaction.atomic():
        order = (
            None
            if order_id is None
            else PaymentOrder.objects.select_for_update().filter(id=order_id, provider=provider_name).first()
        )
        if order is None:
            raise DomainError("unknown_order", _("Unknown payment order."), status_code=404)
        if event.deposit is not None:
            if order.status == OrderStatus.PENDING:
                order.status = OrderStatus.AWAITING_DEPOSIT
                order.deposit_bank, order.deposit_account = event.deposit.bank, event.deposit.account_number
                order.deposit_due_at = event.deposit.due_at
                order.save(update_fields=["status", "deposit_bank", "deposit_account", "deposit_due_at"])
            return None
        if not event.succeeded:
            if order.status in (OrderStatus.PENDING, OrderStatus.AWAITING_DEPOSIT):
                order.status, order.failure_reason = OrderStatus.FAILED, event.failure_reason[:200]
                order.save(update_fields=["status", "failure_reason"])
            return None
        existing = Payment.objects.filter(provider=provider_name, provider_transaction_id=event.transaction_id).first()
        if existing is not None:
            return existing
        if event.amount_krw <= 0:
            raise DomainError("invalid_amount", _("The amount paid is not valid."))
        if exact_amount and event.amount_krw != order.amount_krw:
            raise _amount_mismatch()
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
            memo=f"{invoice.number} 납부" if invoice is not None else _top_up_memo(payment),
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


def _top_up_memo(payment: Payment) -> str:
    """The ledger's memos are Korean, as the invoices': 선불 충전 (카드)."""
    with translation.override("ko"):
        return f"선불 충전 ({payment.method_name if payment.method else payment.provider_name})"


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


def cancel_payment(*, payment: Payment, amount_krw: int, reason: str, by: User) -> PaymentCancel:
    """An official gives back (part of) an online payment through its provider, and the
    ledger reverses exactly that: one `payment_cancel` entry keyed by the cancel, the
    invoice's paid amount down by it (a paid invoice owed again reopens).

    The cancel is written first and its id is the provider's Idempotency-Key: when the
    provider does not answer, the official sends it again and the same cancel is retried,
    never a second one. The provider is called outside the transaction."""
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("Give the reason for the cancel."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(id=payment.id)
        cancel = PaymentCancel.objects.filter(payment=locked, status=CancelStatus.REQUESTED).first()
        if cancel is not None and cancel.amount_krw != amount_krw:
            raise DomainError(
                "cancel_in_progress", _("A cancel of this payment is still waiting for the gateway."), status_code=409
            )
        if cancel is None:
            if locked.is_bank_transfer:
                raise DomainError(
                    "cancel_needs_refund_account",
                    _("A bank transfer is given back to the payer's bank account: use a refund request."),
                    status_code=409,
                )
            left = cancellable_krw(locked)
            if not 1 <= amount_krw <= left:
                raise DomainError(
                    "cancel_exceeds_payment",
                    _("Up to %(amount)s won of this payment can be cancelled.") % {"amount": f"{left:,}"},
                    status_code=409,
                )
            cancel = PaymentCancel.objects.create(
                payment=locked, amount_krw=amount_krw, reason=reason[:200], requested_by=by
            )
    provider = _provider(payment.provider)
    try:
        key = provider.cancel(
            payment, amount_krw=cancel.amount_krw, reason=cancel.reason, idempotency_key=str(cancel.id)
        )
    except DomainError as error:
        if error.code != "gateway_unavailable":  # refused: closed, so another may be asked
            PaymentCancel.objects.filter(id=cancel.id, status=CancelStatus.REQUESTED).update(
                status=CancelStatus.FAILED, failure_code=error.code
            )
        raise
    return _record_cancel(cancel_id=cancel.id, provider_transaction_id=key)


def cancellable_krw(payment: Payment) -> int:
    """What of the payment has not been given back (nor is being)."""
    taken = sum(
        c.amount_krw
        for c in PaymentCancel.objects.filter(payment=payment, status__in=[CancelStatus.DONE, CancelStatus.REQUESTED])
    )
    return max(0, payment.amount_krw - taken)


def _record_cancel(*, cancel_id: uuid.UUID, provider_transaction_id: str) -> PaymentCancel:
    with transaction.atomic():
        cancel = PaymentCancel.objects.select_for_update().select_related("payment").get(id=cancel_id)
        if cancel.status == CancelStatus.DONE:
            return cancel
        payment = cancel.payment
        ledger.lock_account(payment.restaurant_id)
        invoice = None if payment.invoice_id is None else Invoice.objects.select_for_update().get(id=payment.invoice_id)
        # Back out of the account the payment went into.
        owner_id = LedgerEntry.objects.filter(payment_id=payment.id).values_list("owner_id", flat=True).first()
        now = timezone.now()
        ledger.post(
            restaurant_id=payment.restaurant_id,
            owner_id=owner_id,
            kind=EntryKind.PAYMENT_CANCEL,
            amount_krw=cancel.amount_krw,
            source_id=cancel.id,
            invoice_id=payment.invoice_id,
            recorded_by_id=cancel.requested_by_id,
            memo=f"결제 취소 ({cancel.reason})",
            at=now,
        )
        if invoice is not None:
            invoice.record_cancel(amount_krw=cancel.amount_krw)
        cancel.status, cancel.done_at = CancelStatus.DONE, now
        cancel.provider_transaction_id = provider_transaction_id[:100]
        cancel.save(update_fields=["status", "done_at", "provider_transaction_id"])
    return cancel


def fail_order(*, order: PaymentOrder, reason: str) -> None:
    """The owner gave up or the gateway refused before any payment: a pending order closes."""
    PaymentOrder.objects.filter(id=order.id, status=OrderStatus.PENDING).update(
        status=OrderStatus.FAILED, failure_reason=reason[:200]
    )


def uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
