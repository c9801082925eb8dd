"""`/reports/`: the officials' page on a phone."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.analytics import selectors
from backend.analytics.ranges import DateRange
from tests.analytics.conftest import SEOUL, seoul


def table(page: str) -> str:
    return re.search(r'<table class="report" data-testid="volume-table">(.*?)</table>', page, re.S).group(1)


def row(page: str, label: str) -> str:
    return re.search(rf"<tr data-key[^>]*>\s*<th scope=\"row\"[^>]*>{label}</th>(.*?)</tr>", table(page), re.S).group(1)


def cells(row: str) -> list[str]:
    """Each figure of a row, without the notes under it."""
    return re.findall(r'<td class="num[^"]*">([^<]+)', row)


def test_the_default_range_is_last_month_and_this_month_by_month(client, official, tag, scan):
    today = timezone.localdate(timezone=SEOUL)
    expected = DateRange.last_and_this_month(today)
    scan(tag, timezone.now(), 1_500_250)
    scan(tag, timezone.now() - timedelta(days=120), 9_999)  # long before the default range

    client.force_login(official)
    page = client.get("/reports/").content.decode()

    assert f'value="{expected.first_day:%Y-%m-%d}"' in page
    assert f'value="{expected.last_day:%Y-%m-%d}"' in page
    assert "1,500.250 kg" in page  # the total, with thousands separators
    assert table(page).split("<tbody>")[1].count("<tr") == 2  # last month, this month
    assert '<svg viewBox="0 0 720 300" role="img" aria-labelledby="volume-caption" class="chart-line"' in page


def test_every_group_the_selectors_offer_is_a_choice(client, official):
    client.force_login(official)
    page = client.get("/reports/").content.decode()
    options = re.findall(r'<option value="([a-z_]+)"', page.split('id="group"')[1].split("</select>")[0])
    assert options == list(selectors.GROUPS)


def test_by_district_a_bar_chart_and_a_table_beside_a_year_earlier_with_downloads(
    client, official, tag, unserved_district, scan, django_assert_max_num_queries
):
    scan(tag, seoul(2026, 10, 31, 23, 59, 59), 2_000_000, flags=["far_from_restaurant"], source="qr")
    scan(tag, seoul(2026, 11, 1), 1_000_000, status="held", physically_tapped=True)
    scan(tag, seoul(2025, 10, 9), 2_400_000)  # the same days a year earlier

    client.force_login(official)
    with django_assert_max_num_queries(12):
        response = client.get("/reports/", {"from": "2026-10-01", "to": "2026-11-30", "group": "district"})
    page = response.content.decode()

    assert 'class="chart-bar"' in page and ">3,000 kg<" in page  # the bar ends in its figure
    seogyo = row(page, "서교동")
    assert cells(seogyo) == ["3,000.000 kg", "2,400.000 kg", "+600.000 kg", "2 건", "1곳"]  # one restaurant served
    assert "+25.0%" in seogyo and "확인 대기 1,000.000 kg" in seogyo and "전년 동기 1곳" in seogyo
    assert cells(row(page, "상암동")) == ["0.000 kg"] * 3 + ["0 건", "0곳"]
    assert "영업장 수" in table(page)
    earlier = page[page.index('data-testid="a-year-earlier"') :].split("</p>")[0]
    assert "2,400.000 kg" in earlier and "(+25.0%)" in earlier
    served = page[page.index('data-testid="restaurants-served"') :].split("</span>")[0]
    assert served.endswith("수거한 영업장 1곳")
    quality = page[page.index('data-testid="scan-quality"') :]
    assert re.search(r'data-code="far_from_restaurant"><td>[^<]+</td><td class="num">1 건</td>', quality)

    for fmt, kind in (("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats")):
        link = re.search(rf'href="(/api/v1/reports/volume/\?[^"]*group=district[^"]*format={fmt})"', page).group(1)
        download = client.get(link.replace("&amp;", "&"))  # the signed-in session is enough
        assert download["Content-Type"].startswith(kind)


def test_restaurants_served_is_not_shown_by_hauler(client, official, tag, scan):
    scan(tag, seoul(2026, 11, 1), 1_000_000)
    client.force_login(official)
    page = client.get("/reports/", {"from": "2026-10-01", "to": "2026-11-30", "group": "hauler"}).content.decode()
    assert "1,000.000 kg" in table(page) and "영업장 수" not in table(page)


def test_years_across_decades_with_scan_quality_left_for_shorter_ranges(client, official, tag, scan):
    scan(tag, seoul(2003, 5, 1, 9), 1_000)
    scan(tag, seoul(2026, 5, 1, 9), 3_000)
    client.force_login(official)
    page = client.get("/reports/", {"from": "2002-01-01", "to": "2026-12-31", "group": "year"}).content.decode()

    assert 'role="alert"' not in page
    assert table(page).split("<tbody>")[1].count("<tr") == 25
    assert cells(row(page, "2003"))[:2] == ["1.000 kg", "0.000 kg"]
    assert cells(row(page, "2004"))[:2] == ["0.000 kg", "1.000 kg"]
    assert "스캔 품질은 최대 366일까지" in page and "format=xlsx" in page


def test_weeks_across_new_year_carry_their_year_alike_in_chart_and_table(client, official):
    client.force_login(official)
    page = client.get("/reports/", {"from": "2025-12-15", "to": "2026-01-11", "group": "week"}).content.decode()
    labels = re.findall(r'<th scope="row"[^>]*>([^<]+)</th>', table(page))
    assert labels == ["2025년 12월 15일 주", "2025년 12월 22일 주", "2025년 12월 29일 주", "2026년 1월 5일 주"]
    assert '<text x="110.0" y="280.0" text-anchor="middle">2025년 12월 15일 주</text>' in page
    assert ">2025-W51<" not in page


@pytest.mark.parametrize(
    "params,code,said",
    [
        ({"from": "2026-11-30", "to": "2026-10-01"}, "invalid_date_range", "종료일이 시작일보다 빠릅니다"),
        ({"from": "2000-01-01", "to": "2026-01-02"}, "date_range_too_long", "보고서 기간은 최대 25년입니다"),
        ({"from": "2025-01-01", "to": "2026-01-02", "group": "restaurant"}, "date_range_too_long", "최대 366일"),
        ({"from": "2026-02-01", "to": "2026-02-29"}, "no_such_date", "2026-02-29은(는) 달력에 없는 날짜입니다"),
    ],
)
def test_a_wrong_range_is_kept_and_marked_with_no_report(client, official, params, code, said):
    client.force_login(official)
    page = client.get("/reports/", params).content.decode()
    assert f'<div role="alert" id="range-error" data-code="{code}">' in page and said in page
    assert f'value="{params["from"]}"' in page
    assert f'value="{params["to"]}" required aria-invalid="true" aria-describedby="range-error range-hint"' in page
    assert 'data-testid="volume-table"' not in page and 'data-testid="totals"' not in page


def test_a_wrong_group_is_said_and_the_months_shown(client, official):
    client.force_login(official)
    page = client.get("/reports/", {"group": "fortnight"}).content.decode()
    assert '<div role="alert" id="range-error" data-code="invalid_group">' in page
    default = DateRange.last_and_this_month(timezone.localdate(timezone=SEOUL))
    assert f'value="{default.first_day:%Y-%m-%d}"' in page and "aria-invalid" not in page
    assert 'data-testid="volume-table"' in page


def test_restaurants_come_in_pages(client, official, f, district, tag, scan, monkeypatch):
    monkeypatch.setattr(selectors, "RESTAURANT_PAGE_ROWS", 1)
    scan(f.TagFactory(bin__restaurant__district=district, bin__restaurant__name="가"), seoul(2026, 10, 5, 9), 1_000)
    client.force_login(official)
    query = {"from": "2026-10-01", "to": "2026-11-30", "group": "restaurant"}
    first = client.get("/reports/", query).content.decode()
    assert "1 / 2" in first.split('data-testid="pager"')[1] and "page=2" in first
    assert '<th scope="row" lang="ko">가</th>' in first
    second = client.get("/reports/", {**query, "page": "2"}).content.decode()
    assert "할매순대국" in table(second) and "가" not in table(second)
    assert "1.000 kg" in second.split('data-testid="totals"')[1].split("</div>")[0]  # every page's total


def test_only_officials_and_administrators_see_reports(client, owner, collector, stranger, admin, city, tag, scan):
    scan(tag, timezone.now(), 4_321_000)
    for user in (owner, collector):
        client.force_login(user)
        assert client.get("/reports/").status_code == 403
    client.force_login(stranger)
    assert "4,321.000" not in client.get("/reports/").content.decode()
    assert client.get("/reports/", {"municipality": str(city.id)}).status_code == 404
    client.force_login(admin)
    assert "4,321.000" in client.get("/reports/", {"municipality": str(city.id)}).content.decode()
    client.logout()
    assert client.get("/reports/")["Location"].startswith("/login/")


def test_officials_home_links_to_reports(client, official):
    client.force_login(official)
    assert 'href="/reports/"' in client.get("/").content.decode()
