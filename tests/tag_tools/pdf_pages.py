"""QR codes read off the pages of a PDF, the way a phone would see a printed sheet."""

from pathlib import Path

import pytest
import zxingcpp


def qr_codes_on_pdf_pages(pdf: Path, dpi: int = 200) -> list[list[zxingcpp.Barcode]]:
    """Rasterise each page (pypdfium2, the PDF engine Chrome uses) and decode every QR code on it."""
    pdfium = pytest.importorskip("pypdfium2", reason="pip install pypdfium2 (requirements-dev.txt)")
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [
            zxingcpp.read_barcodes(page.render(scale=dpi / 72).to_pil(), formats=zxingcpp.BarcodeFormat.QRCode)
            for page in document
        ]
    finally:
        document.close()
