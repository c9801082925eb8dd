"""Print-ready sticker labels: the tag's QR code, its manual code, the restaurant, the bin and one line of help.

The QR code is drawn as vector rectangles straight from the module matrix (one per run of dark modules), which keeps
a 10,000-label PDF small and fast to make, and sharp at any printer resolution. Text uses an embedded Korean
TrueType font so it prints everywhere and can be searched and copied from the PDF.
"""

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.colors import black
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from backend.tags import qr as tag_qr
from tag_tools.errors import ExitStatus, ToolError
from tag_tools.sheets import Sheet

INSTRUCTION = "수거 시 이 태그를 스캔하세요 · 스캔이 안 되면 코드를 입력하세요"
INSTRUCTION_SIZE = 5.0
MANUAL_CODE_CAPTION = "수동 입력 코드"

FONT_FOLDERS = (
    Path(__file__).resolve().parents[1] / "backend" / "core" / "fonts",  # vendored with the project
    Path("/usr/share/fonts/truetype/nanum"),  # Debian/Ubuntu package fonts-nanum
)
REGULAR_FONT, BOLD_FONT = "NanumGothic", "NanumGothicBold"

# Inside the label: printers and die-cuts drift by a millimetre or so; the QR code's own quiet zone adds more.
EDGE = 1.5 * mm
TEXT_EDGE = 3 * mm
# Below this a phone struggles with a code on a dirty bin at arm's length.
SMALLEST_MODULE_MM = 0.5

ProgressCallback = Callable[[int, int, int, int], None]  # labels done, labels in all, page, pages


@dataclass(frozen=True)
class LabelContent:
    url: str
    manual_code_display: str  # ABCD-EFGH-K
    restaurant_name: str
    bin_label: str


@functools.cache
def _font(name: str, path: str) -> TTFont:
    """A TrueType font read once per process: parsing NanumGothic takes about 0.2 s, and a
    worker makes many label sheets. reportlab keeps each document's subset apart, so one
    font object serves them all (backend/billing/pdf.py does the same)."""
    return TTFont(name, path)


def register_korean_fonts() -> None:
    """Register NanumGothic (and its bold, or the regular in its place) with reportlab, from the first folder found."""
    for folder in FONT_FOLDERS:
        regular = folder / f"{REGULAR_FONT}.ttf"
        if regular.is_file():
            bold = folder / f"{BOLD_FONT}.ttf"
            pdfmetrics.registerFont(_font(REGULAR_FONT, str(regular)))
            pdfmetrics.registerFont(_font(BOLD_FONT, str(bold if bold.is_file() else regular)))
            return
    searched = ", ".join(str(folder / f"{REGULAR_FONT}.ttf") for folder in FONT_FOLDERS)
    raise ToolError(
        "font_missing",
        f"한글 글꼴(NanumGothic.ttf)을 찾을 수 없습니다. Korean font not found; looked for {searched}. "
        "Install it with `apt install fonts-nanum` or put NanumGothic.ttf in backend/core/fonts/.",
        ExitStatus.INPUT,
    )


def qr_module_mm(sheet: Sheet, url: str) -> float:
    """Printed size of one QR module, in millimetres, for this URL on this sheet."""
    return _qr_side(sheet.label_width, sheet.label_height) / _modules_with_quiet_zone(tag_qr.symbol(url)) / mm


def render_labels(
    labels: Sequence[LabelContent], out: Path, sheet: Sheet, *, progress: ProgressCallback | None = None
) -> int:
    """Write the labels to a PDF, filling each page in reading order; returns the number of pages."""
    register_korean_fonts()
    pages = math.ceil(len(labels) / sheet.labels_per_page)
    canvas = Canvas(str(out), pagesize=(sheet.page_width, sheet.page_height), pageCompression=1)
    canvas.setTitle("음식물 수거 용기 태그 라벨 / Bin tag labels")
    canvas.setCreator("tag_tools")
    for index, label in enumerate(labels):
        place = index % sheet.labels_per_page
        if index and place == 0:
            canvas.showPage()
        x, y = sheet.label_origin(place)
        draw_label(canvas, label, x, y, sheet.label_width, sheet.label_height)
        if progress:
            progress(index + 1, len(labels), index // sheet.labels_per_page + 1, pages)
    # reportlab wraps compressed streams in ASCII85 by default, in pure Python: a tenth of a big run, for nothing.
    ascii85, rl_config.useA85 = rl_config.useA85, 0
    try:
        canvas.save()
    finally:
        rl_config.useA85 = ascii85
    return pages


def draw_label(canvas: Canvas, label: LabelContent, x: float, y: float, width: float, height: float) -> None:
    """One label with its bottom-left corner at (x, y): QR code on the left, text on the right."""
    matrix = tag_qr.symbol(label.url)
    side = _qr_side(width, height)
    module = side / _modules_with_quiet_zone(matrix)
    quiet_zone = tag_qr.QUIET_ZONE_MODULES * module
    _draw_modules(canvas, matrix, x + EDGE + quiet_zone, y + (height - side) / 2 + quiet_zone, module)

    left = x + EDGE + side
    text_width = x + width - TEXT_EDGE - left
    canvas.setFillColor(black)

    baseline = y + height - TEXT_EDGE
    for text, font, largest, smallest, most_lines in (
        (label.restaurant_name, BOLD_FONT, 9.0, 7.0, 2),
        (label.bin_label, REGULAR_FONT, 7.5, 6.0, 1),
    ):
        size, lines = _wrapped(text, font, text_width, largest, smallest, most_lines)
        canvas.setFont(font, size)
        for line in lines:
            baseline -= size * 1.2
            canvas.drawString(left, baseline, line)

    instruction_lines = _instruction_lines(text_width)
    instruction_top = y + TEXT_EDGE + len(instruction_lines) * INSTRUCTION_SIZE * 1.25
    canvas.setFont(REGULAR_FONT, INSTRUCTION_SIZE)
    for number, line in enumerate(instruction_lines):
        canvas.drawString(left, instruction_top - (number + 1) * INSTRUCTION_SIZE * 1.25, line)

    code_size = _fitted_size(label.manual_code_display, BOLD_FONT, text_width, 15.0, 6.0)
    code_baseline = (baseline + instruction_top) / 2 - code_size * 0.3
    canvas.setFont(REGULAR_FONT, 5.0)
    canvas.drawString(left, code_baseline + code_size + 1.5, MANUAL_CODE_CAPTION)
    canvas.setFont(BOLD_FONT, code_size)
    canvas.drawString(left, code_baseline, label.manual_code_display)


def _qr_side(width: float, height: float) -> float:
    """Side of the QR code's square including its quiet zone: the label's height, leaving room for text."""
    return min(height - 2 * EDGE, width * 0.6)


def _modules_with_quiet_zone(matrix: tag_qr.Matrix) -> int:
    return len(matrix) + 2 * tag_qr.QUIET_ZONE_MODULES


def _draw_modules(canvas: Canvas, matrix: tag_qr.Matrix, x: float, y: float, module: float) -> None:
    """Fill each run of dark modules as one rectangle, in module units scaled onto the page (PDF y points up)."""
    last_row = len(matrix) - 1
    rectangles = " ".join(
        f"{column} {last_row - row} {length} 1 re" for row, column, length in tag_qr.dark_runs(matrix)
    )
    canvas.addLiteral(f"q 0 g {module:.5f} 0 0 {module:.5f} {x:.3f} {y:.3f} cm {rectangles} f Q")


@functools.cache
def _instruction_lines(width: float) -> tuple[str, ...]:
    """The instruction, one sentence a line, wrapped further if the column is narrow."""
    return tuple(
        line
        for sentence in INSTRUCTION.split(" · ")
        for line in simpleSplit(sentence, REGULAR_FONT, INSTRUCTION_SIZE, width)
    )


def _fitted_size(text: str, font: str, width: float, largest: float, smallest: float) -> float:
    natural = pdfmetrics.stringWidth(text, font, largest)
    return largest if natural <= width else max(smallest, largest * width / natural)


@functools.lru_cache(maxsize=4096)  # a restaurant's bins share its name
def _wrapped(
    text: str, font: str, width: float, largest: float, smallest: float, most_lines: int
) -> tuple[float, tuple[str, ...]]:
    """Shrink the text to fit one line; below the smallest size wrap it, and end with "…" what still does not fit."""
    size = _fitted_size(text, font, width, largest, smallest)
    lines = [text] if pdfmetrics.stringWidth(text, font, size) <= width else simpleSplit(text, font, size, width)
    if len(lines) > most_lines:
        lines = [*lines[: most_lines - 1], " ".join(lines[most_lines - 1 :])]
    return size, tuple(_shortened(line, font, size, width) for line in lines)


def _shortened(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"
