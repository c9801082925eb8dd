"""Paying in either language: Korean by default, and in English (the language cookie
set by the switch) the pay page (the sandbox's and Toss's), the receipt, the wallet and
the officials' account, refund, payment and settlement pages carry no Korean outside
what is marked lang="ko" (the ledger's memos, written in Korean when they were recorded).
An API error keeps its code in both."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from backend.billing.models import Invoice
from backend.payments import services, settlements
from backend.payments.models import Payment, PaymentOrder
from tests.billing.conftest import seoul
from tests.owner.test_language import korean_outside_lang_ko
from tests.payments.toss_flow import local, open_window, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(tariff, english_names, scan, bill):
    scan(english_names, seoul(2026, 9, 3, 5), 100_000)  # 13,000 KRW
    bill("2026-09")
    return Invoice.objects.get()


@pytest.fixture
def credit_and_refund(invoice, official, owner):
    """Paid at the counter beyond the invoice, and a refund of part of the credit asked for."""
    restaurant = invoice.restaurant
    services.record_counter_payment(restaurant=restaurant, amount_krw=20_000, method="cash", by=official)
    return services.request_refund(restaurant=restaurant, amount_krw=5_000, bank_account="NH 123-4567", by=owner)


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def page_at(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_english(page: str, url: str) -> None:
    assert '<html lang="en">' in page, url
    assert korean_outside_lang_ko(page) == [], url


def test_paying_an_invoice_in_english_and_in_korean(client, owner, invoice):
    client.force_login(owner)
    checkout = client.post(reverse("pay-invoice", args=[invoice.id]))["Location"]
    korean = page_at(client, checkout)
    assert "결제 (시험)" in korean and "결제하기" in korean and "13,000원" in korean

    english(client)
    page = page_at(client, checkout)
    assert_english(page, checkout)
    assert "Payment (sandbox)" in page and "13,000 won" in page and "Try a failed payment" in page
    receipt = client.post(checkout, {"outcome": "pay", "amount": "13000"}, follow=True)
    page = receipt.content.decode()
    assert_english(page, "the receipt")
    assert "Payment received." in page and "Payment receipt" in page and "Back to the invoice" in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = page_at(client, receipt.redirect_chain[-1][0])
    assert "납부 영수증" in page and "Payment receipt" not in page


def test_the_wallet_in_english_and_in_korean(client, owner, credit_and_refund, invoice):
    client.force_login(owner)
    url = reverse("payments:wallet", args=[invoice.restaurant_id])
    korean = page_at(client, url)
    assert "내 지갑" in korean and "남은 잔액" in korean and "창구 납부" in korean and "검토 중" in korean

    english(client)
    page = page_at(client, url)
    assert_english(page, url)
    assert "My wallet" in page and "Your credit" in page and "7,000 won" in page
    assert "Payment at the counter" in page and "Under review" in page and "Amount to add (won)" in page

    response = client.post(reverse("payments:wallet-top-up", args=[invoice.restaurant_id]), {"top_up-amount_krw": "10"})
    assert response.status_code == 400
    assert_english(response.content.decode(), "the wallet with an error")
    assert "Top up at least 1,000 won." in response.content.decode()


def test_the_officials_account_and_refund_pages_in_english_and_in_korean(client, official, credit_and_refund, invoice):
    client.force_login(official)
    urls = [reverse("payments-console:account", args=[invoice.restaurant_id]), reverse("payments-console:refunds")]
    korean = [page_at(client, url) for url in urls]
    assert "창구 납부 기록" in korean[0] and "결제 수단" in korean[0] and "현금" in korean[0]
    assert "환불 요청" in korean[1] and "승인 (환불)" in korean[1] and "반려 사유" in korean[1]

    english(client)
    pages = [page_at(client, url) for url in urls]
    for url, page in zip(urls, pages, strict=True):
        assert_english(page, url)
    assert "Record a payment at the counter" in pages[0] and "Cash" in pages[0] and "-7,000 won" in pages[0]
    assert "Payment id" not in pages[0] and 'type="hidden" name="payment_id"' in pages[0]  # no label for it
    assert "Approve (refund)" in pages[1] and "5,000 won" in pages[1]

    response = client.post(
        reverse("payments-console:decide-refund", args=[credit_and_refund.id]), {"decision": "reject"}
    )
    page = client.get(response["Location"]).content.decode()
    assert "Give the reason for rejecting." in page
    assert_english(page, "the refunds after a refusal")


@pytest.mark.parametrize(
    ("language", "message"),
    [("ko", "환불 가능한 금액은 7,000원입니다."), ("en", "You can ask for up to 7,000 won.")],
)
def test_an_api_error_speaks_the_readers_language_and_keeps_its_code(api, owner, credit_and_refund, language, message):
    credit_and_refund.delete()
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    endpoint = f"/api/v1/restaurants/{credit_and_refund.restaurant_id}/ledger/refund-requests/"
    response = api.as_user(owner).post(endpoint, {"amount_krw": 9_000, "bank_account": "NH 1"}, format="json")
    error = response.json()["error"]
    assert (response.status_code, error["code"], error["message"]) == (409, "refund_exceeds_credit", message)


def test_the_toss_checkout_and_the_officials_cancel_and_settlement_pages_in_both_languages(
    client, owner, official, invoice, toss
):
    client.force_login(owner)
    checkout = client.post(reverse("pay-invoice", args=[invoice.id]))["Location"]
    korean = page_at(client, checkout)
    assert "카드로 납부" in korean and "계좌이체로 납부 (가상계좌)" in korean and "13,000원" in korean
    english(client)
    page = page_at(client, checkout)
    assert_english(page, checkout)
    assert "Pay by card" in page and "Pay by bank transfer (virtual account)" in page

    order = PaymentOrder.objects.get()
    key = open_window(client, order, toss, method="virtual_account")
    page = client.get(local(toss.authorize(key)), follow=True).content.decode()
    assert_english(page, "the virtual account to transfer to")
    assert "Transfer exactly 13,000 won to this account." in page and "Awaiting bank transfer" in page

    other = PaymentOrder.objects.create(
        invoice=invoice, restaurant=invoice.restaurant, provider="toss", amount_krw=13_000, created_by=owner
    )
    key = open_window(client, other, toss)
    toss.confirm_errors[str(other.id)] = "REJECT_CARD_PAYMENT"
    page = client.get(local(toss.authorize(key))).content.decode()
    assert_english(page, "a refused card")
    assert "The card company refused the payment." in page

    third = PaymentOrder.objects.create(
        invoice=invoice, restaurant=invoice.restaurant, provider="toss", amount_krw=13_000, created_by=owner
    )
    payment = Payment.objects.get(provider_transaction_id=pay(client, third, toss))
    settlements.reconcile_day(day=timezone.localdate(payment.paid_at))

    client.force_login(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    urls = [reverse("payments-console:payment", args=[payment.id]), reverse("payments-console:settlements")]
    korean = [page_at(client, url) for url in urls]
    assert "이 결제 취소" in korean[0] and "취소 사유" in korean[0]
    assert "정산 대사" in korean[1] and "차이 없음" in korean[1]
    english(client)
    pages = [page_at(client, url) for url in urls]
    for url, page in zip(urls, pages, strict=True):
        assert_english(page, url)
    assert "Cancel this payment" in pages[0] and "13,000 won" in pages[0]
    assert "No differences" in pages[1]
