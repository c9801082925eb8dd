"""The invoice PDF: Korean text that can be extracted, and a QR code to the payment page."""

import io

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from backend.billing.models import Invoice
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf(api, owner, tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5), 12_345)
    bill("2026-10")
    invoice = Invoice.objects.get()
    response = api.as_user(owner).get(f"/api/v1/invoices/{invoice.id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return invoice, PdfReader(io.BytesIO(response.content))


def test_the_korean_text_renders_and_can_be_extracted(pdf):
    invoice, reader = pdf
    text = "".join(page.extract_text() for page in reader.pages)
    for expected in [
        "음식물류 폐기물 수수료 청구서",
        "할매순대국",
        "2026년 10월",
        "주방 1",
        "12.345 kg",
        "130원/kg",
        "1,600원",
        "납부 기한",
        f"{invoice.due_date.year}년 {invoice.due_date.month}월 {invoice.due_date.day}일",
        "납부 방법",
        invoice.number,
    ]:
        assert expected in text, expected
    fonts = {
        str(font)
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        for font in [font.get_object()["/BaseFont"]]
    }
    assert any("NanumGothic" in font for font in fonts)  # embedded, not a viewer's fallback


def test_the_qr_code_opens_the_invoices_payment_page(pdf):
    invoice, reader = pdf
    images = [image for page in reader.pages for image in page.images]
    assert images
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(images[0].data)))
    assert [code.text for code in decoded] == [f"http://127.0.0.1:8000/billing/invoices/{invoice.id}/"]
