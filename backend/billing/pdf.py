"""An invoice as a PDF in the reader's language (Korean unless they chose English),
with the Korean font embedded so the text, and the register's Korean names on an
English invoice, render and can be copied out on any device; a QR code opens the
invoice's payment page. The lines' descriptions are the invoice's record, written
in Korean when it was issued."""

import io
from functools import cache

import qrcode
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
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
    return _("%(amount)s won") % {"amount": f"{amount:,}"}


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
        Paragraph(_("Food-waste fee invoice"), title),
        Spacer(1, 4 * mm),
        _facts_table(
            [
                (_("Billed by"), invoice.municipality_name),
                (_("Invoice number"), invoice.number),
                (_("Month billed"), f"{date_format(period.first_day, 'YEAR_MONTH_FORMAT')} ({period})"),
                (_("Restaurant"), invoice.restaurant_name),
                (_("Address"), invoice.restaurant_address),
                (_("Business registration number"), _business_number(invoice.business_number)),
                (_("Due date"), date_format(invoice.due_date, "DATE_FORMAT")),
            ],
            text,
        ),
        Paragraph(_("Weights and charges per bin"), heading),
    ]
    rows = [[_("Item"), _("Weight"), _("Price"), _("Amount")]]
    for line in invoice.lines.all():
        weight = _kg(line.weight_g) if line.kind in (LineKind.USAGE, LineKind.PRIOR_PERIOD, LineKind.CREDIT) else ""
        tariff = _("%(price)s won/kg") % {"price": f"{line.price_per_kg_krw:,}"} if line.price_per_kg_krw else ""
        rows.append([Paragraph(line.description, text), weight, tariff, _won(line.amount_krw)])
    story.append(_lines_table(rows))
    story.append(Spacer(1, 3 * mm))
    totals = [
        (_("Subtotal"), _won(invoice.subtotal_krw)),
        *(
            [(_("Up to the minimum charge"), _won(invoice.minimum_adjustment_krw))]
            if invoice.minimum_adjustment_krw
            else []
        ),
        *([(_("Corrections given back"), _won(invoice.credits_krw))] if invoice.credits_krw else []),
        (_("Below 10 won, not charged"), _won(-invoice.truncated_krw)),
        (_("Total"), _won(invoice.total_krw)),
        *([(_("Prepaid, taken off"), _won(-invoice.prepaid_applied_krw))] if invoice.prepaid_applied_krw else []),
        (_("Amount due"), _won(max(0, invoice.total_krw - invoice.prepaid_applied_krw))),
    ]
    story.append(_totals_table(totals, text))
    story += [
        Paragraph(_("How to pay"), heading),
        Paragraph(
            _(
                "Scan the QR code below with your phone's camera, or open the address below, to pay by card "
                "or bank transfer. If a pickup on it is wrong, you can dispute it on the same page."
            ),
            text,
        ),
        Paragraph(_("Pay at: %(url)s") % {"url": url}, text),
        Spacer(1, 2 * mm),
        Image(_qr_png(url), width=38 * mm, height=38 * mm, hAlign="LEFT"),
        Paragraph(_("Amounts below 10 won are not charged, as is the practice for public funds."), small),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=_("Invoice %(number)s") % {"number": invoice.number},
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
