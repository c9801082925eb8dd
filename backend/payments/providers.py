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
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from backend.core.errors import DomainError

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
    return DomainError(
        "invalid_signature", "서명이 올바르지 않습니다. The callback signature is invalid.", status_code=400
    )


class SandboxProvider:
    """A provider that lives in this process: its checkout page (payments/views.py)
    lets the owner pay any amount or fail, then posts a callback signed with
    HMAC-SHA256 over the exact body, the way real gateways sign webhooks."""

    name = "sandbox"

    def __init__(self, secret: str | None = None):
        self.secret = (secret or settings.PAYMENT_SANDBOX_SECRET).encode()

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
        if not hmac.compare_digest(self.sign(body), signature):
            raise _bad_signature()
        try:
            payload = json.loads(body)
            amount = payload["amount"]
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                raise ValueError("amount")
            return CallbackEvent(
                order_id=str(payload["order_id"]),
                transaction_id=str(payload["transaction_id"]),
                succeeded=payload["status"] == "paid",
                amount_krw=amount,
                paid_at=parse_datetime(payload["paid_at"]) if payload.get("paid_at") else None,
                method=str(payload.get("method", "")),
                failure_reason=str(payload.get("failure_reason", "")),
            )
        except (ValueError, KeyError, TypeError):
            raise DomainError("malformed_callback", "콜백 내용을 읽을 수 없습니다. Malformed callback.") from None


_PROVIDERS = {"sandbox": SandboxProvider}


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER
    try:
        return _PROVIDERS[name]()
    except KeyError:
        raise DomainError("unknown_provider", f"Unknown payment provider {name!r}.", status_code=404) from None
