"""Reports for spreadsheets, as CSV or as an Excel workbook (XLSX).

CSV: Korean headers, UTF-8 with a byte-order mark, without which Excel reads the file
as the local code page and garbles Korean; text that a spreadsheet would run as a
formula starts with an apostrophe (backend/core/spreadsheet_cells.py).

XLSX (`xlsx_bytes(header, rows)`, for any report): one sheet, the header row in bold
and frozen, columns as wide as their text, figures as numbers a spreadsheet sums
(kilograms with three decimals, counts with thousands separators), text always as
text (a name starting with "=" is never a formula). Every column name of a report
says its unit: "무게(kg) Weight", "수거 건수(건) Collections".

The open data's CSV keeps its machine column names (with their units: `collected_kg`)
as its header, so that a program reads it as it reads the JSON; the BOM stays (csv
readers that expect it, and Python's `utf-8-sig`, skip it)."""

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from rest_framework.renderers import BaseRenderer

from backend.collection_events.weights import grams_to_kg
from backend.core.spreadsheet_cells import as_text_cells

BOM = "\ufeff"

VOLUME_HEADER = [
    "구분 Key",
    "항목 Label",
    "무게(kg) Weight",
    "청구 대상(kg) Billable",
    "확인 대기(kg) Held",
    "수거 건수(건) Collections",
    "미수거 방문(건) Visits not collected",
    "영업장 수(곳) Restaurants served",
    "전년 동기 영업장 수(곳) Restaurants served a year earlier",
    "전년 동기 무게(kg) Weight a year earlier",
    "증감(kg) Change",
    "증감률(%) Change (%)",
]
SCAN_QUALITY_HEADER = ["분류 Category", "코드 Code", "항목 Label", "건수(건) Count"]
SCAN_QUALITY_SECTIONS = {
    "flags": "확인 표시 Flags",
    "sources": "입력 방식 Source",
    "physically_tapped": "실물 태그 확인 Physically tapped",
    "exceptions": "미수거 사유 Exceptions",
    "statuses": "상태 Status",
}


def volume_table(body: dict) -> list[list]:
    """The volume report's JSON body as rows; kilograms as plain numbers (Decimal) for sums."""
    lines = [*body["rows"], {"key": "total", "label": "합계 Total", **body["totals"]}]
    return [VOLUME_HEADER] + [
        [
            line["key"],
            line["label"],
            Decimal(line["weight_kg"]),
            Decimal(line["billable_kg"]),
            Decimal(line["held_kg"]),
            line["collections"],
            line["visits_not_collected"],
            # Empty where the grouping cannot say (a week, a day, a hauler, a crew member).
            _count_or_empty(line["restaurants_served"]),
            _count_or_empty(line["previous"]["restaurants_served"]),
            Decimal(line["previous"]["weight_kg"]),
            grams_to_kg(line["weight_change_g"]),
            "" if line["weight_change_percent"] is None else line["weight_change_percent"],
        ]
        for line in lines
    ]


def _count_or_empty(count: int | None) -> int | str:
    return "" if count is None else count


def scan_quality_table(body: dict) -> list[list]:
    rows = [SCAN_QUALITY_HEADER, ["합계 Total", "scans", "전체 스캔 All scans", body["scans"]]]
    for section, title in SCAN_QUALITY_SECTIONS.items():
        rows += [[title, item["code"], item["label"], item["count"]] for item in body[section]]
    return rows


def open_volumes_table(body: dict) -> list[list]:
    """The open data's rows under its columns: a suppressed figure as an empty cell (a
    spreadsheet's SUM skips it), `suppressed` as true / false."""
    columns = body["columns"]
    return [columns] + [[_open_cell(row[column]) for column in columns] for row in body["rows"]]


def _open_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_bytes(rows: list[list]) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows(as_text_cells(row) for row in rows)
    return (BOM + text.getvalue()).encode("utf-8")


XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_NUMBER_FORMATS = {int: "#,##0", Decimal: "#,##0.000", float: "0.0"}
#: Widths in characters; a Korean character takes two.
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence], *, title: str = "Report") -> bytes:
    """One sheet: `header` (bold, frozen), then `rows`. int, float and Decimal cells
    are numbers (Decimal with three places: kilograms); None and "" are empty cells;
    anything else is text, never a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit
    widths = [_width(text) for text in header]
    sheet.append([_text(text) for text in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            cell = sheet.cell(row=number, column=column)
            if type(value) in _NUMBER_FORMATS:
                cell.value = value
                cell.number_format = _NUMBER_FORMATS[type(value)]
                text = f"{value:,}"
            else:
                text = _text(str(value))
                cell.value = text
                cell.data_type = "s"  # openpyxl would take "=…" for a formula
            if column > len(widths):
                widths.append(_MIN_WIDTH)
            widths[column - 1] = max(widths[column - 1], _width(text))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text(text: str) -> str:
    # Control characters cannot be stored in XLSX at all.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _spreadsheet_table(data, renderer_context: dict) -> tuple[list[list], str | None]:
    """The rows a report renderer writes, and the view's file name (None: no attachment)."""
    request = renderer_context.get("request")
    if "error" in data:
        error = data["error"]
        return [["오류 코드 Error code", "메시지 Message"], [error["code"], str(error["message"])]], None
    if request is not None and request.method == "OPTIONS":  # DRF's metadata, not a report
        return [["이름 Name", "설명 Description"], [data.get("name", ""), data.get("description", "")]], None
    view = renderer_context["view"]
    return view.csv_table(data), view.csv_filename(data)


class ReportXlsxRenderer(BaseRenderer):
    """`?format=xlsx`: the same rows as the CSV (the view's `csv_table`) as a workbook,
    named as the CSV is (`csv_filename`) with .xlsx for .csv."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        if data is None:
            return b""
        table, filename = _spreadsheet_table(data, renderer_context)
        response = renderer_context.get("response")
        if response is not None and filename:
            name = filename.removesuffix(".csv") + ".xlsx"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
        return xlsx_bytes(table[0], table[1:])


class ReportCsvRenderer(BaseRenderer):
    """`?format=csv` or `Accept: text/csv`. The view says how its body becomes rows
    (`csv_table`, also the XLSX's rows) and what the file is called (`csv_filename`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        if data is None:
            return b""
        table, filename = _spreadsheet_table(data, renderer_context)
        response = renderer_context.get("response")
        if response is not None and filename:
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return csv_bytes(table)
