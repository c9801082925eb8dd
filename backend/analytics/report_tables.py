"""The trends, service and money reports as spreadsheet rows: one table per part of a
report (`?part=`), from the report's JSON body, under Korean-and-English headers that
each carry their unit. Figures stay numbers (int, Decimal) so that a spreadsheet sums
them; an empty cell is a figure that does not exist (no restaurant, nothing a year earlier)."""

from decimal import Decimal

from backend.analytics.service import EXCEPTION_CODES
from backend.billing.arrears import BUCKET_CODES

EXCEPTION_HEADINGS = {
    "not_put_out": "미배출(건) Not put out",
    "contaminated": "이물질 혼입(건) Contaminated",
    "overfilled": "과적(건) Overfilled",
    "bin_damaged": "용기 파손(건) Bin damaged",
    "no_access": "접근 불가(건) No access",
    "tag_unreadable": "태그 인식 불가(건) Tag unreadable",
}
# Days past due: (Korean, English).
BUCKET_HEADINGS = {
    "under_30": ("30일 미만", "under 30 days"),
    "30_59": ("30–59일", "30–59 days"),
    "60_89": ("60–89일", "60–89 days"),
    "90_plus": ("90일 이상", "90 days or more"),
}


def _number(text: str | None) -> Decimal | str:
    return "" if text is None else Decimal(text)


def _blank(value) -> object:
    return "" if value is None else value


# Trends


def intensity_table(section: dict) -> list[list]:
    header = [
        "월 Month",
        "구분 Key",
        "항목 Label",
        "무게(kg) Weight",
        "음식점(개소) Restaurants",
        "일수(일) Days",
        "1개소 1일 배출량(kg) kg per restaurant per day",
    ]
    rows = [*section["rows"], section["total"]]
    return [header] + [
        [
            cell["month"],
            row["key"],
            row["label"],
            Decimal(cell["weight_kg"]),
            cell["restaurants"],
            cell["days"],
            _number(cell["kg_per_restaurant_day"]),
        ]
        for row in rows
        for cell in row["cells"]
    ]


def top_table(body: dict) -> list[list]:
    header = [
        "순위 Rank",
        "음식점 ID Restaurant ID",
        "음식점 Restaurant",
        "동 District",
        "무게(kg) Weight",
        "수거 건수(건) Collections",
    ]
    return [header] + [
        [rank, row["restaurant_id"], row["name"], row["district"], Decimal(row["weight_kg"]), row["collections"]]
        for rank, row in enumerate(body["top"], start=1)
    ]


def changes_table(body: dict) -> list[list]:
    header = [
        "방향 Direction",
        "음식점 ID Restaurant ID",
        "음식점 Restaurant",
        "동 District",
        "무게(kg) Weight",
        "전년 동기 무게(kg) Weight a year earlier",
        "증감(kg) Change",
        "증감률(%) Change (%)",
    ]
    return [header] + [
        [
            direction,
            row["restaurant_id"],
            row["name"],
            row["district"],
            Decimal(row["weight_kg"]),
            Decimal(row["previous_kg"]),
            Decimal(row["change_kg"]),
            _blank(row["change_percent"]),
        ]
        for direction, key in (("증가 Up", "grew"), ("감소 Down", "fell"))
        for row in body[key]
    ]


def idle_table(body: dict) -> list[list]:
    header = [
        "음식점 ID Restaurant ID",
        "음식점 Restaurant",
        "동 District",
        "주소 Address",
        "마지막 수거 Last collected",
        "경과 일수(일) Days since",
    ]
    return [header] + [
        [
            row["restaurant_id"],
            row["name"],
            row["district"],
            row["address"],
            _blank(row["last_collected_at"]),
            _blank(row["days_since"]),
        ]
        for row in body["idle"]["rows"]
    ]


TRENDS_PARTS = {
    "by_district": lambda body: intensity_table(body["by_district"]),
    "by_business_type": lambda body: intensity_table(body["by_business_type"]),
    "top": top_table,
    "changes": changes_table,
    "idle": idle_table,
}


# Service


def service_months_table(body: dict) -> list[list]:
    header = [
        "월 Month",
        "항목 Label",
        "추가 수거 요청(건) Extra pickups requested",
        "완료(건) Done",
        "반려(건) Turned down",
        "취소(건) Cancelled",
        "처리 중(건) Open",
        "완료율(%) Done (%)",
        "미수거 신고(건) Missed pickups reported",
        "방문(건) Visits",
        "수거(건) Collections",
        "미배출(건) Not put out",
        "작업 예외(건) Crew exceptions",
    ]
    return [header] + [
        [
            row["month"],
            row["label"],
            row["requested"],
            row["done"],
            row["turned_down"],
            row["cancelled"],
            row["open"],
            _blank(row["done_percent"]),
            row["missed"],
            row["visits"],
            row["collections"],
            row["not_put_out"],
            row["exceptions"],
        ]
        for row in [*body["months"], {**body["totals"], "month": "total"}]
    ]


def _exceptions_table(rows: list[dict], first: list[str]) -> list[list]:
    header = [
        *first,
        "방문(건) Visits",
        *(EXCEPTION_HEADINGS[code] for code in EXCEPTION_CODES),
        "작업 예외 합계(건) Exceptions",
        "예외율(%) Exceptions (%)",
    ]
    return [header] + [
        [
            *([row["key"], row["label"], row["hauler"]] if len(first) == 3 else [row["key"], row["label"]]),
            row["visits"],
            *(row["by_code"][code] for code in EXCEPTION_CODES),
            row["exceptions"],
            _blank(row["exception_percent"]),
        ]
        for row in rows
    ]


SERVICE_PARTS = {
    "months": service_months_table,
    "crews": lambda body: _exceptions_table(
        body["by_crew"], ["아이디 Username", "작업자 Crew member", "수거업체 Hauler"]
    ),
    "haulers": lambda body: _exceptions_table(body["by_hauler"], ["구분 Key", "수거업체 Hauler"]),
}


# Money

_MONEY_HEADER = [
    "청구 건수(건) Invoices",
    "청구액(원) Billed (KRW)",
    "수납액(원) Paid (KRW)",
    "미수액(원) Outstanding (KRW)",
]
# The pages' and the JSON's collection rate, beside the sums it is worked out from.
_PAID_PERCENT = "수납률(%) Paid (%)"


def _money(row: dict) -> list:
    return [row["invoices"], row["billed_krw"], row["paid_krw"], row["outstanding_krw"]]


def money_months_table(body: dict) -> list[list]:
    header = ["청구 월 Month billed", "항목 Label", *_MONEY_HEADER, _PAID_PERCENT]
    lines = [*body["by_month"], {**body["totals"], "key": "total"}]
    return [header] + [[row["key"], row["label"], *_money(row), row["paid_percent"]] for row in lines]


def money_districts_table(body: dict) -> list[list]:
    header = ["동 ID District ID", "동 District", *_MONEY_HEADER, _PAID_PERCENT]
    lines = [*body["by_district"], {**body["totals"], "key": "total"}]
    return [header] + [[row["key"], row["label"], *_money(row), row["paid_percent"]] for row in lines]


def money_cells_table(body: dict) -> list[list]:
    header = ["청구 월 Month billed", "동 ID District ID", "동 District", *_MONEY_HEADER]
    return [header] + [[row["month"], row["district_id"], row["district"], *_money(row)] for row in body["cells"]]


def arrears_table(body: dict) -> list[list]:
    header = ["동 ID District ID", "동 District"]
    for code in BUCKET_CODES:
        korean, english = BUCKET_HEADINGS[code]
        header += [f"{korean} 연체(건) Invoices {english}", f"{korean} 연체액(원) Owed {english} (KRW)"]
    header += ["연체 합계(건) Invoices in arrears", "연체액 합계(원) Owed in arrears (KRW)"]
    lines = [*body["arrears"]["rows"], body["arrears"]["total"]]
    return [header] + [
        [
            row["key"],
            row["label"],
            *(figure for bucket in row["buckets"] for figure in (bucket["invoices"], bucket["owed_krw"])),
            row["invoices"],
            row["owed_krw"],
        ]
        for row in lines
    ]


MONEY_PARTS = {
    "months": money_months_table,
    "districts": money_districts_table,
    "cells": money_cells_table,
    "arrears": arrears_table,
}
