"""`/open-data/` on a 360 px phone, signed out: axe-core finds no WCAG 2.1 AA violation,
every control is a 44 px tap target and nothing scrolls sideways, before and after a
wrong choice of months; its JSON download answers."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_open_data_page_on_a_phone(phone, city, district, f):
    f.MunicipalityFactory(name="경기도 고양시", code="41280")
    phone.goto("/open-data/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("공공데이터: 음식물류 폐기물 수거량")
    assert_usable(phone, "open data")

    json_link = phone.get_by_test_id("download-json").get_attribute("href")
    answer = phone.request.get(json_link)
    assert answer.ok and answer.json()["municipality"]["code"] == "41280"  # the first by name
    assert answer.json()["rows"] == []  # the first municipality has no district

    phone.get_by_label("지자체", exact=True).select_option("11440")
    phone.get_by_label("시작 월").fill("2026-10")
    phone.get_by_label("종료 월").fill("2026-01")
    phone.get_by_role("button", name="내려받기 보기").click()
    expect(phone.get_by_role("alert")).to_contain_text("종료 월이 시작 월보다 빠릅니다")
    assert_usable(phone, "open data after a backwards range")
    expect(phone.get_by_label("시작 월")).to_have_value("2026-10")  # as it was typed, to put right
    phone.get_by_label("시작 월").fill("2026-01")
    phone.get_by_label("종료 월").fill("2026-10")
    phone.get_by_role("button", name="내려받기 보기").click()
    expect(phone.get_by_test_id("chosen")).to_contain_text("2026-01 ~ 2026-10")
    assert phone.request.get(phone.get_by_test_id("download-csv").get_attribute("href")).ok
