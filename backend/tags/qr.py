"""QR codes for tag URLs, for the API and for tag_tools' label sheets: built by `qrcode`, with its mask choice made
fast enough for 10,000 labels.

Every code uses error correction H (30 % of the symbol can be dirt) and a quiet zone of four modules.

The standard (ISO/IEC 18004 §7.8) asks the encoder to try all eight mask patterns and keep the one with the lowest
penalty. `qrcode` does that by mapping the data nine times and scoring each matrix cell by cell in Python: about
5 ms a code, most of a 10,000-label print run. Here the data is mapped once, with mask 0; every other mask differs
from it only in known data cells, so each candidate is one XOR on the matrix held as a single integer, and the four
penalty rules become shifts, ANDs and bit counts over that integer. The winner is made by flipping those cells and
writing its format bits. The scores equal `qrcode.util.lost_point`, so the chosen mask, and the symbol, are the ones
`qrcode` would produce (the tests compare them).
"""

import functools
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg
import qrcode.util
from qrcode.constants import ERROR_CORRECT_H

QUIET_ZONE_MODULES = 4
PNG_PIXELS_PER_MODULE = 10

Matrix = Sequence[Sequence[bool]]

_BIT_CHARACTERS = bytes.maketrans(b"\x00\x01", b"01")
_DARK_RUN = re.compile(rb"\x01+")


class TagQRCode(qrcode.QRCode):
    """`qrcode.QRCode` with level H, a four-module quiet zone and the fast mask choice described above."""

    def __init__(self, url: str, **kwargs) -> None:
        super().__init__(error_correction=ERROR_CORRECT_H, border=QUIET_ZONE_MODULES, **kwargs)
        self.add_data(url)
        self.make(fit=True)

    def make(self, fit: bool = True) -> None:
        if fit or self.version is None:
            self.best_fit(start=self.version)
        self.makeImpl(True, 0)  # a trial leaves the format cells light, as qrcode scores them
        size, changes = self.modules_count, _mask_changes(self.version)
        rows, columns = _pack(self.modules), _pack(list(zip(*self.modules, strict=True)))
        best = min(changes, key=lambda change: _penalty(rows ^ change.by_rows, columns ^ change.by_columns, size))
        for row, column in best.cells:
            self.modules[row][column] = not self.modules[row][column]
        self.setup_type_info(False, best.mask)
        if self.version >= 7:
            self.setup_type_number(False)


def symbol(url: str) -> list[list[bool]]:
    """The dark (True) and light modules of the URL's QR code, without the quiet zone."""
    return TagQRCode(url).modules


def qr_png(url: str) -> bytes:
    """The URL's QR code as a PNG, as the API serves it (`/api/v1/tags/{code}/qr.png`)."""
    buffer = io.BytesIO()
    TagQRCode(url, box_size=PNG_PIXELS_PER_MODULE).make_image().save(buffer)
    return buffer.getvalue()


def write_qr_file(url: str, out: Path) -> None:
    """Write the URL's QR code as PNG or SVG, chosen by the file's extension."""
    suffix = out.suffix.lower()
    if suffix == ".svg":
        image = TagQRCode(url, image_factory=qrcode.image.svg.SvgPathImage).make_image()
    elif suffix == ".png":
        image = TagQRCode(url, box_size=PNG_PIXELS_PER_MODULE).make_image()
    else:
        raise ValueError(suffix)
    buffer = io.BytesIO()
    image.save(buffer)
    out.write_bytes(buffer.getvalue())


def dark_runs(matrix: Matrix) -> Iterator[tuple[int, int, int]]:
    """(row, first column, length) of each horizontal run of dark modules: one rectangle each when drawing."""
    for row_index, row in enumerate(matrix):
        for run in _DARK_RUN.finditer(bytes(row)):
            start, end = run.span()
            yield row_index, start, end - start


def _pack(lines: Sequence[Sequence[bool]]) -> int:
    """The matrix as one integer: bit (line × size + cell) is set where the module is dark."""
    flat = b"".join(bytes(line[::-1]) for line in reversed(lines))
    return int(flat.translate(_BIT_CHARACTERS), 2)


@dataclass(frozen=True)
class _MaskChange:
    """The data cells whose colour under `mask` differs from mask 0, listed and packed by rows and by columns."""

    mask: int
    cells: tuple[tuple[int, int], ...]
    by_rows: int
    by_columns: int


@functools.cache
def _mask_changes(version: int) -> tuple[_MaskChange, ...]:
    size = version * 4 + 17
    data_cells = _data_cells(version)
    mask_0 = qrcode.util.mask_func(0)
    changes = []
    for mask in range(8):
        differs = qrcode.util.mask_func(mask)
        cells = tuple((row, column) for row, column in data_cells if differs(row, column) != mask_0(row, column))
        by_rows = sum(1 << (row * size + column) for row, column in cells)
        by_columns = sum(1 << (column * size + row) for row, column in cells)
        changes.append(_MaskChange(mask, cells, by_rows, by_columns))
    return tuple(changes)


def _data_cells(version: int) -> list[tuple[int, int]]:
    """The cells the mask applies to: those still empty once makeImpl has drawn the fixed patterns."""
    probe = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_H)
    size = probe.modules_count = version * 4 + 17
    probe.modules = [[None] * size for _ in range(size)]
    probe.setup_position_probe_pattern(0, 0)
    probe.setup_position_probe_pattern(size - 7, 0)
    probe.setup_position_probe_pattern(0, size - 7)
    probe.setup_position_adjust_pattern()
    probe.setup_timing_pattern()
    probe.setup_type_info(True, 0)
    if version >= 7:
        probe.setup_type_number(True)
    return [(row, column) for row in range(size) for column in range(size) if probe.modules[row][column] is None]


@functools.cache
def _line_masks(size: int) -> tuple[int, int, int, int]:
    """Bits where a run test, a 2×2 block test or an 11-module window test may start without leaving its line."""
    line = (1 << size) - 1
    every_line = sum(line << (index * size) for index in range(size))
    pairs = sum(((1 << (size - 1)) - 1) << (index * size) for index in range(size))
    windows = sum(((1 << (size - 10)) - 1) << (index * size) for index in range(size))
    blocks = sum(((1 << (size - 1)) - 1) << (index * size) for index in range(size - 1))
    return every_line, pairs, windows, blocks


# Rule 3's finder-like pattern 1011101 with four light modules after it, and the same mirrored, read from bit 0 up.
_FINDER_LIKE = ("10111010000", "00001011101")


def _penalty(rows: int, columns: int, size: int) -> int:
    """ISO/IEC 18004 mask penalty, computed as qrcode.util.lost_point computes it."""
    every_line, pairs, windows, blocks = _line_masks(size)
    score = 0
    for lines in (rows, columns):
        same_as_next = ~(lines ^ (lines >> 1)) & pairs
        # Rule 1: a run of L ≥ 5 same-coloured modules costs L − 2. Five equal modules in a row start at each set bit
        # of `five`; a run of L covers L − 4 of them, and adding 2 for each run's first one gives L − 2.
        five = same_as_next & (same_as_next >> 1) & (same_as_next >> 2) & (same_as_next >> 3)
        score += five.bit_count() + 2 * (five & ~(five << 1)).bit_count()
        # Rule 3: 40 for each finder-like pattern.
        for pattern in _FINDER_LIKE:
            found = windows
            for offset, colour in enumerate(pattern):
                shifted = lines >> offset
                found &= shifted if colour == "1" else ~shifted
            score += 40 * found.bit_count()
    # Rule 2: 3 for each 2×2 block of one colour.
    same_right = ~(rows ^ (rows >> 1)) & pairs
    same_below = ~(rows ^ (rows >> size)) & every_line
    score += 3 * (same_right & (same_right >> size) & same_below & blocks).bit_count()
    # Rule 4: 10 for each 5 % the dark share strays from half.
    dark_percent = rows.bit_count() / size**2 * 100
    score += int(abs(dark_percent - 50) / 5) * 10
    return score
