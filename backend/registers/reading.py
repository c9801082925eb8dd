"""Reading the national licence register (지방행정 인허가 데이터: 일반음식점, 휴게음식점) as
officials download it: CSV in CP949 or UTF-8 (with or without BOM), or XLSX; columns
found by their Korean header names in any order, extra columns ignored.

Pure: bytes in, rows out. A file it cannot read raises a DomainError with a stable
code; a row it can read but not use is judged later (registers/planning.py).
"""

import csv
import io
import operator
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError

# Each field, with the header names the register has used for it (normalized: no
# spaces, brackets or underscores, lower case), exact or as a prefix.
_EXACT = {
    "개방자치단체코드": "municipality_code",
    "관리번호": "register_id",
    "인허가일자": "licensed_on",
    "영업상태명": "status_name",
    "폐업일자": "closed_on",
    "전화번호": "phone",
    "소재지전화": "phone",
    "소재지전화번호": "phone",
    "소재지전체주소": "lot_address",
    "지번주소": "lot_address",
    "도로명전체주소": "road_address",
    "도로명주소": "road_address",
    "사업장명": "name",
    "업태구분명": "business_type",
    "시설총규모": "floor_area",
}
# 좌표정보(X), 좌표정보(x), 좌표정보X, 좌표정보x(EPSG5174) …
_PREFIX = {"좌표정보x": "x", "좌표정보y": "y"}
_REQUIRED = {"register_id": "관리번호", "name": "사업장명", "status_name": "영업상태명"}
_HEADER_NOISE = re.compile(r"[\s()\[\]_\ufeff]")
_HEADER_SEARCH_ROWS = 10

_CLOSED_WORDS = ("폐업", "취소", "말소")


@dataclass(slots=True)
class RegisterRow:
    line: int
    register_id: str
    name: str
    status_name: str
    closed: bool
    closed_on: date | None
    closed_on_text: str
    licensed_on: str
    phone: str
    lot_address: str
    road_address: str
    business_type: str
    x: str
    y: str
    floor_area: Decimal | None
    municipality_code: str


@dataclass
class RegisterFile:
    rows: list[RegisterRow]
    format: str  # "csv (utf-8)", "csv (cp949)", "xlsx"
    coordinate_header: str  # as the file wrote it, e.g. "좌표정보x(epsg5174)"


def _error(code: str, message, **fields) -> DomainError:
    return DomainError(code, message, fields={"file": [message], **fields})


def unreadable(detail: str) -> DomainError:
    return _error(
        "register_unreadable",
        _("The file cannot be read as a licence register CSV or XLSX (%(detail)s).") % {"detail": detail},
    )


def read_register(content: bytes) -> RegisterFile:
    if not content.strip():
        raise _error("register_empty", _("The file is empty."))
    if content.startswith(b"PK\x03\x04"):
        rows, fmt = _xlsx_rows(content), "xlsx"
    elif content.startswith(b"\xd0\xcf\x11\xe0"):
        raise _error(
            "register_unsupported_format",
            _("Old Excel (.xls) files are not supported: save the file as CSV or XLSX."),
        )
    else:
        text, encoding = _decode(content)
        rows, fmt = _csv_rows(text), f"csv ({encoding})"
    return _parse(rows, fmt)


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8"
        content = content[3:]
    else:
        encoding = "utf-8"
        try:
            return content.decode("utf-8"), encoding
        except UnicodeDecodeError:
            encoding = "cp949"
    try:
        text = content.decode(encoding)
    except UnicodeDecodeError:
        raise unreadable("neither UTF-8 nor CP949 text") from None
    if "\x00" in text:
        raise unreadable("binary data")
    return text, encoding


def _csv_rows(text: str):
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:
        raise unreadable(f"CSV line {reader.line_num}: {error}") from None


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(content: bytes):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [
            (number, [_cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
        workbook.close()
    except (zipfile.BadZipFile, InvalidFileException, KeyError, IndexError, ValueError, OSError) as error:
        raise unreadable(f"XLSX: {type(error).__name__}") from None
    return rows


def _normalized(header: str) -> str:
    return _HEADER_NOISE.sub("", header).lower()


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        key = _normalized(raw)
        field = _EXACT.get(key) or next((f for prefix, f in _PREFIX.items() if key.startswith(prefix)), None)
        if field and field not in columns:
            columns[field] = index
    return columns


def _parse(rows, fmt: str) -> RegisterFile:
    rows = iter(rows)
    columns: dict[str, int] = {}
    header: list[str] = []
    for _attempt in range(_HEADER_SEARCH_ROWS):
        try:
            _number, header = next(rows)
        except StopIteration:
            break
        columns = _columns(header)
        if "register_id" in columns and "name" in columns:
            break
    missing = [korean for field, korean in _REQUIRED.items() if field not in columns]
    if "lot_address" not in columns and "road_address" not in columns:
        missing.append("소재지전체주소 / 도로명전체주소")
    if missing:
        raise _error(
            "register_missing_columns",
            _("The file lacks the columns %(columns)s.") % {"columns": ", ".join(missing)},
            missing=missing,
        )
    get = dict(columns)
    width = max(get.values()) + 2
    # One getter for every field, in this order; a column the file lacks reads as the
    # always-empty cell past the row's end (rows are padded to `width`).
    order = (
        "register_id", "name", "status_name", "closed_on", "licensed_on", "phone", "lot_address",
        "road_address", "business_type", "x", "y", "floor_area", "municipality_code",
    )  # fmt: skip
    fields = operator.itemgetter(*(get.get(field, width - 1) for field in order))
    padding = [""] * width

    parsed = []
    for line, values in rows:
        if len(values) < width:
            values = values + padding[len(values) :]
        (
            register_id, name, status_name, closed_text, licensed_on, phone, lot_address,
            road_address, business_type, x, y, floor_area, municipality_code,
        ) = (value.strip() for value in fields(values))  # fmt: skip
        if not (register_id or name or lot_address or road_address or status_name):
            continue  # a blank line (or one with nothing we read)
        parsed.append(
            RegisterRow(
                line=line,
                register_id=register_id,
                name=name,
                status_name=status_name,
                closed=any(word in status_name for word in _CLOSED_WORDS),
                closed_on=parse_date(closed_text) if closed_text else None,
                closed_on_text=closed_text,
                licensed_on=licensed_on,
                phone=phone,
                lot_address=lot_address,
                road_address=road_address,
                business_type=business_type,
                x=x,
                y=y,
                floor_area=parse_area(floor_area) if floor_area else None,
                municipality_code=municipality_code,
            )
        )
    x_index = get.get("x")
    return RegisterFile(
        rows=parsed, format=fmt, coordinate_header=header[x_index].strip() if x_index is not None else ""
    )


_DATE = re.compile(r"^(\d{4})[-./]?(\d{1,2})[-./]?(\d{1,2})")


def parse_date(text: str) -> date | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_area(text: str) -> Decimal | None:
    try:
        area = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if not area.is_finite() or area < 0 or area >= Decimal("10000000"):
        return None
    return area.quantize(Decimal("0.01"))
