"""The QR image of a tag URL. Bins are wet and dirty: error correction H (30%) and a
quiet zone of four modules, as the QR standard asks."""

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_H


def qr_png(url: str, *, box_size: int = 10) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_H, box_size=box_size, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
