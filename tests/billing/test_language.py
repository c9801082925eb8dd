"""The billing pages in either language: Korean by default, and in English (the
language cookie set by the switch) no Korean outside what is marked lang="ko" (the
invoice's lines and the notices' names, written in Korean when they were made). The
invoice PDF follows the reader's language; an API error keeps its code in both."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from backend.billing.models import BillingRun, Invoice
from tests.billing.conftest import seoul
from tests.owner.test_language import HANGUL, korean_outside_lang_ko

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(tariff, english_names, scan, bill, f, official):
    scan(english_names, seoul(2026, 10, 3, 5), 12_345)
    scan(english_names, seoul(2026, 10, 4, 5), 2_000, status="void")
    f.RestaurantFactory(district=english_names.restaurant.district, name="Empty Kitchen")  # skipped, with why
    bill("2026-10")
    invoice = Invoice.objects.get()
    # Past its due date, so that the arrears list shows it.
    Invoice.objects.filter(id=invoice.id).update(due_date=invoice.due_date - timedelta(days=60), status="overdue")
    invoice.refresh_from_db()
    return invoice


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def pages_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_owners_invoice_pages_in_english_and_in_korean(client, owner, invoice):
    client.force_login(owner)
    detail, listing = reverse("billing:invoice-page", args=[invoice.id]), reverse("billing:invoice-list")

    korean = pages_of(client, detail)
    assert '<html lang="ko">' in korean
    assert "2026년 10월 청구서" in korean and "납부할 금액" in korean and "1,600원" in korean
    assert "연체" in korean and "10원 미만 절사" in korean and "PDF 청구서 내려받기" in korean
    assert "Amount due" not in korean
    assert "청구서" in pages_of(client, listing) and "납부 기한" in pages_of(client, listing)

    english(client)
    for url in (detail, listing):
        page = pages_of(client, url)
        assert '<html lang="en">' in page, url
        assert korean_outside_lang_ko(page) == [], url
    page = pages_of(client, detail)
    assert "Invoice for October 2026" in page and "Amount due" in page and "Overdue" in page
    assert f"{invoice.amount_due_krw:,} won" in page and "Download the invoice (PDF)" in page
    assert f"Due {invoice.due_date.day} {invoice.due_date:%b}" in pages_of(client, listing)


def test_the_officials_billing_console_in_english_and_in_korean(client, official, invoice, tariff):
    client.force_login(official)
    urls = [
        reverse("billing-console:tariffs"),
        reverse("billing-console:runs"),
        reverse("billing-console:run", args=[BillingRun.objects.get().id]),
        reverse("billing-console:arrears"),
        reverse("billing:invoice-page", args=[invoice.id]),  # with the notices sent, for officials
    ]
    korean = {url: pages_of(client, url) for url in urls}
    assert "요금표" in korean[urls[0]] and "kg당 요금" in korean[urls[0]]
    assert "청구 작업" in korean[urls[1]] and "완료" in korean[urls[1]]
    assert "청구할 수거량·사용 중인 용기 없음" in korean[urls[2]]
    assert "발행 청구서" in korean[urls[2]] and "1건" in korean[urls[2]]
    assert "60–89일" in korean[urls[3]] and "선택한 청구서에 납부 안내 보내기" in korean[urls[3]]
    assert "보낸 안내" in korean[urls[4]] and "청구서 발행 안내" in korean[urls[4]]

    english(client)
    for url in urls:
        page = pages_of(client, url)
        assert '<html lang="en">' in page, url
        assert korean_outside_lang_ko(page) == [], url
    assert "Price per kg (won)" in pages_of(client, urls[0])
    assert "Done" in pages_of(client, urls[1]) and 'aria-label="Officials\' menu"' in pages_of(client, urls[1])
    run = pages_of(client, urls[2])
    assert "Nothing to bill: no weighing, no bin in service" in run and "1 invoice" in run and "Total billed" in run
    arrears = pages_of(client, urls[3])
    assert "60–89 days" in arrears and "Send a reminder for the ticked invoices" in arrears


def test_the_invoice_pdf_follows_the_readers_language(client, owner, invoice):
    client.force_login(owner)
    url = reverse("v1:invoice-pdf", args=[invoice.id])

    def text() -> str:
        response = client.get(url)
        assert response.status_code == 200
        return "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)

    korean = text()
    assert "음식물류 폐기물 수수료 청구서" in korean and "납부할 금액" in korean and "2026년 10월" in korean
    english(client)
    pdf = text()
    assert "Food-waste fee invoice" in pdf and "Amount due" in pdf and "October 2026" in pdf
    assert f"{invoice.total_krw:,} won" in pdf
    assert "납부" not in pdf and "청구서" not in pdf
    # What stays Korean: the municipality's name, and the invoice's lines as written when it was issued.
    record = [invoice.municipality_name, *(line.description for line in invoice.lines.all())]
    leftover = [line.strip() for line in pdf.splitlines() if HANGUL.search(line)]
    assert leftover and all(any(line in kept for kept in record) for line in leftover), leftover


@pytest.mark.parametrize("language", ["ko", "en"])
def test_an_api_error_speaks_the_readers_language_and_keeps_its_code(api, official, language):
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = api.as_user(official).post("/api/v1/billing/runs/", {"period": "2099-10"}, format="json")
    error = response.json()["error"]
    assert (response.status_code, error["code"]) == (400, "period_not_closed")
    if language == "en":
        assert error["message"] == "2099-10 has not ended yet."
    else:
        assert error["message"] == "2099-10 기간이 아직 끝나지 않았습니다."


def test_money_paid_is_shown_as_paid_with_what_is_left_not_as_a_minus(client, owner, invoice):
    Invoice.objects.filter(id=invoice.id).update(paid_krw=1000)
    client.force_login(owner)
    page = pages_of(client, reverse("billing:invoice-page", args=[invoice.id]))
    paid = page.split('data-testid="paid">')[1].split("</dd>")[0]
    left = page.split('data-testid="left-to-pay">')[1].split("</dd>")[0]
    assert paid.strip() == "1,000원"
    assert left.strip() == f"{invoice.total_krw - 1000:,}원"
