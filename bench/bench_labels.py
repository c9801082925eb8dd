"""Label-sheet benchmark: `labels --csv` for 10,000 labels against reportlab's text-only floor.

    .venv/bin/python bench/bench_labels.py                 # 10,000 labels, target ≤ 30 s
    .venv/bin/python bench/bench_labels.py --labels 2000 --keep

What it does:
1. writes a synthetic CSV (random tag codes, valid manual codes, Korean names) to bench/out/;
2. times `python -m tag_tools labels --csv ... --out ...` run in-process (CSV reading, QR encoding, drawing, saving);
3. times the floor: reportlab drawing the same number of labels with the same text, fonts and sheet, but no QR code;
4. times QR encoding alone, and qrcode's stock mask search on a sample, to show where the time goes.
"""

import argparse
import contextlib
import csv
import io
import json
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import qrcode  # noqa: E402
from qrcode.constants import ERROR_CORRECT_H  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from backend.tags import codes  # noqa: E402
from backend.tags import qr as tag_qr  # noqa: E402
from tag_tools import labels, sheets  # noqa: E402
from tag_tools.cli import main  # noqa: E402

OUT = PROJECT_ROOT / "bench" / "out"
RESTAURANTS = [
    "김밥천국 서초점",
    "할매순대국 본점",
    "바다횟집",
    "행복한 분식",
    "서울 중앙 구내식당",
    "봉구스밥버거 역삼",
]
TARGET_SECONDS = 30.0
STOCK_SAMPLE = 300


def synthetic_csv(path: Path, count: int) -> list[dict[str, str]]:
    rows = []
    for number in range(count):
        code = codes.new_code()
        rows.append(
            {
                "code": code,
                "url": f"https://waste.example.go.kr/t/{code}",
                "manual_code": codes.new_manual_code(),
                "restaurant_name": RESTAURANTS[number % len(RESTAURANTS)],
                "bin_label": f"주방 뒤 {number % 4 + 1}번 (120L)",
            }
        )
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def time_cli(csv_path: Path, pdf: Path) -> float:
    started = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        status = main(["labels", "--csv", str(csv_path), "--out", str(pdf)])
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"labels failed with status {status}")
    return elapsed


def time_text_only_floor(rows: list[dict[str, str]], pdf: Path) -> float:
    """The same sheet, fonts and strings as a real label, drawn without the QR code."""
    started = time.perf_counter()
    labels.register_korean_fonts()
    sheet = sheets.parse_sheet(sheets.DEFAULT_LAYOUT, sheets.DEFAULT_MARGINS, sheets.DEFAULT_GAPS)
    canvas = Canvas(str(pdf), pagesize=(sheet.page_width, sheet.page_height), pageCompression=1)
    first, second = labels.INSTRUCTION.split(" · ")
    for index, row in enumerate(rows):
        place = index % sheet.labels_per_page
        if index and place == 0:
            canvas.showPage()
        x, y = sheet.label_origin(place)
        x += sheet.label_height
        for font, size, height, text in (
            (labels.BOLD_FONT, 9, 0.85, row["restaurant_name"]),
            (labels.REGULAR_FONT, 7.5, 0.75, row["bin_label"]),
            (labels.REGULAR_FONT, 5, 0.55, labels.MANUAL_CODE_CAPTION),
            (labels.BOLD_FONT, 15, 0.4, codes.format_manual_code(codes.normalize_manual_code(row["manual_code"]))),
            (labels.REGULAR_FONT, 5, 0.15, first),
            (labels.REGULAR_FONT, 5, 0.08, second),
        ):
            canvas.setFont(font, size)
            canvas.drawString(x, y + height * sheet.label_height, text)
    canvas.save()
    return time.perf_counter() - started


def time_qr_encoding(urls: list[str]) -> float:
    started = time.perf_counter()
    for url in urls:
        tag_qr.symbol(url)
    return time.perf_counter() - started


def time_stock_qrcode(urls: list[str]) -> float:
    started = time.perf_counter()
    for url in urls:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_H, border=4)
        code.add_data(url)
        code.make(fit=True)
    return time.perf_counter() - started


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the CSV and PDFs in bench/out/")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    arguments = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    csv_path, pdf, floor_pdf = OUT / "labels.csv", OUT / "labels.pdf", OUT / "labels_text_only.pdf"
    rows = synthetic_csv(csv_path, arguments.labels)
    urls = [row["url"] for row in rows]

    cli_seconds = time_cli(csv_path, pdf)
    floor_seconds = time_text_only_floor(rows, floor_pdf)
    encoding_seconds = time_qr_encoding(urls)
    stock_seconds = time_stock_qrcode(urls[:STOCK_SAMPLE]) * len(urls) / min(len(urls), STOCK_SAMPLE)

    count = len(rows)
    figures = {
        "labels": count,
        "pages": -(-count // sheets.parse_sheet(sheets.DEFAULT_LAYOUT, sheets.DEFAULT_MARGINS, "0").labels_per_page),
        "pdf_bytes": pdf.stat().st_size,
        "labels_seconds": round(cli_seconds, 2),
        "labels_per_second": round(count / cli_seconds),
        "text_only_seconds": round(floor_seconds, 2),
        "text_only_labels_per_second": round(count / floor_seconds),
        "ratio_to_text_only": round(cli_seconds / floor_seconds, 1),
        "qr_encoding_seconds": round(encoding_seconds, 2),
        "stock_qrcode_mask_search_seconds_estimated": round(stock_seconds, 1),
    }
    print(
        f"labels --csv        {count:>6} labels  {cli_seconds:6.2f} s  {count / cli_seconds:7.0f} labels/s  "
        f"{figures['pages']} pages, {figures['pdf_bytes'] / 1e6:.1f} MB"
    )
    print(f"text-only floor     {count:>6} labels  {floor_seconds:6.2f} s  {count / floor_seconds:7.0f} labels/s")
    print(f"ratio               {cli_seconds / floor_seconds:.1f}× the text-only floor")
    print(f"  of which QR encoding (fast mask choice)  {encoding_seconds:6.2f} s")
    print(f"  qrcode's stock mask search would take    {stock_seconds:6.1f} s (from {STOCK_SAMPLE} codes)")
    verdict = "OK" if cli_seconds <= TARGET_SECONDS * count / 10_000 else "SLOWER THAN TARGET"
    print(f"target ≤ {TARGET_SECONDS:.0f} s per 10,000 labels: {verdict}")
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, indent=2))
    if not arguments.keep:
        for path in (csv_path, pdf, floor_pdf):
            path.unlink()


if __name__ == "__main__":
    main_bench()
