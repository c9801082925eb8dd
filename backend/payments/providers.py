"""The payment-provider interface, and the local sandbox provider.

A provider does two things for us: it says where to send the owner to pay an order
(`checkout_url`), and it turns the body of its server-to-server callback into a
`CallbackEvent` after verifying that the provider sent it (`parse_callback`).
Everything else (recording the payment once, the ledger, the invoice's status, the
receipt) is ours, in payments/services.py, whatever the provider.

A real Korean gateway (Toss Payments, KG Inicis, NICE Pay) is one more class here:
`checkout_url` starts the gateway's payment window for the order, and
`parse_callback` verifies its webhook (or confirms the payment key with the
gateway's confirm API) and maps its fields; see docs/billing.md.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError
from backend.core.parsers import loads_bounded

SIGNATURE_HEADER = "X-Sandbox-Signature"


@dataclass(frozen=True)
class CallbackEvent:
    order_id: str
    transaction_id: str
    succeeded: bool
    amount_krw: int
    paid_at: datetime | None
    method: str = ""
    failure_reason: str = ""


class PaymentProvider(Protocol):
    name: str

    def checkout_url(self, order) -> str: ...

    def parse_callback(self, *, body: bytes, headers) -> CallbackEvent: ...


def _bad_signature() -> DomainError:
    return DomainError("invalid_signature", _("The callback signature is invalid."), status_code=400)


class SandboxProvider:
    """A provider that lives in this process: its checkout page (payments/views.py)
    lets the owner pay any amount or fail, then posts a callback signed with
    HMAC-SHA256 over the exact body, the way real gateways sign webhooks."""

    name = "sandbox"

    def __init__(self, secret: str | None = None):
        self.secret = (secret or settings.PAYMENT_SANDBOX_SECRET or "").encode()

    def checkout_url(self, order) -> str:
        return reverse("payments:sandbox-checkout", args=[order.id])

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


_PROVIDERS = {"sandbox": SandboxProvider}


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER or ""
    try:
        return _PROVIDERS[name]()
    except KeyError:
        raise DomainError(
            "unknown_provider", _("Unknown payment provider: %(name)s.") % {"name": name}, status_code=404
        ) from None
