"""Paying through Toss Payments, against its stand-in over real HTTP with the real client:
card and virtual account, every documented confirm error, returns and webhooks in any
order and any number of times, a tampered amount, a confirm that times out."""

import json

import pytest
from django.utils import formats, timezone, translation

from backend.billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.payments import services
from backend.payments.models import OrderStatus, Payment, PaymentOrder
from backend.payments.toss import CONFIRM_ERRORS
from tests.billing.conftest import seoul
from tests.payments.toss_flow import local, open_window
from tests.standins import toss as standin_contract

pytestmark = pytest.mark.django_db
WEBHOOK = "/payments/callback/toss/"


@pytest.fixture
def invoice(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 9, 3, 5), 100_000)  # 13,000 KRW
    bill("2026-09")
    return Invoice.objects.get()


@pytest.fixture
def order(client, owner, invoice, toss):
    client.force_login(owner)
    response = client.post(f"/billing/invoices/{invoice.id}/pay/")
    order = PaymentOrder.objects.get()
    assert response["Location"] == f"/payments/checkout/{order.id}/"
    assert (order.provider, order.amount_krw) == ("toss", 13_000)
    return order


def webhook(client, body: bytes):
    return client.post(WEBHOOK, data=body, content_type="application/json")


def payment_entries(invoice) -> int:
    return LedgerEntry.objects.filter(restaurant=invoice.restaurant, kind=EntryKind.PAYMENT).count()


def test_an_owner_pays_by_card_through_the_window_and_the_invoice_is_paid_once(client, order, invoice, toss):
    page = client.get(f"/payments/checkout/{order.id}/")
    assert "13,000" in page.content.decode()
    # The method form may send the owner on to Toss's window, and nowhere else.
    assert f"form-action 'self' {toss.base_url}" in page["Content-Security-Policy"]
    key = open_window(client, order, toss)
    response = client.get(local(toss.authorize(key)))
    payment = Payment.objects.get()
    assert response["Location"] == f"/payments/receipts/{payment.id}/"
    assert (payment.provider_transaction_id, payment.amount_krw, payment.method) == (key, 13_000, "card")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due_krw) == (InvoiceStatus.PAID, 0)
    assert LedgerEntry.objects.filter(restaurant=invoice.restaurant).balance_krw() == 0
    assert toss.payments[key]["status"] == "DONE"
    assert toss.count("POST", "/v1/payments/confirm") == 1


def test_a_bank_transfer_waits_for_the_deposit_webhook_and_only_a_true_secret_pays(client, order, invoice, toss):
    key = open_window(client, order, toss, method="virtual_account")
    response = client.get(local(toss.authorize(key)))
    assert response["Location"] == f"/payments/checkout/{order.id}/"
    page = client.get(response["Location"]).content.decode()
    assert "X6505636518308" in page and "13,000" in page and "우리은행" in page  # bank code 20
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DEPOSIT and not Payment.objects.exists()

    body = toss.deposit(key)
    forged = json.dumps({**json.loads(body), "secret": "ps_guessed"}).encode()
    assert webhook(client, forged).status_code == 400
    assert not Payment.objects.exists()
    for _ in range(2):  # Toss sends again until it hears 200
        assert webhook(client, body).status_code == 200
    payment = Payment.objects.get()
    assert (payment.amount_krw, payment.method) == (13_000, "virtual_account")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and payment_entries(invoice) == 1


def test_every_documented_confirm_error_is_a_clear_error_and_pays_nothing(client, owner, order, invoice, toss):
    expected = {  # the documented code -> ours, for the ones an owner meets most
        "REJECT_CARD_PAYMENT": ("payment_rejected", 409),
        "NOT_FOUND_PAYMENT_SESSION": ("payment_session_expired", 409),
        "UNAUTHORIZED_KEY": ("gateway_misconfigured", 503),
        "PROVIDER_ERROR": ("gateway_unavailable", 503),
    }
    codes = [code for code in standin_contract.CONFIRM_ERRORS if code != "ALREADY_PROCESSED_PAYMENT"]
    assert set(codes) <= set(CONFIRM_ERRORS), "every documented confirm error has its own answer"
    for code in codes:
        attempt = PaymentOrder.objects.create(
            invoice=invoice, restaurant=invoice.restaurant, provider="toss", amount_krw=13_000, created_by=owner
        )
        key = open_window(client, attempt, toss)
        toss.confirm_errors[str(attempt.id)] = code
        response = client.get(local(toss.authorize(key)))
        page = response.content.decode()
        ours = CONFIRM_ERRORS[code]()
        assert response.status_code == ours.status_code >= 400, code
        assert f'data-code="{ours.code}"' in page, code
        if code in expected:
            assert (ours.code, ours.status_code) == expected[code]
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ISSUED and invoice.amount_due_krw == 13_000


def test_the_page_says_in_korean_what_went_wrong(client, order, toss):
    key = open_window(client, order, toss)
    toss.confirm_errors[str(order.id)] = "REJECT_CARD_PAYMENT"
    page = client.get(local(toss.authorize(key)), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "카드사에서 결제를 거절했습니다" in page


@pytest.mark.parametrize("first", ["return", "webhook"])
def test_returns_and_webhooks_in_any_order_and_twice_pay_once(client, order, invoice, toss, first):
    key = open_window(client, order, toss)
    back = local(toss.authorize(key))
    if first == "webhook":
        # Confirmed at Toss by an earlier return whose answer never reached us.
        toss.confirm({"paymentKey": key, "orderId": str(order.id), "amount": 13_000})
    steps = (
        ["return", "return", "webhook", "webhook"] if first == "return" else ["webhook", "webhook", "return", "return"]
    )
    for step in steps:
        if step == "return":
            response = client.get(back)
            assert response.status_code == 302 and "/payments/receipts/" in response["Location"]
        else:
            assert webhook(client, toss.status_changed(key)).status_code == 200
    assert Payment.objects.count() == 1 and payment_entries(invoice) == 1
    assert toss.count("POST", "/v1/payments/confirm") == (1 if first == "return" else 0)
    invoice.refresh_from_db()
    assert (invoice.paid_krw, invoice.status) == (13_000, InvoiceStatus.PAID)


def test_a_tampered_amount_is_refused_and_not_confirmed_at_toss(client, api, owner, order, invoice, toss):
    key = open_window(client, order, toss)
    back = toss.authorize(key)
    response = client.get(local(back.replace("amount=13000", "amount=130")))
    assert response.status_code == 409 and 'data-code="amount_mismatch"' in response.content.decode()
    answer = api.as_user(owner).post(
        f"/api/v1/payment-orders/{order.id}/confirm/", {"payment_key": key, "amount_krw": 1}, format="json"
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "amount_mismatch")
    assert toss.count("POST", "/v1/payments/confirm") == 0 and not Payment.objects.exists()
    answer = api.as_user(owner).post(
        f"/api/v1/payment-orders/{order.id}/confirm/", {"payment_key": key, "amount_krw": 13_000}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["status"] == "paid"
    assert Payment.objects.get().amount_krw == 13_000


def test_a_confirm_that_times_out_is_looked_up_and_pays_once(client, order, invoice, toss, settings):
    settings.TOSS_READ_TIMEOUT_SECONDS = 0.3
    toss.confirm_delay = 0.6  # done at Toss, answered too late
    key = open_window(client, order, toss)
    response = client.get(local(toss.authorize(key)))
    assert "/payments/receipts/" in response["Location"]
    assert toss.count("GET", f"/v1/payments/orders/{order.id}") == 1
    assert toss.count("POST", "/v1/payments/confirm") == 1  # not confirmed again
    assert webhook(client, toss.status_changed(key)).status_code == 200
    assert Payment.objects.count() == 1 and payment_entries(invoice) == 1


def test_a_window_given_up_closes_the_order_and_charges_nothing(client, order, invoice, toss):
    key = open_window(client, order, toss)
    page = client.get(local(toss.give_up(key)))
    assert 'data-code="payment_cancelled_by_owner"' in page.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.FAILED and not Payment.objects.exists()


def test_an_order_made_before_credit_paid_part_of_the_invoice_opens_no_window(client, official, order, invoice, toss):
    services.record_counter_payment(restaurant=invoice.restaurant, amount_krw=3_000, method="cash", by=official)
    response = client.post(f"/payments/checkout/{order.id}/", {"method": "card"})
    assert response.status_code == 409 and 'data-code="order_stale"' in response.content.decode()
    assert toss.count("POST", "/v1/payments") == 0


def test_paying_again_while_a_virtual_account_waits_says_so_with_the_account(client, order, invoice, toss):
    """Otherwise the owner pays by card, then the transfer arrives and pays the invoice twice."""
    key = open_window(client, order, toss, method="virtual_account")
    client.get(local(toss.authorize(key)))
    again = client.post(f"/billing/invoices/{invoice.id}/pay/")
    page = client.get(again["Location"]).content.decode()
    assert 'data-testid="waiting-transfer"' in page and "X6505636518308" in page
    assert "이미 입금하셨다면 다시 납부하지 마세요" in page


def test_the_invoice_page_shows_the_virtual_account_that_waits_for_the_transfer(client, order, invoice, toss):
    page = client.get(f"/billing/invoices/{invoice.id}/").content.decode()
    assert 'data-testid="waiting-transfer"' not in page
    key = open_window(client, order, toss, method="virtual_account")
    client.get(local(toss.authorize(key)))
    order.refresh_from_db()
    page = client.get(f"/billing/invoices/{invoice.id}/").content.decode()
    waiting = page.split('data-testid="waiting-transfer"')[1].split("</div>")[0]
    for fact in (order.deposit_bank, "X6505636518308", f"{order.amount_krw:,}원", "입금을 기다리는 가상계좌"):
        assert fact in waiting
    with translation.override("ko"):
        due = formats.date_format(timezone.localtime(order.deposit_due_at), "DATETIME_FORMAT")
    assert f'data-testid="deposit-due">{due}<' in waiting  # pay by when
