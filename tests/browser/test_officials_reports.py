"""The trends, service and money report pages on an official's PC (1280 px): reached
from the report menu, each passes axe-core (WCAG 2.1 AA), 44 px targets and no sideways
scrolling, also after a wrong number; the idle list leads to the restaurant's page."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from backend.restaurants.models import Restaurant
from tests.analytics.conftest import seoul
from tests.analytics.test_officials_reports import invoice
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


def test_the_officials_reports_on_a_pc(desk, f, official, collector, restaurant, tag):
    official.set_password(PASSWORD)
    official.save()
    restaurant.name = "숲"  # a name narrower than a tap target
    Restaurant.objects.filter(id=restaurant.id).update(created_at=seoul(2024, 1, 1), name=restaurant.name)
    f.CollectionEventFactory(tag=tag, collector=collector, collected_at=seoul(2026, 10, 20, 7), weight_g=30_000)
    f.CollectionEventFactory(
        tag=tag,
        collector=collector,
        collected_at=seoul(2026, 10, 22, 7),
        weight_g=None,
        status="not_collected",
        exception_code="not_put_out",
    )
    invoice(restaurant, date(2026, 10, 1), total=12_340, due=date(2026, 11, 1), status="overdue")

    sign_in(desk, "official", PASSWORD, "/reports/")
    desk.get_by_role("navigation", name="보고서").get_by_role("link", name="추이").click()
    expect(desk.get_by_role("heading", level=1)).to_have_text("배출 추이 보고서")
    desk.get_by_label("시작일").fill("2026-10-01")
    desk.get_by_label("종료일").fill("2026-10-31")
    desk.get_by_role("button", name="보기").click()
    expect(desk.get_by_test_id("top")).to_contain_text("30.000")
    assert_usable(desk, "trends")
    desk.goto("/reports/trends/?from=2026-10-01&to=2026-10-31&idle_days=400")  # past the form's own max
    expect(desk.get_by_role("alert")).to_contain_text("365")
    assert_usable(desk, "trends with a wrong number of days")
    link = desk.get_by_test_id("idle").get_by_role("link", name=restaurant.name).bounding_box()
    assert link["width"] >= 44 and link["height"] >= 44  # a short name is still a whole tap target
    desk.get_by_test_id("idle").get_by_role("link", name=restaurant.name).click()
    expect(desk).to_have_url(re.compile(f"/console/restaurants/{restaurant.id}/$"))

    desk.goto("/reports/trends/")  # a year of months: it fits the PC's width, and a landscape page
    assert desk.get_by_test_id("intensity-district").evaluate(
        "t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"
    )
    desk.emulate_media(media="print")
    desk.set_viewport_size({"width": 1000, "height": 700})
    expect(desk.get_by_role("navigation", name="보고서")).to_be_hidden()
    expect(desk.locator(".downloads")).to_be_hidden()
    assert desk.get_by_test_id("intensity-district").evaluate(
        "t => t.parentElement.scrollWidth <= t.parentElement.clientWidth"
    )
    desk.emulate_media(media="screen")
    desk.set_viewport_size({"width": 1280, "height": 800})

    desk.goto("/reports/service/?from=2026-10-01&to=2026-10-31")
    expect(desk.get_by_test_id("exception-types")).to_contain_text("미배출")
    assert_usable(desk, "service")
    desk.get_by_role("navigation", name="보고서").get_by_role("link", name="수납").click()
    expect(desk.get_by_test_id("money-totals")).to_contain_text("청구액 12,340원")
    expect(desk.get_by_test_id("arrears")).to_contain_text("12,340원")
    assert_usable(desk, "money")
