"""An invoice as a PDF, in Korean, with the font embedded so the text renders and
can be copied out on any device; a QR code opens the invoice's payment page."""

import io
from functools import cache

import qrcode
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from backend.billing import pricing
from backend.billing.models import LineKind
from backend.billing.notices import invoice_page_url
from backend.restaurants import business_numbers

FONT_DIR = settings.BASE_DIR / "core" / "fonts"
REGULAR, BOLD = "NanumGothic", "NanumGothic-Bold"


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "NanumGothic.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "NanumGothicBold.ttf")))


def _won(amount: int) -> str:
    return f"{amount:,}원"


def _kg(grams: int) -> str:
    return f"{pricing.usage_amount(grams, 1):,.3f} kg"


def _qr_png(url: str) -> io.BytesIO:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def render_invoice_pdf(invoice) -> bytes:
    _register_fonts()
    text = ParagraphStyle("text", fontName=REGULAR, fontSize=10, leading=14)
    small = ParagraphStyle("small", parent=text, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444"))
    title = ParagraphStyle("title", parent=text, fontName=BOLD, fontSize=17, leading=22, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=text, fontName=BOLD, fontSize=12, leading=16, spaceBefore=8)
    url = invoice_page_url(invoice)
    period = invoice.billing_period

    story = [
        Paragraph("음식물류 폐기물 수수료 청구서", title),
        Paragraph("Food-waste fee invoice", small),
        Spacer(1, 4 * mm),
        _facts_table(
            [
                ("청구 기관", invoice.municipality_name),
                ("청구서 번호", invoice.number),
                ("청구 기간", f"{period.year}년 {period.month}월 ({period})"),
                ("음식점", invoice.restaurant_name),
                ("주소", invoice.restaurant_address),
                ("사업자등록번호", _business_number(invoice.business_number)),
                ("납부 기한", f"{invoice.due_date:%Y년 %m월 %d일}"),
            ],
            text,
        ),
        Paragraph("용기별 배출량과 요금 · Weights and charges per bin", heading),
    ]
    rows = [["내역 (Item)", "무게 (Weight)", "단가 (Tariff)", "금액 (Amount)"]]
    for line in invoice.lines.all():
        weight = _kg(line.weight_g) if line.kind in (LineKind.USAGE, LineKind.PRIOR_PERIOD, LineKind.CREDIT) else ""
        tariff = f"{line.price_per_kg_krw:,}원/kg" if line.price_per_kg_krw else ""
        rows.append([Paragraph(line.description, text), weight, tariff, _won(line.amount_krw)])
    story.append(_lines_table(rows))
    story.append(Spacer(1, 3 * mm))
    totals = [
        ("소계 (Subtotal)", _won(invoice.subtotal_krw)),
        *([("최소 요금 차액", _won(invoice.minimum_adjustment_krw))] if invoice.minimum_adjustment_krw else []),
        *([("정정 환급 (Credits)", _won(invoice.credits_krw))] if invoice.credits_krw else []),
        ("10원 미만 절사 (Truncated)", _won(-invoice.truncated_krw) if invoice.truncated_krw else "0원"),
        ("청구 금액 (Total)", _won(invoice.total_krw)),
        *([("선납금 차감 (Prepaid)", _won(-invoice.prepaid_applied_krw))] if invoice.prepaid_applied_krw else []),
        ("납부할 금액 (Amount due)", _won(max(0, invoice.total_krw - invoice.prepaid_applied_krw))),
    ]
    story.append(_totals_table(totals, text))
    story += [
        Paragraph("납부 방법 · How to pay", heading),
        Paragraph(
            "휴대전화 카메라로 아래 QR 코드를 찍거나 다음 주소에 접속해 카드 또는 계좌이체로 납부하세요. "
            "수거 기록에 이의가 있으면 같은 화면에서 이의신청을 할 수 있습니다.",
            text,
        ),
        Paragraph(f"납부 주소: {url}", text),
        Paragraph(
            "Scan the QR code or open the address above to pay by card or transfer, or to dispute a collection.", small
        ),
        Spacer(1, 2 * mm),
        Image(_qr_png(url), width=38 * mm, height=38 * mm, hAlign="LEFT"),
        Paragraph(
            "10원 미만은 국고금 관리 관행에 따라 청구하지 않습니다. Amounts below 10 KRW are not charged.", small
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"청구서 {invoice.number}",
        author=invoice.municipality_name,
    )
    document.build(story)
    return buffer.getvalue()


def _business_number(digits: str) -> str:
    return business_numbers.formatted(digits)


def _facts_table(facts, style) -> Table:
    table = Table([[Paragraph(k, style), Paragraph(v, style)] for k, v in facts], colWidths=[35 * mm, 140 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return table


def _lines_table(rows) -> Table:
    table = Table(rows, colWidths=[95 * mm, 28 * mm, 25 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
            ]
        )
    )
    return table


def _totals_table(totals, style) -> Table:
    table = Table([[k, v] for k, v in totals], colWidths=[148 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTNAME", (0, -1), (-1, -1), BOLD),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("FONTSIZE", (0, -1), (-1, -1), 13),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
            ]
        )
    )
    return table
