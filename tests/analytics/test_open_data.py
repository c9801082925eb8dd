"""`/api/v1/open-data/volumes/` and `/open-data/`: collected volumes for anyone, by local
month, district and business type, with no cell describing fewer than five restaurants
and nothing to subtract a withheld cell from."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.analytics.open_data import COLUMNS
from tests.analytics.conftest import seoul

URL = "/api/v1/open-data/volumes/"
AUTUMN = {"municipality": "11440", "from": "2026-10", "to": "2026-11"}


@pytest.fixture
def december(time_machine):
    """20 December: November ended more than SCAN_MAX_AGE_DAYS (14) ago, December has not."""
    time_machine.move_to(seoul(2026, 12, 20, 10))


@pytest.fixture
def town(f, city, district, scan, december):
    """Five pubs weighed at 23:30 on 31 October (one of them also at midnight on 1
    November, and held and voided in October); a sixth pub only held; four Korean
    restaurants weighed in October."""

    def tag(business_type):
        return f.TagFactory(bin__restaurant__district=district, bin__restaurant__business_type=business_type)

    pubs = [tag("pub") for _ in range(6)]
    for i, pub in enumerate(pubs[:5]):
        scan(pub, seoul(2026, 10, 31, 23, 30), 1_000 + i)
    scan(pubs[0], seoul(2026, 11, 1, 0, 0), 2_000)
    scan(pubs[0], seoul(2026, 10, 15, 9), 7_000, status="held")
    scan(pubs[0], seoul(2026, 10, 16, 9), 9_000, status="void")
    scan(pubs[5], seoul(2026, 10, 17, 9), 8_000, status="held")
    for _ in range(4):
        scan(tag("korean"), seoul(2026, 10, 10, 9), 3_000)


def cell(body, month, business_type):
    (row,) = [row for row in body["rows"] if (row["month"], row["business_type"]) == (month, business_type)]
    return row


def test_five_restaurants_are_published_four_are_not_and_there_is_no_total(api, town):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(URL, AUTUMN)
    # The municipality, its districts, the grouped figures (beside the cache and the rate limit's counter).
    assert len([q for q in queries if "municipalities_" in q["sql"] or "collection_events_" in q["sql"]]) == 3
    with CaptureQueriesContext(connection) as again:  # November again: its cells are in the cache
        assert cell(api.get(URL, {**AUTUMN, "from": "2026-11"}).json(), "2026-11", "pub")["suppressed"] is True
    assert not [q for q in again if "collection_events_" in q["sql"]]

    assert response.status_code == 200
    body = response.json()
    october_pubs = cell(body, "2026-10", "pub")
    assert october_pubs == {
        "municipality_code": "11440",
        "month": "2026-10",
        "district_code": october_pubs["district_code"],
        "district_name": "서교동",
        "business_type": "pub",
        "business_type_name_ko": "호프/통닭",
        "business_type_name_en": "Pub, fried chicken",
        "restaurants_count": 5,  # the pub that was only held is not one of them
        "collections_count": 5,
        "collected_kg": "5.010",  # 1,000 + … + 1,004 g at 23:30 on the 31st; held and void left out
        "suppressed": False,
    }
    for month, business_type in [("2026-10", "korean"), ("2026-11", "pub"), ("2026-11", "buffet")]:
        withheld = cell(body, month, business_type)
        assert withheld["suppressed"] is True
        figures = [withheld[key] for key in ("restaurants_count", "collections_count", "collected_kg")]
        assert figures == [None, None, None]

    # Every cell once (2 months × 1 district × 10 business types), and no sum of any of
    # them: neither the Korean cell's 12 kg nor anything it could be subtracted from.
    assert len(body["rows"]) == 20 and set(body) == {"municipality", "from", "to", "min_restaurants", "columns", "rows"}
    text = json.dumps(body) + api.get(URL, {**AUTUMN, "format": "csv"}).content.decode("utf-8-sig")
    for kg in ("12.000", "17.010", "19.010", "7.010", "12", "17.01"):
        assert f'"{kg}"' not in text and f",{kg}," not in text and f",{kg}\r" not in text, kg
    assert {str(row["collected_kg"]) for row in body["rows"]} == {"5.010", "None"}


def test_the_csv_names_its_units_and_leaves_withheld_figures_empty(api, town):
    response = api.get(URL, {**AUTUMN, "format": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    assert 'filename="collected-volumes-11440-2026-10-2026-11.csv"' in response["Content-Disposition"]
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    assert header == COLUMNS
    figures = [column for column in header if column.startswith(("restaurants", "collections", "collected"))]
    assert figures == ["restaurants_count", "collections_count", "collected_kg"]
    table = [dict(zip(header, row, strict=True)) for row in rows]
    pubs, koreans = (
        next(row for row in table if (row["month"], row["business_type"]) == ("2026-10", kind))
        for kind in ("pub", "korean")
    )
    assert (pubs["collected_kg"], pubs["restaurants_count"], pubs["suppressed"]) == ("5.010", "5", "false")
    assert (koreans["collected_kg"], koreans["restaurants_count"], koreans["suppressed"]) == ("", "", "true")


def test_anyone_may_download_it_and_caches_may_keep_it(api, official, town):
    anonymous = api.get(URL, AUTUMN)
    assert anonymous.status_code == 200
    assert anonymous["Cache-Control"] == "public, max-age=3600"
    assert "Accept" in anonymous["Vary"]
    assert anonymous["Access-Control-Allow-Origin"] == "*"  # another site's script may read it
    # Signed in or not, the same answer: nobody's account is consulted.
    assert api.as_user(official).get(URL, AUTUMN).content == anonymous.content
    assert api.get(URL, AUTUMN, HTTP_ACCEPT="text/csv")["Content-Type"].startswith("text/csv")
    # A refusal is not for caches to keep.
    assert api.get(URL, {**AUTUMN, "to": "2026-12"})["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "params,code,field",
    [
        ({"from": "2026-10", "to": "2026-11"}, "municipality_required", "municipality"),
        ({**AUTUMN, "municipality": "99999"}, "unknown_municipality", "municipality"),
        ({**AUTUMN, "municipality": "1144\x000"}, "unknown_municipality", "municipality"),
        ({**AUTUMN, "from": "2026-11", "to": "2026-10"}, "invalid_month_range", "to"),
        ({**AUTUMN, "from": "2024-10", "to": "2026-10"}, "month_range_too_long", "to"),
        ({**AUTUMN, "from": "2026-13"}, "invalid_month", "from"),
        ({**AUTUMN, "to": "2026-11-30"}, "invalid_month", "to"),
        ({**AUTUMN, "from": "0000-01"}, "date_out_of_range", "from"),
        ({**AUTUMN, "to": "2026-12"}, "month_not_published", "to"),
        ({**AUTUMN, "format": "xml"}, "invalid_format", "format"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(api, city, december, params, code, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == (code, [field])


def test_two_years_of_months_is_the_longest_range_and_a_year_the_default(api, city, district, december):
    longest = api.get(URL, {**AUTUMN, "from": "2024-12", "to": "2026-11"}).json()
    assert (longest["from"], longest["to"], len(longest["rows"])) == ("2024-12", "2026-11", 24 * 10)
    default = api.get(URL, {"municipality": "11440"}).json()
    assert (default["from"], default["to"]) == ("2025-12", "2026-11")


def test_the_page_explains_the_dataset_and_links_the_downloads(client, city, december):
    page = client.get("/open-data/").content.decode()

    assert "수거량" in page and "collected_kg" in page and "5곳 미만" in page
    assert f"{URL}?municipality=11440&amp;from=2025-12&amp;to=2026-11&amp;format=csv" in page
    assert f"{URL}?municipality=11440&amp;from=2025-12&amp;to=2026-11&amp;format=json" in page

    wrong = client.get("/open-data/", {"municipality": "11440", "from": "2026-11", "to": "2026-10"}).content.decode()
    assert "종료 월이 시작 월보다 빠릅니다." in wrong and 'value="2026-11"' in wrong and "download-csv" not in wrong
    unknown = client.get("/open-data/", {"municipality": "99999"}).content.decode()
    assert "그 코드의 지자체가 없습니다." in unknown and "download-csv" not in unknown


def test_officials_and_visitors_find_the_page(client, official):
    assert 'href="/open-data/"' in client.get("/login/").content.decode()
    client.force_login(official)
    assert 'href="/open-data/"' in client.get("/reports/").content.decode()


def test_a_month_is_published_once_no_late_scan_can_reach_it(api, city, time_machine):
    """Scans older than SCAN_MAX_AGE_DAYS (14) are refused: November is published from
    15 December, Seoul time, when no late scan can add a restaurant to one of its cells."""
    time_machine.move_to(seoul(2026, 12, 14, 23, 30))
    assert api.get(URL, {"municipality": "11440"}).json()["to"] == "2026-10"
    time_machine.move_to(seoul(2026, 12, 15, 0, 30))
    assert api.get(URL, {"municipality": "11440"}).json()["to"] == "2026-11"


def test_one_address_asking_too_often_is_told_when_to_come_back(api, city, district, december, settings):
    settings.OPEN_DATA_RATE = "2/min"
    assert [api.get(URL, AUTUMN).status_code for _ in range(2)] == [200, 200]
    refused = api.get(URL, AUTUMN)
    assert (refused.status_code, refused.json()["error"]["code"]) == (429, "throttled")
    assert int(refused["Retry-After"]) > 0
