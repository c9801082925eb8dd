"""`/api/v1/reports/trends/`, `/service/`, `/money/`: who may read them, what they
answer, and their spreadsheets (CSV and Excel), whose every figure column names its unit."""

import csv
import io
from datetime import date

import pytest

from backend.pickup_requests.models import PickupRequest
from backend.restaurants.models import Restaurant
from tests.analytics.conftest import seoul
from tests.analytics.test_api import read_xlsx
from tests.analytics.test_officials_reports import invoice

TRENDS, SERVICE, MONEY = "/api/v1/reports/trends/", "/api/v1/reports/service/", "/api/v1/reports/money/"
URLS = [TRENDS, SERVICE, MONEY]
OCTOBER = {"from": "2026-10-01", "to": "2026-10-31"}
# A figure's column says its unit: kg, KRW (원), counts (건), restaurants (개소), days (일) or %.
UNITS = ("(kg)", "(원)", "(건)", "(개소)", "(일)", "(%)")


@pytest.fixture
def october(tag, scan, restaurant, owner):
    Restaurant.objects.filter(id=restaurant.id).update(created_at=seoul(2024, 1, 1))
    scan(tag, seoul(2026, 10, 20, 7), 30_000)
    scan(tag, seoul(2026, 10, 22, 7), None)
    PickupRequest.objects.create(
        restaurant=restaurant, kind="extra_pickup", requested_for=date(2026, 10, 3), status="done", requested_by=owner
    )
    invoice(restaurant, date(2026, 10, 1), total=12_340, paid=2_340, due=date(2026, 11, 30))


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_officials_read_each_report(api, official, october):
    client = api.as_user(official)
    trends = client.get(TRENDS, OCTOBER).json()
    assert [(row["name"], row["weight_kg"]) for row in trends["top"]] == [("할매순대국", "30.000")]
    assert trends["by_district"]["total"]["cells"][0]["kg_per_restaurant_day"] == "0.97"  # 30 kg / 1 / 31

    service = client.get(SERVICE, OCTOBER).json()
    assert (service["totals"]["requested"], service["totals"]["done"], service["totals"]["not_put_out"]) == (1, 1, 1)
    assert service["by_crew"][0]["by_code"]["not_put_out"] == 1

    money = client.get(MONEY, OCTOBER).json()
    assert (money["totals"]["billed_krw"], money["totals"]["paid_krw"], money["totals"]["outstanding_krw"]) == (
        12_340,
        2_340,
        10_000,
    )


@pytest.mark.parametrize(
    "url,parts",
    [
        (TRENDS, ["by_district", "by_business_type", "top", "changes", "idle"]),
        (SERVICE, ["months", "crews", "haulers"]),
        (MONEY, ["months", "districts", "cells", "arrears"]),
    ],
)
def test_every_part_downloads_with_units_in_its_headers(api, official, october, url, parts):
    client = api.as_user(official)
    for part in parts:
        response = client.get(url, {**OCTOBER, "part": part, "format": "csv"})
        header, *lines = rows_of(response)
        assert response["Content-Disposition"].endswith(f'-{part.replace("_", "-")}-2026-10-01-2026-10-31.csv"')
        figures = [column for column in header if any(unit in column for unit in UNITS)]
        assert figures and lines, (part, header)
        # The same table as an Excel workbook, figures as numbers.
        workbook = client.get(url, {**OCTOBER, "part": part, "format": "xlsx"})
        assert workbook["Content-Disposition"].endswith(f'-{part.replace("_", "-")}-2026-10-01-2026-10-31.xlsx"')
        assert read_xlsx(workbook)[0] == header
        # Korean first, English too, in every column name.
        assert all(
            any("가" <= ch <= "힣" for ch in column) and any(ch.isascii() and ch.isalpha() for ch in column)
            for column in header
        )


def test_the_money_csv_and_workbook_have_integer_won_and_the_collection_rate(api, official, october):
    header, *lines = rows_of(api.as_user(official).get(MONEY, {**OCTOBER, "part": "months", "format": "csv"}))
    assert header[2:] == [
        "청구 건수(건) Invoices",
        "청구액(원) Billed (KRW)",
        "수납액(원) Paid (KRW)",
        "미수액(원) Outstanding (KRW)",
        "수납률(%) Paid (%)",
    ]
    # 2,340 of 12,340 won paid: 19.0 %, as on the page.
    assert lines == [
        ["2026-10", "2026년 10월", "1", "12340", "2340", "10000", "19.0"],
        ["total", "합계", "1", "12340", "2340", "10000", "19.0"],
    ]
    workbook = api.as_user(official).get(MONEY, {**OCTOBER, "part": "months", "format": "xlsx"})
    assert read_xlsx(workbook)[1][2:] == [1, 12_340, 2_340, 10_000, 19.0]
    header, *lines = rows_of(api.as_user(official).get(MONEY, {**OCTOBER, "part": "districts", "format": "csv"}))
    assert header[-1] == "수납률(%) Paid (%)" and lines[-1][-1] == "19.0"


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("persona", ["owner", "collector"])
def test_owners_and_crews_are_refused(api, url, persona, request, october):
    response = api.as_user(request.getfixturevalue(persona)).get(url, OCTOBER)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_asked_to_sign_in(api, url, db):
    assert api.get(url, OCTOBER).status_code == 401


def test_another_municipalitys_official_sees_none_of_ours(api, stranger, city, october):
    client = api.as_user(stranger)
    assert client.get(TRENDS, OCTOBER).json()["top"] == []
    assert client.get(SERVICE, OCTOBER).json()["totals"]["visits"] == 0
    assert client.get(MONEY, OCTOBER).json()["totals"]["billed_krw"] == 0
    for url in URLS:
        peek = client.get(url, {**OCTOBER, "municipality": str(city.id)})
        assert peek.status_code == 404
        assert peek.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "url,params,code,field",
    [
        (TRENDS, {"part": "everything"}, "invalid_part", "part"),
        (TRENDS, {"limit": "0"}, "invalid_limit", "limit"),
        (TRENDS, {"idle_days": "366"}, "invalid_idle_days", "idle_days"),
        (MONEY, {"part": "x", "format": "csv"}, "invalid_part", "part"),
        (SERVICE, {"from": "2026-10-01", "to": "2027-12-31"}, "date_range_too_long", "to"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(api, official, url, params, code, field):
    response = api.as_user(official).get(url, {**OCTOBER, **params})
    assert response.status_code == 400
    if params.get("format") == "csv":  # the error as a table, like the volume report's
        assert code in response.content.decode("utf-8-sig")
        return
    assert response.json()["error"]["code"] == code
    assert field in response.json()["error"]["fields"]
