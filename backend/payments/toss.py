"""Toss Payments (토스페이먼츠), over its public REST API v1: the only module that talks
to it, and the only one that imports `requests` for payments.

The contract (docs.tosspayments.com: "API 레퍼런스", "웹훅", "에러 코드"; docs/billing.md,
"Toss Payments"):

- every call authenticates with the shop's secret key as HTTP Basic (`secret:` in base64);
- `POST /v1/payments` makes the payment window of an order for one method (카드, 가상계좌)
  and answers a Payment whose `checkout.url` is where to send the owner: no script of
  Toss's on our pages;
- Toss sends the owner back to `successUrl?paymentKey=&orderId=&amount=` (or to
  `failUrl?code=&message=&orderId=`); the payment is only taken when we confirm it,
  `POST /v1/payments/confirm {paymentKey, orderId, amount}`;
- `GET /v1/payments/{paymentKey}` and `GET /v1/payments/orders/{orderId}` look a payment up;
- `POST /v1/payments/{paymentKey}/cancel {cancelReason, cancelAmount}` with an
  `Idempotency-Key` header cancels the whole or a part;
- webhooks: `PAYMENT_STATUS_CHANGED` (data: a Payment) and `DEPOSIT_CALLBACK` (a virtual
  account's `secret`, `status`, `orderId`) are unsigned, so we believe only what the API
  answers when we look the payment up (and, for a deposit, that the secret matches);
- `GET /v1/settlements?startDate=&endDate=&page=&size=` lists what Toss settles.
"""

import base64
import hmac
import json
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.urls import reverse
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError
from backend.payments.events import CallbackEvent, DepositAccount, SettlementLine

# Our methods, and Toss's names for them in a Payment object and in `POST /v1/payments`.
METHODS = {"card": "카드", "virtual_account": "가상계좌"}
_OUR_METHOD = {"카드": "card", "가상계좌": "virtual_account", "간편결제": "easy_pay", "계좌이체": "transfer"}
SETTLEMENT_PAGE_SIZE = 5000
# Toss's two-digit bank codes (docs.tosspayments.com, "코드: 은행 코드") of the banks that
# issue virtual accounts, for the owner to read; another code is shown as it came.
BANKS = {
    "39": "경남은행",
    "34": "광주은행",
    "12": "단위농협",
    "32": "부산은행",
    "45": "새마을금고",
    "88": "신한은행",
    "48": "신협",
    "20": "우리은행",
    "71": "우체국예금보험",
    "37": "전북은행",
    "03": "IBK기업은행",
    "06": "KB국민은행",
    "31": "iM뱅크(대구)",
    "11": "NH농협은행",
    "23": "SC제일은행",
    "07": "Sh수협은행",
    "81": "하나은행",
}


def _unavailable() -> DomainError:
    return DomainError(
        "gateway_unavailable",
        _("The payment service is not answering. Nothing was charged twice; please try again in a minute."),
        status_code=503,
    )


def _rejected() -> DomainError:
    return DomainError(
        "payment_rejected",
        _("The card company refused the payment. Try another card or a bank transfer."),
        status_code=409,
    )


def _misconfigured() -> DomainError:
    return DomainError(
        "gateway_misconfigured",
        _("Online payment is not set up correctly. Please pay at the district office or try later."),
        status_code=503,
    )


def _session_expired() -> DomainError:
    return DomainError(
        "payment_session_expired",
        _("The payment window expired before it was finished. Please start the payment again."),
        status_code=409,
    )


def _invalid() -> DomainError:
    return DomainError(
        "payment_invalid", _("The payment service refused the payment's details. Please start again."), status_code=409
    )


# The documented errors of the confirm API (docs.tosspayments.com/reference/error-codes,
# "결제 승인"), each as a stable code of ours with a message the owner can act on.
# ALREADY_PROCESSED_PAYMENT is not an error to us: the payment is looked up and recorded.
CONFIRM_ERRORS = {
    "PROVIDER_ERROR": _unavailable,
    "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING": _unavailable,
    "FAILED_INTERNAL_SYSTEM_PROCESSING": _unavailable,
    "UNKNOWN_PAYMENT_ERROR": _unavailable,
    "EXCEED_MAX_CARD_INSTALLMENT_PLAN": _rejected,
    "NOT_ALLOWED_POINT_USE": _rejected,
    "INVALID_REJECT_CARD": _rejected,
    "INVALID_CARD_EXPIRATION": _rejected,
    "INVALID_STOPPED_CARD": _rejected,
    "EXCEED_MAX_DAILY_PAYMENT_COUNT": _rejected,
    "NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT": _rejected,
    "INVALID_CARD_INSTALLMENT_PLAN": _rejected,
    "NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN": _rejected,
    "EXCEED_MAX_PAYMENT_AMOUNT": _rejected,
    "INVALID_CARD_LOST_OR_STOLEN": _rejected,
    "RESTRICTED_TRANSFER_ACCOUNT": _rejected,
    "INVALID_CARD_NUMBER": _rejected,
    "EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT": _rejected,
    "EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT": _rejected,
    "CARD_PROCESSING_ERROR": _rejected,
    "EXCEED_MAX_AMOUNT": _rejected,
    "INVALID_ACCOUNT_INFO_RE_REGISTER": _rejected,
    "NOT_AVAILABLE_PAYMENT": _rejected,
    "REJECT_ACCOUNT_PAYMENT": _rejected,
    "REJECT_CARD_PAYMENT": _rejected,
    "REJECT_CARD_COMPANY": _rejected,
    "REJECT_TOSSPAY_INVALID_ACCOUNT": _rejected,
    "EXCEED_MAX_AUTH_COUNT": _rejected,
    "EXCEED_MAX_ONE_DAY_AMOUNT": _rejected,
    "NOT_AVAILABLE_BANK": _rejected,
    "INVALID_PASSWORD": _rejected,
    "INVALID_REQUEST": _invalid,
    "BELOW_MINIMUM_AMOUNT": _invalid,
    "INVALID_API_KEY": _misconfigured,
    "UNAUTHORIZED_KEY": _misconfigured,
    "INCORRECT_BASIC_AUTH_FORMAT": _misconfigured,
    "FORBIDDEN_REQUEST": _misconfigured,
    "FDS_ERROR": _rejected,
    "UNAPPROVED_ORDER_ID": _invalid,
    "INVALID_AUTHORIZE_AUTH": _invalid,
    "NOT_FOUND_TERMINAL_ID": _misconfigured,
    "INVALID_UNREGISTERED_SUBMALL": _misconfigured,
    "NOT_REGISTERED_BUSINESS": _misconfigured,
    "NOT_FOUND_PAYMENT": _session_expired,
    "NOT_FOUND_PAYMENT_SESSION": _session_expired,
}


class TossError(Exception):
    """An error object Toss answered with: `{"code", "message"}` and the HTTP status."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _our_method(toss_method: str | None) -> str:
    return _OUR_METHOD.get(toss_method or "", (toss_method or "")[:32])


def _when(value: Any) -> datetime | None:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def event_of(payment: dict) -> CallbackEvent | None:
    """A Payment object of Toss's, in our words: paid, waiting for a transfer, failed, or
    (cancels, states before payment) nothing for us to record."""
    status = payment.get("status")
    order_id = str(payment.get("orderId") or "")
    key = str(payment.get("paymentKey") or "")
    amount = int(payment.get("totalAmount") or 0)
    method = _our_method(payment.get("method"))
    if status == "DONE":
        return CallbackEvent(order_id, key, True, amount, _when(payment.get("approvedAt")), method=method)
    if status == "WAITING_FOR_DEPOSIT":
        account = payment.get("virtualAccount") or {}
        deposit = DepositAccount(
            bank=BANKS.get(str(account.get("bankCode")), str(account.get("bankCode") or ""))[:50],
            account_number=str(account.get("accountNumber") or "")[:50],
            due_at=_when(account.get("dueDate")),
        )
        return CallbackEvent(order_id, key, False, amount, None, method=method, deposit=deposit)
    if status in ("ABORTED", "EXPIRED"):
        failure = payment.get("failure") or {}
        reason = str(failure.get("message") or status)[:200]
        return CallbackEvent(order_id, key, False, amount, None, method=method, failure_reason=reason)
    return None


class TossProvider:
    name = "toss"
    # The owner pays exactly the order's amount: Toss's window is made for it.
    exact_amount = True

    def __init__(self, *, secret_key: str | None = None, api_base: str | None = None):
        key = secret_key if secret_key is not None else settings.TOSS_SECRET_KEY
        self.api_base = (api_base or settings.TOSS_API_BASE).rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
        self.timeout = (settings.TOSS_CONNECT_TIMEOUT_SECONDS, settings.TOSS_READ_TIMEOUT_SECONDS)

    # --- HTTP ---------------------------------------------------------------------
    def _call(self, method: str, path: str, *, body: dict | None = None, headers=None, params=None) -> Any:
        """One call; Toss's error object raised as TossError. A timeout or a refused
        connection is raised as requests' own exception, for the caller to decide."""
        response = self.session.request(
            method, self.api_base + path, json=body, headers=headers, params=params, timeout=self.timeout
        )
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            data = data if isinstance(data, dict) else {}
            raise TossError(response.status_code, str(data.get("code") or "UNKNOWN"), str(data.get("message") or ""))
        return data

    def lookup(self, *, payment_key: str | None = None, order_id: str | None = None) -> dict | None:
        """The payment as Toss has it now, or None if Toss has none."""
        path = (
            f"/v1/payments/{quote(payment_key, safe='')}"
            if payment_key
            else f"/v1/payments/orders/{quote(str(order_id), safe='')}"
        )
        try:
            return self._call("GET", path)
        except TossError as error:
            if error.status == 404:
                return None
            raise

    # --- The provider interface -----------------------------------------------------
    def checkout_url(self, order) -> str:
        """Our page where the owner chooses card or bank transfer; it then starts Toss's window."""
        return reverse("payments:checkout", args=[order.id])

    def start_checkout(self, order, *, method: str, order_name: str, success_url: str, fail_url: str) -> str:
        body = {
            "method": METHODS[method],
            "amount": order.amount_krw,
            "orderId": str(order.id),
            "orderName": order_name[:100],
            "successUrl": success_url,
            "failUrl": fail_url,
        }
        try:
            payment = self._call("POST", "/v1/payments", body=body)
        except requests.RequestException:
            raise _unavailable() from None
        except TossError as error:
            raise CONFIRM_ERRORS.get(error.code, _unavailable)() from None
        url = ((payment or {}).get("checkout") or {}).get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise _unavailable()
        return url

    def confirm(self, order, *, payment_key: str, amount_krw: int) -> CallbackEvent:
        """Take the payment the owner authorised. A timeout may hide a confirm that
        went through: the payment is looked up by order id before confirming again."""
        body = {"paymentKey": payment_key, "orderId": str(order.id), "amount": amount_krw}
        for attempt in range(2):
            try:
                return self._event_or_refuse(self._call("POST", "/v1/payments/confirm", body=body), order)
            except TossError as error:
                if error.code == "ALREADY_PROCESSED_PAYMENT":
                    return self._event_or_refuse(self._lookup_or_unavailable(payment_key=payment_key), order)
                raise CONFIRM_ERRORS.get(error.code, _unavailable)() from None
            except requests.RequestException:
                found = self._lookup_or_unavailable(order_id=str(order.id), missing_ok=True)
                if found is not None and found.get("status") in ("DONE", "WAITING_FOR_DEPOSIT"):
                    return self._event_or_refuse(found, order)
                if attempt == 1:
                    raise _unavailable() from None
        raise _unavailable()  # pragma: no cover (the loop returns or raises)

    def _lookup_or_unavailable(self, *, missing_ok: bool = False, **key) -> Any:
        try:
            found = self.lookup(**key)
        except (requests.RequestException, TossError):
            raise _unavailable() from None
        if found is None and not missing_ok:
            raise _session_expired()
        return found

    def _event_or_refuse(self, payment: dict, order) -> CallbackEvent:
        event = event_of(payment or {})
        if event is None or event.order_id != str(order.id):
            raise _invalid()
        return event

    def parse_callback(self, *, body: bytes, headers) -> CallbackEvent | None:
        """A webhook, believed only as far as the API confirms it."""
        try:
            payload = json.loads(body.decode("utf-8"))
            # A deposit's notice is documented both bare ({secret, status, orderId, ...})
            # and wrapped like the others ({eventType, createdAt, data}).
            event_type = payload.get("eventType", "DEPOSIT_CALLBACK")
            data = payload.get("data", payload if event_type == "DEPOSIT_CALLBACK" else None)
            if not isinstance(data, dict):
                raise ValueError("data")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise DomainError("malformed_callback", _("The callback cannot be read.")) from None
        if event_type == "PAYMENT_STATUS_CHANGED":
            key = data.get("paymentKey")
            if not isinstance(key, str) or not key or len(key) > 200:
                raise DomainError("malformed_callback", _("The callback cannot be read."))
            payment = self._lookup_or_unavailable(payment_key=key, missing_ok=True)
        elif event_type == "DEPOSIT_CALLBACK":
            order_id, secret = data.get("orderId"), data.get("secret")
            if not (isinstance(order_id, str) and order_id and isinstance(secret, str) and secret):
                raise DomainError("malformed_callback", _("The callback cannot be read."))
            payment = self._lookup_or_unavailable(order_id=order_id[:64], missing_ok=True)
            known = (payment or {}).get("secret")
            if not (isinstance(known, str) and hmac.compare_digest(known.encode(), secret.encode())):
                raise DomainError("invalid_signature", _("The callback signature is invalid."), status_code=400)
        else:
            return None  # an event we do not subscribe to: acknowledged, nothing to do
        if payment is None:
            raise DomainError("unknown_order", _("Unknown payment order."), status_code=404)
        return event_of(payment)

    def cancel(self, payment, *, amount_krw: int, reason: str, idempotency_key: str) -> str:
        """Cancel (part of) a payment; returns the cancel's transaction key. The same
        Idempotency-Key sent again gets the first answer, so a retry cancels once."""
        body = {"cancelReason": reason[:200], "cancelAmount": amount_krw}
        try:
            answer = self._call(
                "POST",
                f"/v1/payments/{quote(payment.provider_transaction_id, safe='')}/cancel",
                body=body,
                headers={"Idempotency-Key": idempotency_key},
            )
        except requests.RequestException:
            raise _unavailable() from None
        except TossError as error:
            if error.code in ("UNAUTHORIZED_KEY", "INVALID_API_KEY", "FORBIDDEN_REQUEST"):
                raise _misconfigured() from None
            if error.status >= 500 or error.code == "PROVIDER_ERROR":
                raise _unavailable() from None
            raise DomainError(
                "cancel_refused",
                _("The payment service refused the cancel (%(code)s).") % {"code": error.code},
                status_code=409,
            ) from None
        cancels = (answer or {}).get("cancels") or []
        return str(cancels[-1].get("transactionKey") or idempotency_key) if cancels else idempotency_key

    def settlements(self, day: date) -> list[SettlementLine]:
        lines: list[SettlementLine] = []
        page = 1
        while True:
            params = {"startDate": str(day), "endDate": str(day), "page": page, "size": SETTLEMENT_PAGE_SIZE}
            try:
                rows = self._call("GET", "/v1/settlements", params=params)
            except (requests.RequestException, TossError):
                raise _unavailable() from None
            for row in rows or []:
                cancel = row.get("cancel")
                amount = int(row.get("amount") or 0)
                if cancel and amount > 0:  # a cancel line's amount is what was given back
                    amount = -amount
                lines.append(
                    SettlementLine(
                        transaction_id=str(row.get("paymentKey") or ""),
                        order_id=str(row.get("orderId") or ""),
                        amount_krw=amount,
                        sold_on=parse_date(str(row.get("soldDate") or "")) or day,
                    )
                )
            if len(rows or []) < SETTLEMENT_PAGE_SIZE:
                return lines
            page += 1
