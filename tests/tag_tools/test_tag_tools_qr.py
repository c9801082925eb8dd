"""`qr`: PNG and SVG files that decode back to the tag URL, with error correction H and a 4-module quiet zone."""

import re
from pathlib import Path

import pytest
import qrcode
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_H

from backend.tags.qr import TagQRCode
from tag_tools.cli import main

URL = "https://waste.example.go.kr/t/abcdefghijklmnop"
SVG_SQUARE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z")


def test_png_decodes_to_the_url_with_level_h_and_quiet_zone(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "tag.png"

    assert main(["qr", URL, "--out", str(out)]) == 0

    image = Image.open(out)
    [found] = zxingcpp.read_barcodes(image)
    assert (found.text, found.ec_level) == (URL, "H")
    modules = TagQRCode(URL).modules_count
    pixels_per_module = image.width / (modules + 8)
    assert found.position.top_left.x == found.position.top_left.y == 4 * pixels_per_module
    assert str(out) in capsys.readouterr().out


def test_svg_draws_the_same_code(tmp_path: Path) -> None:
    # No SVG renderer is installed, so paint the SVG's squares with Pillow and decode that.
    out = tmp_path / "tag.svg"

    assert main(["qr", URL, "--out", str(out)]) == 0

    svg = out.read_text()
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    squares = [tuple(map(int, match)) for match in SVG_SQUARE.findall(svg)]
    assert squares and size == TagQRCode(URL).modules_count + 8
    assert all(
        left >= 4 and right <= size - 4 and top >= 4 and bottom <= size - 4 for left, top, right, bottom in squares
    )
    scale = 8
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for left, top, right, bottom in squares:
        draw.rectangle((left * scale, top * scale, right * scale - 1, bottom * scale - 1), fill=0)
    [found] = zxingcpp.read_barcodes(image)
    assert (found.text, found.ec_level) == (URL, "H")


def test_other_file_types_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit:
        main(["qr", URL, "--out", str(tmp_path / "tag.jpg")])

    assert exit.value.code == 2
    assert ".png" in capsys.readouterr().err


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=250))
def test_fast_mask_choice_gives_the_symbol_qrcode_gives(data: str) -> None:
    reference = qrcode.QRCode(error_correction=ERROR_CORRECT_H, border=4)
    reference.add_data(data)
    reference.make(fit=True)

    assert TagQRCode(data).modules == reference.modules
