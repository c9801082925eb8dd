"""Paying an invoice through the sandbox provider: signed callbacks, replays, partial
and excess payments, the ledger, the receipt."""

import json

import pytest

from backend.billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.notifications.models import Notice
from backend.payments.models import Payment, PaymentOrder
from backend.payments.providers import SIGNATURE_HEADER, SandboxProvider
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db
CALLBACK = "/payments/callback/sandbox/"


@pytest.fixture
def invoice(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 9, 3, 5), 100_000)  # 13,000 KRW
    bill("2026-09")
    return Invoice.objects.get()


@pytest.fixture
def order(api, owner, invoice):
    response = api.as_user(owner).post("/api/v1/payment-orders/", {"invoice": str(invoice.id)}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["checkout_url"].endswith(f"/payments/sandbox/{response.json()['id']}/")
    return PaymentOrder.objects.get(id=response.json()["id"])


def callback(client, order, *, amount, transaction_id="tx-1", succeeded=True, secret=None):
    provider = SandboxProvider(secret=secret)
    body = SandboxProvider().callback_body(
        order_id=order.id,
        transaction_id=transaction_id,
        succeeded=succeeded,
        amount_krw=amount,
        paid_at=seoul(2026, 10, 5, 12),
    )
    return client.post(
        CALLBACK, data=body, content_type="application/json", headers={SIGNATURE_HEADER: provider.sign(body)}
    )


def balance(invoice) -> int:
    return LedgerEntry.objects.filter(restaurant=invoice.restaurant).balance_krw()


def test_a_signed_callback_pays_the_invoice_once_and_the_owner_gets_a_receipt(client, order, invoice):
    response = callback(client, order, amount=13_000)
    assert response.status_code == 200, response.content
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_krw, invoice.amount_due_krw) == (InvoiceStatus.PAID, 13_000, 0)
    assert balance(invoice) == 0
    payment = Payment.objects.get()
    assert Notice.objects.filter(kind="payment_received", about=str(payment.id)).count() == 1
    replay = callback(client, order, amount=13_000)
    assert replay.json()["payment"] == str(payment.id)
    assert Payment.objects.count() == 1 and balance(invoice) == 0
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT).count() == 1


def test_a_bad_signature_changes_nothing(client, order, invoice):
    response = callback(client, order, amount=13_000, secret="not-the-secret")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_signature")
    tampered = SandboxProvider().callback_body(
        order_id=order.id, transaction_id="tx", succeeded=True, amount_krw=1, paid_at=seoul(2026, 10, 5)
    )
    signature = SandboxProvider().sign(tampered.replace(b'"amount":1', b'"amount":2'))
    response = client.post(
        CALLBACK, data=tampered, content_type="application/json", headers={SIGNATURE_HEADER: signature}
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED


def test_a_partial_payment_leaves_the_rest_due(client, order, invoice):
    callback(client, order, amount=5_000)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due_krw) == (InvoiceStatus.ISSUED, 8_000)
    assert balance(invoice) == 8_000


@pytest.mark.django_db(transaction=True)  # two billing windows: commits in between
def test_an_excess_payment_carries_forward_and_is_drawn_down_by_the_next_invoice(
    client, order, invoice, old_bin, scan, bill
):
    callback(client, order, amount=20_000)
    assert balance(invoice) == -7_000
    scan(old_bin, seoul(2026, 10, 3, 5), 20_000)  # 2,600 KRW
    bill("2026-10")
    october = Invoice.objects.get(period__month=10)
    assert (october.total_krw, october.prepaid_applied_krw, october.amount_due_krw) == (2_600, 2_600, 0)
    assert october.status == InvoiceStatus.PAID
    assert balance(invoice) == -4_400


def test_a_failed_payment_records_nothing(client, order, invoice):
    response = callback(client, order, amount=0, succeeded=False)
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == "failed"
    assert not Payment.objects.exists()


def test_the_owner_pays_on_the_sandbox_page_and_sees_the_receipt(client, owner, invoice):
    client.force_login(owner)
    page = client.get(f"/billing/invoices/{invoice.id}/")
    assert "13,000원" in page.content.decode()
    checkout = client.post(f"/billing/invoices/{invoice.id}/pay/")
    assert checkout.status_code == 302
    page = client.get(checkout["Location"])
    assert "결제하기" in page.content.decode()
    receipt = client.post(checkout["Location"], {"outcome": "pay", "amount": "13000"}, follow=True)
    assert "납부 영수증" in receipt.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_nobody_else_may_open_the_order_or_see_the_payment(client, api, order, invoice, stranger, other_owner):
    callback(client, order, amount=13_000)
    payment = Payment.objects.get()
    for user in (stranger, other_owner):
        client.force_login(user)
        assert client.get(f"/payments/sandbox/{order.id}/").status_code == 404
        assert client.get(f"/payments/receipts/{payment.id}/").status_code == 404
        api.as_user(user)
        assert api.get(f"/api/v1/payments/{payment.id}/").status_code == 404
        assert api.get(f"/api/v1/payment-orders/{order.id}/").status_code == 404
        assert api.get("/api/v1/ledger-entries/").json()["count"] == 0
        response = api.post("/api/v1/payment-orders/", {"invoice": str(invoice.id)}, format="json")
        assert response.status_code == 400


def test_crews_do_not_create_payment_orders(api, collector, invoice):
    response = api.as_user(collector).post("/api/v1/payment-orders/", {"invoice": str(invoice.id)}, format="json")
    assert response.status_code == 403


def test_the_ledger_lists_movements_and_their_sum(api, owner, client, order, invoice):
    callback(client, order, amount=5_000)
    data = api.as_user(owner).get("/api/v1/ledger-entries/", {"restaurant": str(invoice.restaurant_id)}).json()
    assert sorted(entry["kind"] for entry in data["results"]) == ["charge", "payment"]
    assert data["balance_krw"] == 8_000


def test_the_callback_body_is_json_the_gateway_signs_byte_for_byte(order):
    body = SandboxProvider().callback_body(
        order_id=order.id, transaction_id="t", succeeded=True, amount_krw=10, paid_at=seoul(2026, 10, 5)
    )
    assert json.loads(body)["status"] == "paid"


def test_an_amount_no_payment_can_have_is_said_on_the_checkout_page_not_a_server_error(client, owner, invoice):
    client.force_login(owner)
    checkout = client.post(f"/billing/invoices/{invoice.id}/pay/")["Location"]
    page = client.post(checkout, {"outcome": "pay", "amount": "99999999999999999999"}, follow=True)
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == checkout  # back on the checkout, with the reason
    assert [str(m) for m in page.context["messages"]] != []
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status != InvoiceStatus.PAID
