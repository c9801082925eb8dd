"""The payment-provider interface, the local sandbox provider, and the registry.

A provider does these things for us, whatever company it is:

- `checkout_url(order)`: where to send the owner first to pay an order (our own page);
- `start_checkout(order, method=, order_name=, success_url=, fail_url=)`: the address of
  the provider's payment window for the order, made server-side;
- `confirm(order, payment_key=, amount_krw=)`: take the payment the owner authorised in
  that window, when they come back to our return URL;
- `parse_callback(body=, headers=)`: verify its server-to-server notice and map it to a
  `CallbackEvent` (None: a notice with nothing for us to record);
- `cancel(payment, amount_krw=, reason=, idempotency_key=)`: give back (part of) a payment;
- `settlements(day)`: its settlement list of a day (None: it keeps none).

Everything else (recording the payment once, the ledger, the invoice's status, the
receipt, reconciliation) is ours, in payments/services.py and payments/settlements.py.
Toss Payments is payments/toss.py; another gateway is one more class registered below.
"""

import hashlib
import hmac
import json
import re
from datetime import date, datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError
from backend.core.parsers import loads_bounded
from backend.payments.events import CallbackEvent, SettlementLine
from backend.payments.toss import TossProvider

__all__ = ["CallbackEvent", "PaymentProvider", "SandboxProvider", "SettlementLine", "get_provider"]

SIGNATURE_HEADER = "X-Sandbox-Signature"


class PaymentProvider(Protocol):
    name: str
    # True: the owner pays exactly the order's amount (a gateway's window is made for
    # it); False: another amount is accepted (the sandbox, to try partial payments).
    exact_amount: bool

    def checkout_url(self, order) -> str: ...

    def start_checkout(self, order, *, method: str, order_name: str, success_url: str, fail_url: str) -> str: ...

    def confirm(self, order, *, payment_key: str, amount_krw: int) -> CallbackEvent: ...

    def parse_callback(self, *, body: bytes, headers) -> CallbackEvent | None: ...

    def cancel(self, payment, *, amount_krw: int, reason: str, idempotency_key: str) -> str: ...

    def settlements(self, day: date) -> list[SettlementLine] | None: ...


def _bad_signature() -> DomainError:
    return DomainError("invalid_signature", _("The callback signature is invalid."), status_code=400)


class SandboxProvider:
    """A provider that lives in this process: its checkout page (payments/views.py)
    lets the owner pay any amount or fail, then posts a callback signed with
    HMAC-SHA256 over the exact body, the way real gateways sign webhooks."""

    name = "sandbox"
    exact_amount = False

    def __init__(self, secret: str | None = None):
        self.secret = (secret or settings.PAYMENT_SANDBOX_SECRET or "").encode()

    def checkout_url(self, order) -> str:
        return reverse("payments:sandbox-checkout", args=[order.id])

    def start_checkout(self, order, *, method: str, order_name: str, success_url: str, fail_url: str) -> str:
        return self.checkout_url(order)  # its window is our own page

    def confirm(self, order, *, payment_key: str, amount_krw: int) -> CallbackEvent:
        # The sandbox's page records its payment itself; there is nothing to confirm.
        raise DomainError("not_supported", _("This provider has nothing to confirm."), status_code=409)

    def cancel(self, payment, *, amount_krw: int, reason: str, idempotency_key: str) -> str:
        return f"sbx_cancel_{idempotency_key}"  # no money moved, so none goes back

    def settlements(self, day: date) -> list[SettlementLine] | None:
        return None  # nobody settles sandbox money: nothing to reconcile

    def sign(self, body: bytes) -> str:
        return hmac.new(self.secret, body, hashlib.sha256).hexdigest()

    def callback_body(
        self,
        *,
        order_id,
        transaction_id: str,
        succeeded: bool,
        amount_krw: int,
        paid_at: datetime,
        failure_reason: str = "",
    ) -> bytes:
        payload = {
            "order_id": str(order_id),
            "transaction_id": transaction_id,
            "status": "paid" if succeeded else "failed",
            "amount": amount_krw,
            "paid_at": paid_at.isoformat(),
            "method": "card",
            "failure_reason": failure_reason,
        }
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()

    def parse_callback(self, *, body: bytes, headers) -> CallbackEvent:
        signature = headers.get(SIGNATURE_HEADER, "")
        # A header that is not 64 hex digits cannot be our signature (and a non-ASCII
        # one would make compare_digest raise).
        if not (isinstance(signature, str) and _HEX_SIGNATURE.fullmatch(signature)):
            raise _bad_signature()
        if not hmac.compare_digest(self.sign(body), signature):
            raise _bad_signature()
        try:
            payload = loads_bounded(body.decode("utf-8"), max_depth=2)
            if not isinstance(payload, dict):
                raise ValueError("not an object")
            status = _text(payload, "status", 16)
            if status not in ("paid", "failed"):
                raise ValueError("status")
            return CallbackEvent(
                order_id=_text(payload, "order_id", 64),
                transaction_id=_text(payload, "transaction_id", 100),
                succeeded=status == "paid",
                amount_krw=_amount(payload.get("amount")),
                paid_at=_aware_datetime(payload.get("paid_at")),
                method=_text(payload, "method", 32, required=False),
                failure_reason=_text(payload, "failure_reason", 200, required=False),
            )
        except (ValueError, KeyError, TypeError, OverflowError):
            raise DomainError("malformed_callback", _("The callback cannot be read.")) from None


_HEX_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# More than any invoice could come to; keeps the amount inside a bigint.
MAX_CALLBACK_AMOUNT_KRW = 10**12


def _text(payload: dict, key: str, max_length: int, *, required: bool = True) -> str:
    """A string field of the callback: present (if required), a string, at most
    `max_length` characters, without control characters or lone surrogates."""
    value = payload.get(key, None if required else "")
    if value is None and not required:
        value = ""
    if not isinstance(value, str) or len(value) > max_length or (required and not value):
        raise ValueError(key)
    if any(ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise ValueError(key)
    return value


def _amount(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CALLBACK_AMOUNT_KRW:
        raise ValueError("amount")
    return value


def _aware_datetime(value) -> datetime | None:
    """`paid_at`: absent, or an ISO 8601 time with its offset, in a sane year."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("paid_at")
    parsed = parse_datetime(value)  # ValueError for an impossible date
    if parsed is None or parsed.tzinfo is None or not 2000 <= parsed.year <= 2100:
        raise ValueError("paid_at")
    offset = parsed.utcoffset()
    if offset is None or abs(offset) > timedelta(hours=14):
        raise ValueError("paid_at")
    return parsed


_PROVIDERS: dict[str, type] = {"sandbox": SandboxProvider, "toss": TossProvider}


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER or ""
    try:
        return _PROVIDERS[name]()
    except KeyError:
        raise DomainError(
            "unknown_provider", _("Unknown payment provider: %(name)s.") % {"name": name}, status_code=404
        ) from None
