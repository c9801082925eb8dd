"""Reports as CSV for spreadsheets: Korean headers, UTF-8 with a byte-order mark,
without which Excel reads the file as the local code page and garbles Korean.

The open data's CSV keeps its machine column names (with their units: `collected_kg`)
as its header, so that a program reads it as it reads the JSON; the BOM stays (csv
readers that expect it, and Python's `utf-8-sig`, skip it)."""

import csv
import io

from rest_framework.renderers import BaseRenderer

from backend.collection_events.weights import grams_to_kg

BOM = "\ufeff"

VOLUME_HEADER = [
    "구분 Key",
    "항목 Label",
    "무게(kg) Weight",
    "청구 대상(kg) Billable",
    "확인 대기(kg) Held",
    "수거 건수 Collections",
    "미수거 방문 Visits not collected",
    "전년 동기 무게(kg) Weight a year earlier",
    "증감(kg) Change",
    "증감률(%) Change (%)",
]
SCAN_QUALITY_HEADER = ["분류 Category", "코드 Code", "항목 Label", "건수 Count"]
SCAN_QUALITY_SECTIONS = {
    "flags": "확인 표시 Flags",
    "sources": "입력 방식 Source",
    "physically_tapped": "실물 태그 확인 Physically tapped",
    "exceptions": "미수거 사유 Exceptions",
    "statuses": "상태 Status",
}


def volume_table(body: dict) -> list[list]:
    """The volume report's JSON body as rows; kilograms as plain numbers for sums."""
    lines = [*body["rows"], {"key": "total", "label": "합계 Total", **body["totals"]}]
    return [VOLUME_HEADER] + [
        [
            line["key"],
            line["label"],
            line["weight_kg"],
            line["billable_kg"],
            line["held_kg"],
            line["collections"],
            line["visits_not_collected"],
            line["previous"]["weight_kg"],
            str(grams_to_kg(line["weight_change_g"])),
            "" if line["weight_change_percent"] is None else line["weight_change_percent"],
        ]
        for line in lines
    ]


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
    csv.writer(text).writerows(rows)
    return (BOM + text.getvalue()).encode("utf-8")


class ReportCsvRenderer(BaseRenderer):
    """`?format=csv` or `Accept: text/csv`. The view says how its body becomes rows
    (`csv_table`) and what the file is called (`csv_filename`)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        renderer_context = renderer_context or {}
        response, view = renderer_context.get("response"), renderer_context.get("view")
        if data is None:
            return b""
        if "error" in data:
            error = data["error"]
            return csv_bytes([["오류 코드 Error code", "메시지 Message"], [error["code"], error["message"]]])
        request = renderer_context.get("request")
        if request is not None and request.method == "OPTIONS":  # DRF's metadata, not a report
            return csv_bytes([["이름 Name", "설명 Description"], [data.get("name", ""), data.get("description", "")]])
        if response is not None:
            response["Content-Disposition"] = f'attachment; filename="{view.csv_filename(data)}"'
        return csv_bytes(view.csv_table(data))
