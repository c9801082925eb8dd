"""`/reports/` on an official's PC: years by district as a chart with its table of
figures, then a range too long for the per-restaurant view (kept, marked, no report). axe-core finds no WCAG 2.1
AA violation, before and after the error (tests/browser/a11y.py)."""

import pytest
from playwright.sync_api import expect

from tests.analytics.conftest import seoul
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


def test_years_by_district_as_a_chart_and_a_table_then_a_range_too_long(desk, official, f, tag, unserved_district):
    official.set_password(PASSWORD)
    official.save()
    f.CollectionEventFactory(tag=tag, collected_at=seoul(2026, 10, 5, 9), weight_g=1_500_000, status="billable")
    f.CollectionEventFactory(tag=tag, collected_at=seoul(2025, 10, 6, 9), weight_g=1_000_000, status="billable")

    sign_in(desk, "official", PASSWORD, "/reports/")
    desk.get_by_label("시작일").fill("2020-01-01")
    desk.get_by_label("종료일").fill("2026-12-31")
    desk.get_by_label("묶음 기준").select_option("district")
    desk.get_by_role("button", name="보기").click()

    chart = desk.get_by_role("img", name="지역별: 무게와 전년 동기 (kg)")
    expect(chart).to_be_visible()
    expect(chart.locator("text", has_text="2,500 kg")).to_have_count(1)  # the bar ends in its figure
    seogyo = desk.get_by_role("row", name="서교동")
    expect(seogyo).to_contain_text("2,500.000 kg")  # this range: 2025 and 2026
    expect(seogyo).to_contain_text("1,000.000 kg")  # the same days a year earlier: 2025
    expect(desk.get_by_test_id("scan-quality")).to_contain_text("최대 366일")
    assert_usable(desk, "reports by district over seven years")
    xlsx = desk.request.get(desk.get_by_test_id("download-xlsx").get_attribute("href"))
    assert xlsx.ok and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")

    desk.get_by_label("묶음 기준").select_option("restaurant")
    desk.get_by_role("button", name="보기").click()
    expect(desk.get_by_role("alert")).to_have_text("보고서 기간은 최대 366일입니다.")
    expect(desk.get_by_label("종료일")).to_have_value("2026-12-31")  # as typed, marked wrong
    expect(desk.get_by_label("종료일")).to_have_attribute("aria-invalid", "true")
    expect(desk.get_by_role("img")).to_have_count(0)  # no report until the range is put right
    assert_usable(desk, "reports after a range too long")
