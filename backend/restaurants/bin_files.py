"""A small CSV of bins to add, one a line: the restaurant (its register's 관리번호, or its id),
the bin's label and its capacity in litres. Pure: bytes in, rows and refused lines out.

The header names its columns, in any order: 관리번호 / register_id / restaurant_id / 음식점ID,
라벨 / label, 용량 / 용량(L) / capacity / capacity_liters. UTF-8 (with or without BOM) or
CP949, as spreadsheets on officials' PCs save it.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

MAX_ROWS = 5000
_REFERENCE = {"관리번호", "register_id", "restaurant_id", "음식점id", "restaurant"}
_LABEL = {"라벨", "label", "용기", "용기이름"}
_CAPACITY = {"용량", "용량(l)", "capacity", "capacity_liters", "capacity(l)"}


@dataclass(frozen=True)
class BinRow:
    line: int
    restaurant_ref: str
    label: str
    capacity_liters: int


class BinFileError(ValueError):
    """The file as a whole cannot be read; the message says why, in Korean then English."""


def _text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp949")
    except UnicodeDecodeError:
        raise BinFileError(_("The file is not a UTF-8 or CP949 CSV.")) from None


def _column(header: list[str], names: set[str]) -> int | None:
    for index, name in enumerate(header):
        if name.strip().lower().replace(" ", "") in names:
            return index
    return None


def read_bin_rows(data: bytes) -> tuple[list[BinRow], list[str]]:
    """The file's rows, and every line refused with its number and reason."""
    reader = csv.reader(io.StringIO(_text(data)))
    header = next(reader, None)
    if not header:
        raise BinFileError(_("The file is empty."))
    columns = [_column(header, names) for names in (_REFERENCE, _LABEL, _CAPACITY)]
    if None in columns:
        raise BinFileError(_("The first line must name the columns 관리번호 (or restaurant_id), label and capacity."))
    reference, label, capacity = columns
    rows: list[BinRow] = []
    refused: list[str] = []
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) + len(refused) >= MAX_ROWS:
            raise BinFileError(_("At most %(count)s lines at a time.") % {"count": MAX_ROWS})
        cells = record + [""] * (max(columns) + 1 - len(record))  # type: ignore[type-var,operator]
        ref, name, litres = cells[reference].strip(), cells[label].strip(), cells[capacity].strip()  # type: ignore[index]
        if not ref:
            refused.append(f"{line}: " + _("no restaurant"))
        elif not name or len(name) > 50:
            refused.append(f"{line}: " + _("the label must be 1 to 50 characters"))
        elif not (litres.isascii() and litres.isdigit() and int(litres) >= 1):
            refused.append(f"{line}: " + _("capacity must be whole litres, at least 1"))
        else:
            rows.append(BinRow(line, ref, name, int(litres)))
    return rows, refused
