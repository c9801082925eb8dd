"""The payment callback refuses what it cannot read with 400 in the error shape, never
a 500: odd signature headers, and odd fields in a correctly signed body."""

import json

import pytest

from backend.payments.models import Payment
from backend.payments.providers import SIGNATURE_HEADER, SandboxProvider

pytestmark = pytest.mark.django_db
CALLBACK = "/payments/callback/sandbox/"

GOOD = {
    "order_id": "00000000-0000-4000-8000-000000000001",
    "transaction_id": "tx-1",
    "status": "paid",
    "amount": 13_000,
    "paid_at": "2026-10-05T12:00:00+09:00",
    "method": "card",
    "failure_reason": "",
}


def post_signed(client, payload, *, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return client.post(
        CALLBACK,
        data=body,
        content_type="application/json",
        headers={SIGNATURE_HEADER: SandboxProvider().sign(body)},
    )


def assert_refused(response, code):
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == code
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("signature", ["서명", "é" * 64, "x" * 10_000, "", "A" * 64])
def test_a_signature_header_that_cannot_be_ours_is_refused(client, signature):
    body = json.dumps(GOOD).encode()
    # The test client sends headers as given; a real server hands Django latin-1 text.
    response = client.post(CALLBACK, data=body, content_type="application/json", headers={SIGNATURE_HEADER: signature})
    assert_refused(response, "invalid_signature")


@pytest.mark.parametrize(
    "field, value",
    [
        ("order_id", "x" * 100_000),
        ("order_id", ["a"]),
        ("order_id", None),
        ("transaction_id", "t" * 101),
        ("transaction_id", {"a": 1}),
        ("transaction_id", "tx\u0000"),
        ("transaction_id", "tx\ud800"),
        ("status", "paid" * 1000),
        ("status", "refunded"),
        ("amount", 10**30),
        ("amount", -1),
        ("amount", 1.5),
        ("amount", "13000"),
        ("amount", True),
        ("paid_at", "0001-01-01T00:00:00+09:00"),
        ("paid_at", "9999-12-31T23:59:59+09:00"),
        ("paid_at", "2026-10-05T12:00:00+20:00"),
        ("paid_at", "2026-10-05T12:00:00"),
        ("paid_at", "2026-13-45T12:00:00+09:00"),
        ("paid_at", "2" * 1_000_000),
        ("paid_at", 20261005),
        ("method", "m" * 33),
        ("failure_reason", "r" * 1_000_000),
    ],
)
def test_a_signed_callback_with_an_odd_field_is_refused(client, field, value):
    assert_refused(post_signed(client, {**GOOD, field: value}), "malformed_callback")
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b"[1, 2]", b'"paid"', b'{"amount": NaN}', b""],
)
def test_a_signed_body_that_is_not_a_callback_is_refused(client, raw):
    assert_refused(post_signed(client, None, raw=raw), "malformed_callback")
