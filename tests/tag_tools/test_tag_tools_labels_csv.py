"""`labels --csv`: a print-ready PDF whose every QR code scans back to its URL, with the Korean text embedded."""

import csv
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from backend.tags import codes
from tag_tools import labels
from tag_tools.cli import main
from tag_tools.sheets import parse_sheet
from tests.tag_tools.fake_backend import MANUAL_CODES, PUBLIC_BASE_URL
from tests.tag_tools.pdf_pages import qr_codes_on_pdf_pages

pytestmark = pytest.mark.usefixtures("korean_font")

RESTAURANTS = ["김밥천국 서초점", "할매순대국", "바다횟집", "행복한 분식", "서울 중앙 구내식당"]


def label_rows(count: int) -> list[dict[str, str]]:
    rows = []
    for number in range(count):
        code = "".join(codes.CODE_ALPHABET[(number * 7 + i) % 32] for i in range(codes.CODE_LENGTH))
        manual = MANUAL_CODES[number % len(MANUAL_CODES)]
        rows.append(
            {
                "code": code,
                "url": f"{PUBLIC_BASE_URL}/t/{code}",
                # Officials paste either form; both must print as ABCD-EFGH-K.
                "manual_code": manual if number % 2 else codes.format_manual_code(manual),
                "restaurant_name": RESTAURANTS[number % len(RESTAURANTS)],
                "bin_label": f"주방 뒤 {number + 1}번 (120L)",
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def label_index(barcode, dpi: int, *, columns: int, width: float, height: float, top: float, left: float, gap: float):
    """Which label, counted left to right then top to bottom, holds the decoded code (sizes in mm, as on the packet)."""
    corners = barcode.position
    x_mm = (corners.top_left.x + corners.bottom_right.x) / 2 / dpi * 25.4
    y_mm = (corners.top_left.y + corners.bottom_right.y) / 2 / dpi * 25.4  # from the top of the page
    column, row = int((x_mm - left) // (width + gap)), int((y_mm - top) // height)
    assert 0 <= column < columns, f"QR code at {x_mm:.0f} mm across is off the sheet"
    return row * columns + column


@pytest.mark.timeout(60)
def test_every_qr_code_scans_to_its_url_in_reading_order(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = label_rows(25)
    out = tmp_path / "labels.pdf"

    assert main(["labels", "--csv", str(write_csv(tmp_path / "tags.csv", rows)), "--out", str(out)]) == 0

    pages = qr_codes_on_pdf_pages(out, 200)
    assert [len(found) for found in pages] == [21, 4]
    for page_number, found in enumerate(pages):
        for barcode in found:
            place = label_index(barcode, 200, columns=3, width=70, height=42.3, top=0.45, left=0, gap=0)
            assert barcode.text == rows[page_number * 21 + place]["url"]
            assert barcode.ec_level == "H"
    streams = capsys.readouterr()
    assert "라벨 25/25 (page 2/2)" in streams.err
    assert "25" in streams.out and "2" in streams.out


def test_korean_text_and_manual_codes_are_embedded_and_extractable(tmp_path: Path) -> None:
    rows = label_rows(25)
    out = tmp_path / "labels.pdf"

    assert main(["labels", "--csv", str(write_csv(tmp_path / "tags.csv", rows)), "--out", str(out)]) == 0

    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for row in rows:
        assert row["restaurant_name"] in text
        assert row["bin_label"] in text
        assert codes.format_manual_code(codes.normalize_manual_code(row["manual_code"])) in text
    assert text.count("스캔이 안 되면 코드를 입력하세요") == 25
    fonts = {font["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any(name.endswith("+NanumGothic") for name in fonts)  # an embedded subset


def test_a_cp949_file_from_korean_excel_is_read(tmp_path: Path) -> None:
    rows = label_rows(2)
    out = tmp_path / "labels.pdf"

    assert main(["labels", "--csv", str(write_csv(tmp_path / "tags.csv", rows, "cp949")), "--out", str(out)]) == 0

    assert rows[0]["restaurant_name"] in PdfReader(out).pages[0].extract_text()


def test_a_mistyped_manual_code_is_refused_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rows = label_rows(3)
    rows[1]["manual_code"] = "3" + rows[1]["manual_code"][1:]  # one wrong character: the check must catch it
    out = tmp_path / "labels.pdf"

    assert main(["labels", "--csv", str(write_csv(tmp_path / "tags.csv", rows)), "--out", str(out)]) == 3

    error = capsys.readouterr().err
    assert "[csv_invalid]" in error and "tags.csv:3" in error and len(error.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_columns_are_named(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "tags.csv"
    path.write_text("url,restaurant_name\nhttps://x.kr/t/abcdefghijklmnop,가게\n")

    assert main(["labels", "--csv", str(path), "--out", str(tmp_path / "x.pdf")]) == 3

    assert "code, manual_code, bin_label" in capsys.readouterr().err


@pytest.mark.timeout(60)
def test_other_sheet_layouts(tmp_path: Path) -> None:
    # A 2 × 7 sheet of 99.1 × 38.1 mm labels: 15.15 mm top and bottom, 4.65 mm sides, 2.5 mm between columns.
    rows = label_rows(15)
    out = tmp_path / "labels.pdf"
    layout = ["--layout", "2x7", "--margins", "15.15,4.65", "--gaps", "2.5,0"]

    assert main(["labels", "--csv", str(write_csv(tmp_path / "tags.csv", rows)), "--out", str(out), *layout]) == 0

    sheet = parse_sheet("2x7", "15.15,4.65", "2.5,0")
    assert round(sheet.label_width / mm, 1) == 99.1 and round(sheet.label_height / mm, 1) == 38.1
    pages = qr_codes_on_pdf_pages(out, 150)
    assert [len(found) for found in pages] == [14, 1]
    for page_number, found in enumerate(pages):
        for barcode in found:
            place = label_index(barcode, 150, columns=2, width=99.1, height=38.1, top=15.15, left=4.65, gap=2.5)
            assert barcode.text == rows[page_number * 14 + place]["url"]


def test_a_layout_too_small_to_scan_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    csv_file = write_csv(tmp_path / "tags.csv", label_rows(1))

    assert main(["labels", "--csv", str(csv_file), "--out", str(tmp_path / "x.pdf"), "--layout", "10x30"]) == 3

    assert "[bad_layout]" in capsys.readouterr().err


def test_without_a_korean_font_the_reason_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(labels, "FONT_FOLDERS", (tmp_path / "nowhere",))
    csv_file = write_csv(tmp_path / "tags.csv", label_rows(1))

    assert main(["labels", "--csv", str(csv_file), "--out", str(tmp_path / "x.pdf")]) == 3

    error = capsys.readouterr().err
    assert "[font_missing]" in error and "fonts-nanum" in error
