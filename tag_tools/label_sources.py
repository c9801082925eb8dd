"""Where label contents come from: a CSV file an official prepared, or the backend's bins and their active tags."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from backend.tags import codes
from tag_tools.backend_api import BackendClient
from tag_tools.errors import ExitStatus, ToolError
from tag_tools.labels import LabelContent

CSV_COLUMNS = ("code", "url", "manual_code", "restaurant_name", "bin_label")


@dataclass(frozen=True)
class LabelBatch:
    labels: list[LabelContent]
    skipped: int  # bins without an active tag


def labels_from_csv(path: Path) -> LabelBatch:
    """Read label rows; the manual code may be raw (ABCDEFGHK) or printed (ABCD-EFGH-K) and is checked."""
    rows = csv.DictReader(io.StringIO(_decoded(path)))
    missing = [column for column in CSV_COLUMNS if column not in (rows.fieldnames or [])]
    if missing:
        raise _csv_error(
            path, 1, f"열이 없습니다 / missing columns: {', '.join(missing)} (need {','.join(CSV_COLUMNS)})"
        )
    labels = []
    for row in rows:
        line = rows.line_num
        values = {column: (row.get(column) or "").strip() for column in CSV_COLUMNS}
        reference = codes.parse_tag_reference(values["url"])
        if not values["url"].startswith(("https://", "http://")) or reference.code is None:
            raise _csv_error(path, line, f"url {values['url']!r} is not a tag URL ending in /t/<code>")
        if values["code"] and values["code"] != reference.code:
            raise _csv_error(path, line, f"code {values['code']!r} does not match the URL's code {reference.code!r}")
        labels.append(
            LabelContent(
                url=values["url"],
                manual_code_display=_manual_code_display(path, line, values["manual_code"]),
                restaurant_name=values["restaurant_name"],
                bin_label=values["bin_label"],
            )
        )
    return LabelBatch(labels, skipped=0)


def labels_from_backend(client: BackendClient, *, restaurant: str | None, district: str | None) -> LabelBatch:
    labels, skipped = [], 0
    for row in client.bins(restaurant=restaurant, district=district):
        tag = row.get("active_tag")
        if not tag or tag.get("status", "active") != "active":
            skipped += 1
            continue
        labels.append(
            LabelContent(
                url=tag["url"],
                manual_code_display=tag.get("manual_code_display") or codes.format_manual_code(tag["manual_code"]),
                restaurant_name=row.get("restaurant_name") or "",
                bin_label=row.get("label") or "",
            )
        )
    return LabelBatch(labels, skipped)


def _decoded(path: Path) -> str:
    """CSV text: UTF-8 (with or without Excel's BOM), or CP949, which Korean Excel saves by default."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ToolError(
            "csv_unreadable", f"CSV 파일을 읽을 수 없습니다. Cannot read {path}: {error}", ExitStatus.INPUT
        ) from error
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ToolError(
        "csv_encoding", f"CSV 인코딩을 알 수 없습니다. {path} is neither UTF-8 nor CP949.", ExitStatus.INPUT
    )


def _manual_code_display(path: Path, line: int, raw: str) -> str:
    manual = codes.normalize_manual_code(raw)
    if len(manual) != codes.MANUAL_LENGTH or not codes.is_valid_manual_code(manual):
        raise _csv_error(path, line, f"manual_code {raw!r} is not a valid 9-character manual code (check character)")
    return codes.format_manual_code(manual)


def _csv_error(path: Path, line: int, detail: str) -> ToolError:
    return ToolError("csv_invalid", f"CSV 오류 {path}:{line}: {detail}", ExitStatus.INPUT)
