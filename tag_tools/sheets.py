"""Sticker sheet geometry: where each label sits on an A4 page, in points.

A sheet is described the way its packet describes it: columns × rows, page margins and the gaps between labels;
the label size follows from those. The default is the common 3 × 7 A4 sheet of 70 × 42.3 mm labels: 3 × 70 mm fills
the width and 7 × 42.3 mm leaves 0.45 mm top and bottom.
"""

import re
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

DEFAULT_LAYOUT = "3x7"
DEFAULT_MARGINS = "0.45,0"  # mm: top/bottom, left/right
DEFAULT_GAPS = "0"  # mm: between columns[,between rows]


@dataclass(frozen=True)
class Sheet:
    columns: int
    rows: int
    top: float  # margins and gaps in points
    right: float
    bottom: float
    left: float
    column_gap: float
    row_gap: float
    page_width: float = A4[0]
    page_height: float = A4[1]

    @property
    def labels_per_page(self) -> int:
        return self.columns * self.rows

    @property
    def label_width(self) -> float:
        return (self.page_width - self.left - self.right - (self.columns - 1) * self.column_gap) / self.columns

    @property
    def label_height(self) -> float:
        return (self.page_height - self.top - self.bottom - (self.rows - 1) * self.row_gap) / self.rows

    def label_origin(self, index_on_page: int) -> tuple[float, float]:
        """Bottom-left corner of the label, filling the page left to right, then top to bottom."""
        row, column = divmod(index_on_page, self.columns)
        x = self.left + column * (self.label_width + self.column_gap)
        y = self.page_height - self.top - (row + 1) * self.label_height - row * self.row_gap
        return x, y


def parse_sheet(layout: str, margins: str, gaps: str) -> Sheet:
    """Read --layout 3x7, --margins T[,R[,B[,L]]] (mm, as in CSS) and --gaps COLUMN[,ROW] (mm)."""
    match = re.fullmatch(r"\s*(\d+)\s*[x×X*]\s*(\d+)\s*", layout)
    if not match or not all(int(group) > 0 for group in match.groups()):
        raise ValueError(f"--layout {layout!r}: 열x행 형식이어야 합니다 (예: 3x7). Expected COLUMNSxROWS, e.g. 3x7.")
    columns, rows = (int(group) for group in match.groups())
    top, right, bottom, left = _css_sides(_millimetres(margins, "--margins", most=4))
    column_gap, *row_gap = _millimetres(gaps, "--gaps", most=2)
    sheet = Sheet(columns, rows, top, right, bottom, left, column_gap, row_gap[0] if row_gap else column_gap)
    if sheet.label_width < 20 * mm or sheet.label_height < 15 * mm:
        raise ValueError(
            f"라벨이 너무 작습니다 ({sheet.label_width / mm:.1f}×{sheet.label_height / mm:.1f} mm, 최소 20×15 mm). "
            "Labels would be smaller than 20 × 15 mm; check --layout, --margins and --gaps."
        )
    return sheet


def _millimetres(text: str, option: str, *, most: int) -> list[float]:
    try:
        values = [float(part) * mm for part in text.split(",")]
    except ValueError:
        values = []
    if not 1 <= len(values) <= most or any(value < 0 for value in values):
        raise ValueError(f"{option} {text!r}: 쉼표로 구분한 mm 값이어야 합니다. Expected up to {most} mm values.")
    return values


def _css_sides(values: list[float]) -> tuple[float, float, float, float]:
    if len(values) == 1:
        values = values * 4
    elif len(values) == 2:
        values = values * 2
    elif len(values) == 3:
        values = [*values, values[1]]
    top, right, bottom, left = values
    return top, right, bottom, left
