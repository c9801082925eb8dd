"""`/reports/`: the officials' page on a phone."""

import re
from datetime import timedelta

from django.utils import timezone

from backend.analytics.ranges import DateRange
from tests.analytics.conftest import SEOUL, seoul


def table(page: str, testid: str) -> str:
    return re.search(rf'<table class="report" data-testid="{testid}">(.*?)</table>', page, re.S).group(1)


def test_the_default_range_is_last_month_and_this_month(client, official, tag, scan):
    today = timezone.localdate(timezone=SEOUL)
    expected = DateRange.last_and_this_month(today)
    scan(tag, timezone.now(), 1_500_250)
    scan(tag, timezone.now() - timedelta(days=120), 9_999)  # long before the default range

    client.force_login(official)
    page = client.get("/reports/").content.decode()

    assert f'value="{expected.first_day:%Y-%m-%d}"' in page
    assert f'value="{expected.last_day:%Y-%m-%d}"' in page
    assert "1,500.250 kg" in page  # the total, with thousands separators
    assert table(page, "by-month").split("<tbody>")[1].count("<tr>") == 2  # last month, this month


def test_districts_and_months_with_bars_scan_quality_and_csv_links(
    client, official, tag, unserved_district, scan, django_assert_max_num_queries
):
    scan(tag, seoul(2026, 10, 31, 23, 59, 59), 2_000_000, flags=["far_from_restaurant"], source="qr")
    scan(tag, seoul(2026, 11, 1), 1_000_000, status="held", physically_tapped=True)
    scan(tag, seoul(2025, 10, 9), 2_400_000)  # the same days a year earlier

    client.force_login(official)
    with django_assert_max_num_queries(12):
        response = client.get("/reports/", {"from": "2026-10-01", "to": "2026-11-30"})
    page = response.content.decode()

    by_district = table(page, "by-district")
    assert "서교동" in by_district and "3,000.000" in by_district and "상암동" in by_district
    # the heaviest row's bar is full: two thirds billable, one third held
    assert 'style="width:66.7%"' in by_district and 'style="width:33.3%"' in by_district
    by_month = table(page, "by-month")
    assert "2026년 10월" in by_month and "2,000.000" in by_month and "1,000.000" in by_month
    by_type = table(page, "by-business-type")
    assert re.search(r"기타.*3,000.000", by_type, re.S)  # the restaurant's business type: other
    earlier = page[page.index('data-testid="a-year-earlier"') :].split("</p>")[0]
    assert "2,400.000 kg" in earlier and "(+25.0%)" in earlier
    quality = page[page.index('data-testid="scan-quality"') :]
    assert re.search(r'data-code="far_from_restaurant"><td>[^<]+</td><td class="num">1 건</td>', quality)
    assert re.search(r'data-code="tapped"><td>[^<]+</td><td class="num">1 건</td>', quality)

    link = re.search(r'href="(/api/v1/reports/volume/\?[^"]*group=district[^"]*)"', page).group(1)
    download = client.get(link.replace("&amp;", "&"))  # the signed-in session is enough
    assert download["Content-Type"].startswith("text/csv")
    assert "서교동" in download.content.decode("utf-8-sig")


def test_a_bad_range_is_explained_and_the_default_shown(client, official):
    client.force_login(official)
    page = client.get("/reports/", {"from": "2026-11-30", "to": "2026-10-01"}).content.decode()
    assert "종료일이 시작일보다 빠릅니다" in page
    default = DateRange.last_and_this_month(timezone.localdate(timezone=SEOUL))
    assert f'value="{default.first_day:%Y-%m-%d}"' in page


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
