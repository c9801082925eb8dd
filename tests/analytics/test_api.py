"""`/api/v1/reports/volume/` and `/api/v1/reports/scan-quality/`: who may read them,
what they answer, and the CSV a spreadsheet opens."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from tests.analytics.conftest import seoul

VOLUME = "/api/v1/reports/volume/"
QUALITY = "/api/v1/reports/scan-quality/"
AUTUMN = {"from": "2026-10-01", "to": "2026-11-30"}


@pytest.fixture
def autumn(tag, scan):
    scan(tag, seoul(2026, 10, 31, 23, 59, 59), 1_234_567, source="qr", flags=["far_from_restaurant"])
    scan(tag, seoul(2026, 11, 1, 0, 0, 0), 2_500, status="held", physically_tapped=True)
    scan(tag, seoul(2026, 11, 2, 7), None, exception_code="bin_damaged")


def test_officials_get_volume_by_month_with_totals(api, official, autumn):
    body = api.as_user(official).get(VOLUME, {**AUTUMN, "group": "month"}).json()

    assert (body["from"], body["to"], body["group"]) == ("2026-10-01", "2026-11-30", "month")
    assert body["municipality"]["name"] == "서울특별시 마포구"
    october, november = body["rows"]
    assert (body["previous_from"], body["previous_to"], body["page"], body["pages"]) == (
        "2025-10-01",
        "2025-11-30",
        1,
        1,
    )
    previous = october.pop("previous")
    assert (previous["weight_g"], october.pop("weight_change_g"), october.pop("weight_change_percent")) == (
        0,
        1_234_567,
        None,
    )
    assert october == {
        "key": "2026-10",
        "label": "2026년 10월",
        "weight_g": 1_234_567,
        "weight_kg": "1234.567",
        "billable_g": 1_234_567,
        "billable_kg": "1234.567",
        "held_g": 0,
        "held_kg": "0.000",
        "collections": 1,
        "visits_not_collected": 0,
        "restaurants_served": 1,
    }
    assert (november["held_g"], november["billable_g"], november["visits_not_collected"]) == (2_500, 0, 1)
    totals = body["totals"]
    assert (totals["weight_g"], totals["weight_kg"], totals["collections"]) == (1_237_067, "1237.067", 2)
    # One restaurant served in both months counts once in the range; none a year earlier.
    assert (november["restaurants_served"], totals["restaurants_served"]) == (1, 1)
    assert totals["previous"]["restaurants_served"] == 0


def test_scan_quality_tells_flags_sources_and_taps_apart(api, official, autumn):
    body = api.as_user(official).get(QUALITY, AUTUMN).json()

    def counts(section):
        return {item["code"]: item["count"] for item in body[section]}

    assert body["scans"] == 3
    assert counts("flags")["far_from_restaurant"] == 1
    assert counts("sources") == {"nfc": 2, "qr": 1, "manual": 0}
    assert counts("physically_tapped") == {"tapped": 1, "not_tapped": 2}
    assert counts("exceptions")["bin_damaged"] == 1


@pytest.mark.parametrize("url", [VOLUME, QUALITY])
@pytest.mark.parametrize("persona", ["owner", "collector"])
def test_owners_and_crews_are_refused(api, url, persona, request, autumn):
    response = api.as_user(request.getfixturevalue(persona)).get(url, {**AUTUMN, "group": "month"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


@pytest.mark.parametrize("url", [VOLUME, QUALITY])
def test_anonymous_is_asked_to_sign_in(api, url, db):
    response = api.get(url, {**AUTUMN, "group": "month"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", [VOLUME, "/api/v1/reports/trends/"])
def test_a_format_reports_do_not_come_in_is_a_clear_400(api, official, url, db):
    response = api.as_user(official).get(url, {**AUTUMN, "format": "pdf"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unsupported_format" and "csv" in error["fields"]["format"][0]


def test_another_municipalitys_official_sees_only_their_own_numbers(api, stranger, other_city, f, scan, city, autumn):
    theirs = f.TagFactory(bin__restaurant__district=f.DistrictFactory(municipality=other_city, name="일산동"))
    scan(theirs, seoul(2026, 10, 10, 9), 7_000)
    client = api.as_user(stranger)

    body = client.get(VOLUME, {**AUTUMN, "group": "district"}).json()
    assert [(row["label"], row["weight_g"]) for row in body["rows"]] == [("일산동", 7_000)]
    assert body["totals"]["weight_g"] == 7_000
    assert client.get(QUALITY, AUTUMN).json()["scans"] == 1

    peek = client.get(VOLUME, {**AUTUMN, "group": "district", "municipality": str(city.id)})
    assert peek.status_code == 404
    assert peek.json()["error"]["code"] == "not_found"


def test_administrators_name_the_municipality(api, admin, city, autumn):
    client = api.as_user(admin)
    missing = client.get(VOLUME, {**AUTUMN, "group": "month"})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "municipality_required")

    body = client.get(VOLUME, {**AUTUMN, "group": "month", "municipality": str(city.id)}).json()
    assert body["totals"]["weight_g"] == 1_237_067
    assert client.get(QUALITY, {**AUTUMN, "municipality": "not-a-uuid"}).status_code == 404


@pytest.mark.parametrize(
    "params,code,field",
    [
        ({"from": "2026-10-01", "group": "month"}, "invalid_date", "to"),
        ({"from": "2026/10/01", "to": "2026-10-31", "group": "month"}, "invalid_date", "from"),
        ({"from": "20261001", "to": "2026-10-31", "group": "month"}, "invalid_date", "from"),
        ({"from": "2026-02-30", "to": "2026-03-31", "group": "month"}, "no_such_date", "from"),
        ({"from": "2026-02-01", "to": "2026-02-29", "group": "month"}, "no_such_date", "to"),
        ({"from": "2026-11-01", "to": "2026-10-31", "group": "month"}, "invalid_date_range", "to"),
        ({"from": "2025-10-01", "to": "2026-10-02", "group": "restaurant"}, "date_range_too_long", "to"),
        ({"from": "2000-01-01", "to": "2026-01-02", "group": "month"}, "date_range_too_long", "to"),
        ({**AUTUMN, "group": "fortnight"}, "invalid_group", "group"),
        (AUTUMN, "invalid_group", "group"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(api, official, params, code, field):
    response = api.as_user(official).get(VOLUME, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == (code, [field])


def test_a_leap_year_and_a_day_is_the_longest_range(api, official):
    response = api.as_user(official).get(VOLUME, {"from": "2027-10-01", "to": "2028-09-30", "group": "day"})
    assert response.status_code == 200
    assert len(response.json()["rows"]) == 366


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # what makes Excel read UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_volume_as_csv_for_a_spreadsheet(api, official, district, unserved_district, autumn):
    response = api.as_user(official).get(VOLUME, {**AUTUMN, "group": "district", "format": "csv"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "volume-district-2026-10-01-2026-11-30.csv" in response["Content-Disposition"]
    header, *rows, total = read_csv(response)
    assert header[:3] == ["구분 Key", "항목 Label", "무게(kg) Weight"]
    assert {row[1]: row[2] for row in rows} == {"상암동": "0.000", "서교동": "1237.067"}
    # … and beside them the same months a year earlier (nothing then: the change has no percent).
    # One restaurant served then, none a year earlier.
    assert total[1:] == ["합계 Total", "1237.067", "1234.567", "2.500", "2", "1", "1", "0", "0.000", "1237.067", ""]


def test_accept_text_csv_works_too_and_scan_quality_has_korean_headers(api, official, autumn):
    response = api.as_user(official).get(QUALITY, AUTUMN, HTTP_ACCEPT="text/csv")

    header, total, *rows = read_csv(response)
    assert header == ["분류 Category", "코드 Code", "항목 Label", "건수(건) Count"]
    assert total[-1] == "3"
    assert ["실물 태그 확인 Physically tapped", "tapped", "실물 태그 확인 (SUN)", "1"] in rows


def test_report_labels_follow_the_readers_language_and_the_headers_stay(api, official, autumn):
    """The rows' labels are in the reader's language (Korean unless they chose English);
    the CSV's headers and section names are its format and stay as they are."""
    client = api.as_user(official)
    client.cookies["django_language"] = "en"
    header, _total, *rows = read_csv(client.get(QUALITY, {**AUTUMN, "format": "csv"}))
    assert header == ["분류 Category", "코드 Code", "항목 Label", "건수(건) Count"]
    assert ["실물 태그 확인 Physically tapped", "tapped", "Physically tapped (SUN)", "1"] in rows
    months = client.get(VOLUME, {**AUTUMN, "group": "month"}).json()["rows"]
    assert [month["label"] for month in months] == ["October 2026", "November 2026"]
    assert client.get(VOLUME, {**AUTUMN, "group": "day"}).json()["rows"][0]["label"] == "1 Oct 2026"


def test_a_refused_csv_says_why(api, official):
    response = api.as_user(official).get(VOLUME, {"from": "x", "to": "y", "group": "month", "format": "csv"})
    assert response.status_code == 400
    assert read_csv(response)[1][0] == "invalid_date"


def test_a_day_that_does_not_exist_and_a_range_too_long_are_said_plainly(api, official):
    client = api.as_user(official)
    error = client.get(VOLUME, {"from": "2026-02-01", "to": "2026-02-29", "group": "month"}).json()["error"]
    assert error["message"] == "2026-02-29은(는) 달력에 없는 날짜입니다."
    error = client.get(VOLUME, {"from": "2000-01-01", "to": "2026-01-02", "group": "month"}).json()["error"]
    assert error["message"] == "보고서 기간은 최대 25년입니다."
    client.cookies["django_language"] = "en"
    error = client.get(VOLUME, {"from": "2025-10-01", "to": "2026-10-02", "group": "restaurant"}).json()["error"]
    assert error["message"] == "A report covers at most 366 days."


def read_xlsx(response) -> list[list]:
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"  # the header stays in view
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_volume_as_an_excel_workbook_with_numbers_as_numbers(api, official, district, unserved_district, autumn):
    response = api.as_user(official).get(VOLUME, {**AUTUMN, "group": "district", "format": "xlsx"})

    assert response.status_code == 200
    assert "volume-district-2026-10-01-2026-11-30.xlsx" in response["Content-Disposition"]
    header, *rows, total = read_xlsx(response)
    assert header[2:9] == [
        "무게(kg) Weight",
        "청구 대상(kg) Billable",
        "확인 대기(kg) Held",
        "수거 건수(건) Collections",
        "미수거 방문(건) Visits not collected",
        "영업장 수(곳) Restaurants served",
        "전년 동기 영업장 수(곳) Restaurants served a year earlier",
    ]
    assert {row[1]: row[2] for row in rows} == {"상암동": 0, "서교동": 1237.067}
    assert {row[1]: row[7] for row in rows} == {"상암동": 0, "서교동": 1}
    assert total[1:11] == ["합계 Total", 1237.067, 1234.567, 2.5, 2, 1, 1, 0, 0, 1237.067]
    assert total[11] is None  # no percent against nothing: an empty cell, not a text


@pytest.mark.parametrize("group", ["month", "week", "day", "year", "district", "dong", "business_type"])
def test_restaurants_served_is_a_whole_number_in_every_grouping(api, official, autumn, group):
    """A count, as the schema says: 1, not 1.0 (PostgreSQL's SUM of bigints is numeric)."""
    body = api.as_user(official).get(VOLUME, {**AUTUMN, "group": group}).json()
    counts = [row["restaurants_served"] for row in body["rows"]]
    counts += [body["totals"]["restaurants_served"], body["totals"]["previous"]["restaurants_served"]]
    counts += [row["previous"]["restaurants_served"] for row in body["rows"]]
    assert counts and all(type(count) is int for count in counts), counts
    assert 1 in counts


def test_restaurants_served_is_left_empty_where_the_grouping_cannot_say(api, official, autumn):
    client = api.as_user(official)
    body = client.get(VOLUME, {**AUTUMN, "group": "hauler"}).json()
    assert {row["restaurants_served"] for row in body["rows"]} == {None}
    assert body["totals"]["restaurants_served"] is None
    _header, *rows, _total = read_xlsx(client.get(VOLUME, {**AUTUMN, "group": "hauler", "format": "xlsx"}))
    assert {row[7] for row in rows} == {None}


def test_every_restaurant_and_scan_quality_as_excel_and_a_refusal_says_why(api, official, autumn):
    client = api.as_user(official)
    _header, *rows, total = read_xlsx(client.get(VOLUME, {**AUTUMN, "group": "restaurant", "format": "xlsx"}))
    assert [row[1] for row in rows] == ["할매순대국"]
    assert Decimal(str(total[2])) == Decimal("1237.067")
    header, scans, *_rows = read_xlsx(client.get(QUALITY, {**AUTUMN, "format": "xlsx"}))
    assert header == ["분류 Category", "코드 Code", "항목 Label", "건수(건) Count"] and scans[-1] == 3
    refused = client.get(VOLUME, {"from": "2026-10-01", "to": "2026-09-01", "group": "month", "format": "xlsx"})
    assert refused.status_code == 400
    assert read_xlsx(refused)[1][0] == "invalid_date_range"


def test_queries_stay_constant_through_the_api(api, official, autumn, django_assert_max_num_queries):
    client = api.as_user(official)
    with django_assert_max_num_queries(5):  # token+user, municipality, districts, the grouped rows
        assert client.get(VOLUME, {**AUTUMN, "group": "district"}).status_code == 200


def test_years_by_month_with_the_same_months_a_year_earlier(api, official, tag, scan):
    scan(tag, seoul(2021, 3, 4, 9), 1_000)
    scan(tag, seoul(2025, 3, 4, 9), 4_000)
    scan(tag, seoul(2026, 3, 31, 23, 59), 5_000)
    body = api.as_user(official).get(VOLUME, {"from": "2021-01-01", "to": "2026-12-31", "group": "year"}).json()

    by_year = {
        row["key"]: (row["weight_g"], row["previous"]["weight_g"], row["weight_change_percent"]) for row in body["rows"]
    }
    assert by_year == {
        "2021": (1_000, 0, None),
        "2022": (0, 1_000, -100.0),
        "2023": (0, 0, None),
        "2024": (0, 0, None),
        "2025": (4_000, 0, None),
        "2026": (5_000, 4_000, 25.0),
    }
    assert (body["previous_from"], body["previous_to"]) == ("2020-01-01", "2025-12-31")


def test_a_name_a_spreadsheet_would_run_stays_text_in_the_csv(api, official, f, district, scan):
    """Restaurant names come from owners and register files: one typed as a formula must
    open in Excel as text, and the figures beside it stay numbers."""
    for name in ('=HYPERLINK("http://example.com")', "-1+2", "+82 식당", "@식당"):
        scan(f.TagFactory(bin__restaurant__district=district, bin__restaurant__name=name), seoul(2026, 10, 5, 9), 1_500)
    client = api.as_user(official)
    _header, *rows, _total = read_csv(client.get(VOLUME, {**AUTUMN, "group": "restaurant", "format": "csv"}))
    assert sorted(row[1] for row in rows) == ["'+82 식당", "'-1+2", '\'=HYPERLINK("http://example.com")', "'@식당"]
    assert {row[2] for row in rows} == {"1.500"}


def test_restaurants_page_in_json_and_all_of_them_in_the_csv(api, official, f, district, tag, scan, monkeypatch):
    from backend.analytics import selectors

    monkeypatch.setattr(selectors, "RESTAURANT_PAGE_ROWS", 2)
    for name in ("가", "나", "다"):
        scan(f.TagFactory(bin__restaurant__district=district, bin__restaurant__name=name), seoul(2026, 10, 5, 9), 1_000)
    client = api.as_user(official)
    second = client.get(VOLUME, {**AUTUMN, "group": "restaurant", "page": "2"}).json()
    assert (second["page"], second["pages"], [row["label"] for row in second["rows"]]) == (2, 2, ["다", "할매순대국"])
    assert second["totals"]["collections"] == 3

    _header, *rows, total = read_csv(client.get(VOLUME, {**AUTUMN, "group": "restaurant", "format": "csv"}))
    assert [row[1] for row in rows] == ["가", "나", "다", "할매순대국"]
    assert total[5] == "3"
    assert client.get(VOLUME, {**AUTUMN, "group": "restaurant", "page": "3"}).json()["error"]["code"] == "invalid_page"
    assert client.get(VOLUME, {**AUTUMN, "group": "restaurant", "page": "abc"}).status_code == 400
    # Only by restaurant has pages: a page kept in a link to another grouping is not read.
    for page in ("abc", "5"):
        month = client.get(VOLUME, {**AUTUMN, "group": "month", "page": page})
        assert month.status_code == 200 and (month.json()["page"], month.json()["pages"]) == (1, 1)
