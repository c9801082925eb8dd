"""Handover in the browser: the owner reports a sale on a phone (a form error first),
the official confirms it at a desk (a date error first); every state passes `assert_usable`."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.browser.layout import settled_box

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "handover-password-1"


def test_an_owner_reports_a_sale_and_an_official_confirms_it(
    phone, desk, owner, official, restaurant, bin, tag, tariff
):
    from backend.restaurants.models import Restaurant

    for user in (owner, official):
        user.set_password(PASSWORD)
        user.save()
    today = timezone.localdate(timezone=restaurant.municipality.zone)

    sign_in(phone, "owner", PASSWORD, "/handover/")
    assert phone.get_by_role("heading", name="폐업 · 양도 신고").is_visible()
    assert_usable(phone, "the owner's handover report form")
    sale = phone.get_by_label("양도 (업주 변경)")
    # The radio is a small box beside its label, as on the site's other forms.
    box = settled_box(sale, lambda box: box["width"] < 40 and box["height"] < 40, what="a wide radio")
    settled_box(
        phone.locator("label.choice").filter(has=sale),
        lambda row: row["height"] >= 44 and row["y"] <= box["y"] <= row["y"] + row["height"] - box["height"],
        what="a row a thumb misses, or the radio outside it",
    )
    expect(phone.locator("input[name=kind]:checked")).to_have_count(0)  # nothing chosen for the owner
    sale.check()
    phone.locator("#id_proposed_on").fill(today.isoformat())
    phone.get_by_role("button", name="신고하기").click()
    expect(phone.get_by_text("새 업주의 이메일이나 휴대전화", exact=False).first).to_be_visible()
    assert_usable(phone, "the report form with an error")
    phone.get_by_label("새 업주 이메일").fill("buyer@example.org")
    phone.get_by_label("새 업주 이름").fill("박새주인")
    phone.get_by_role("button", name="신고하기").click()
    expect(phone.get_by_text("신고가 접수되었습니다", exact=False).first).to_be_visible()
    assert phone.get_by_test_id("handover").get_by_text("접수").is_visible()
    assert_usable(phone, "the report received")

    sign_in(desk, "official", PASSWORD, "/console/handovers/")
    assert_usable(desk, "the officials' list of reports")
    desk.get_by_role("link", name="확인하기").click()
    assert desk.get_by_label("새 업주 이메일").input_value() == "buyer@example.org"
    assert_usable(desk, "the confirm page")
    desk.get_by_label("확정 날짜").fill((today + timedelta(days=3)).isoformat())
    desk.get_by_role("button", name="확인", exact=True).click()
    expect(desk.get_by_text("오늘 이후의 날짜", exact=False).first).to_be_visible()
    assert_usable(desk, "the confirm page with a date error")
    desk.get_by_label("확정 날짜").fill(today.isoformat())
    desk.get_by_role("button", name="확인", exact=True).click()
    expect(desk.get_by_text("처리했습니다", exact=False).first).to_be_visible()
    assert_usable(desk, "the list after confirming")

    restaurant = Restaurant.objects.select_related("owner").get(id=restaurant.id)
    assert restaurant.owner.email == "buyer@example.org"
    phone.goto(phone.url.split("/handover/")[0] + "/handover/")
    assert phone.get_by_test_id("handover").get_by_text("확인 완료").is_visible()
    # Sold: nothing left to report.
    expect(phone.get_by_text("신고할 수 있는 음식점이 없습니다", exact=False).first).to_be_visible()
    assert_usable(phone, "the owner's page after the sale")
