"""An owner pays an invoice by card through Toss Payments on a 360 px phone, against the
gateway's stand-in (tests/standins/toss.py) over real HTTP: our method page, Toss's
window, back to our return URL, the receipt; the gateway's webhook then arrives twice,
late, and pays nothing more. At a desk, an official cancels part of the payment and
reads the settlement check. Our pages pass `assert_usable` in every state (the
gateway's own window is not ours to check)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backend.billing.models import Invoice
from backend.payments import settlements
from backend.payments.models import Payment
from tests.billing.conftest import seoul
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.standins.toss import TossStandIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "galbi-since-1988"


@pytest.fixture
def gateway(settings):
    with TossStandIn() as standin:
        settings.PAYMENT_PROVIDER = "toss"
        settings.TOSS_SECRET_KEY = standin.secret_key
        settings.TOSS_API_BASE = standin.base_url
        yield standin


def test_an_owner_pays_by_card_through_toss_and_an_official_cancels_part_of_it(
    phone, desk, live_server, gateway, owner, official, tariff, old_bin, scan, bill
):
    for person in (owner, official):
        person.set_password(PASSWORD)
        person.save()
    scan(old_bin, seoul(2026, 9, 3, 5), 100_000)  # 13,000 KRW
    bill("2026-09")
    invoice = Invoice.objects.get()

    sign_in(phone, "owner", PASSWORD, f"/billing/invoices/{invoice.id}/")
    phone.get_by_role("button", name="납부하기").click()
    assert "/payments/checkout/" in phone.url
    assert_usable(phone, "choosing how to pay")
    phone.get_by_role("button", name="카드로 납부").click()
    assert phone.url.startswith(gateway.base_url)  # Toss's own window, made server-side
    phone.get_by_role("button", name="결제 승인").click()
    phone.wait_for_url("**/payments/receipts/**")
    assert phone.get_by_test_id("paid-amount").inner_text() == "13,000원"
    assert_usable(phone, "the receipt after paying through Toss")

    payment = Payment.objects.get()
    webhook = f"{live_server.url}/payments/callback/toss/"
    for _ in range(2):  # late, and again: Toss sends until it hears 200
        assert gateway.send_webhook(webhook, gateway.status_changed(payment.provider_transaction_id)) == 200
    assert Payment.objects.count() == 1

    sign_in(desk, "official", PASSWORD, f"/console/payments/{payment.id}/")
    assert_usable(desk, "an online payment")
    desk.get_by_label("취소할 금액 (원)").fill("3000")
    desk.get_by_label("취소 사유").fill("중복 수거 요금")
    desk.get_by_role("button", name="결제 취소하기").click()
    assert desk.get_by_test_id("cancellable").inner_text() == "10,000원"
    assert_usable(desk, "the payment after a partial cancel")

    gateway.planted_settlements.append(
        {
            "paymentKey": "tpk_not_ours",
            "orderId": "elsewhere",
            "amount": 5_000,
            "soldDate": str(timezone.localdate()),
            "cancel": None,
        }
    )
    settlements.reconcile_day(day=timezone.localdate())
    desk.goto("/console/settlements/")
    assert desk.get_by_test_id("difference").count() == 1
    assert_usable(desk, "the settlement check with a difference")


def test_the_invoice_shows_the_virtual_account_waiting_for_the_transfer(
    phone, gateway, owner, tariff, old_bin, scan, bill
):
    owner.set_password(PASSWORD)
    owner.save()
    scan(old_bin, seoul(2026, 9, 3, 5), 100_000)  # 13,000 KRW
    bill("2026-09")
    invoice = Invoice.objects.get()

    sign_in(phone, "owner", PASSWORD, f"/billing/invoices/{invoice.id}/")
    phone.get_by_role("button", name="납부하기").click()
    phone.get_by_role("button", name="계좌이체로 납부 (가상계좌)").click()
    phone.get_by_role("button", name="결제 승인").click()
    phone.wait_for_url("**/payments/checkout/**")
    phone.goto(f"/billing/invoices/{invoice.id}/")
    waiting = phone.get_by_test_id("waiting-transfer")
    expect(waiting.get_by_test_id("deposit-account")).to_have_text("X6505636518308")
    expect(waiting).to_contain_text("13,000원")
    assert_usable(phone, "an invoice with a virtual account waiting for the transfer")
