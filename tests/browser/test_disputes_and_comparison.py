"""An owner disputes a weighing on a 360 px phone (open, with a form error, and past the
window), reads how their waste compares with similar restaurants; an official decides
the dispute on a PC. Every state passes assert_usable (tests/browser/a11y.py)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backend.municipalities.models import Municipality
from backend.restaurants.models import Restaurant
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


@pytest.fixture
def street(f, official, collector, owner, restaurant, tag, tariff):
    """Today's 10 kg pickup (disputable), one of three weeks ago (past the window),
    five similar restaurants nearby, and a phone number to call."""
    for person in (official, owner):
        person.set_password(PASSWORD)
        person.save()
    Municipality.objects.filter(id=restaurant.municipality_id).update(contact_phone="02-2600-6114")
    Restaurant.objects.filter(id=restaurant.id).update(business_type="korean", floor_area_m2=Decimal("50"))
    now = timezone.now()
    today = f.CollectionEventFactory(
        tag=tag, collector=collector, weight_g=10_000, collected_at=now - timedelta(hours=1)
    )
    old = f.CollectionEventFactory(tag=tag, collector=collector, weight_g=9_000, collected_at=now - timedelta(days=21))
    for kg in (7, 8, 9, 8, 7):
        peer = f.RestaurantFactory(district=restaurant.district, business_type="korean", floor_area_m2=Decimal("45"))
        f.CollectionEventFactory(
            tag=f.TagFactory(bin=f.BinFactory(restaurant=peer)),
            collector=collector,
            weight_g=kg * 1000,
            collected_at=now - timedelta(hours=2),
        )
    return {"today": today, "old": old}


def test_an_owner_disputes_on_a_phone_and_an_official_corrects_the_weight(phone, desk, street):
    sign_in(phone, "owner", PASSWORD, "/")
    phone.goto(f"/disputes/new/{street['today'].id}/")
    expect(phone.get_by_test_id("dispute-deadline")).to_contain_text("까지 신청할 수 있습니다")
    assert_usable(phone, "dispute form, window open")
    phone.get_by_label("사유").fill("저울이 무겁게 잰 것 같습니다")
    phone.get_by_label("맞다고 생각하는 무게").fill("8.5kg")
    phone.get_by_role("button", name="이의신청하기").click()
    expect(phone.locator(".errorlist")).to_contain_text("킬로그램")
    expect(phone.locator(".errorlist")).not_to_contain_text("digits")  # one translated message
    assert_usable(phone, "dispute form with a weight error")
    phone.get_by_label("맞다고 생각하는 무게").fill("8,5")  # a phone keypad's decimal comma
    phone.get_by_role("button", name="이의신청하기").click()
    assert "접수했습니다" in phone.get_by_role("status").inner_text()
    expect(phone.get_by_text("8.500 kg", exact=False).first).to_be_visible()
    assert_usable(phone, "my disputes with the proposed weight")
    phone.goto(f"/disputes/new/{street['today'].id}/")
    expect(phone.get_by_test_id("not-disputable")).to_contain_text("검토 중")
    expect(phone.get_by_role("button", name="이의신청하기")).to_have_count(0)
    assert_usable(phone, "dispute page of a pickup under review")

    phone.goto(f"/disputes/new/{street['old'].id}/")
    closed = phone.get_by_test_id("dispute-window-closed")
    expect(closed).to_contain_text("기간이 지났습니다")
    expect(phone.get_by_role("link", name="02-2600-6114")).to_have_attribute("href", "tel:02-2600-6114")
    expect(phone.get_by_role("button", name="이의신청하기")).to_have_count(0)
    assert_usable(phone, "dispute page past the window")

    sign_in(desk, "official", PASSWORD, "/disputes/review/")
    card = desk.get_by_test_id("open-dispute")
    expect(card).to_contain_text("8.500 kg")
    assert_usable(desk, "review queue with a proposed weight")
    card.get_by_label("처리 사유").fill("재계량 결과 확인")
    card.get_by_label("무게 정정").check()
    card.get_by_label("정정 무게").fill("8.5")
    card.get_by_role("button", name="인정").click()
    assert "결과를 알렸습니다" in desk.get_by_role("status").inner_text()
    assert_usable(desk, "review queue after a correction")

    phone.goto("/disputes/")
    expect(phone.locator(".card").first).to_contain_text("8.500 kg")
    assert_usable(phone, "my disputes after the decision")


def test_an_owner_reads_the_comparison_on_a_phone(phone, street, restaurant):
    sign_in(phone, "owner", PASSWORD, "/my/comparison/")
    # Mine: 10 kg today (and 9 kg three weeks ago, in this month or the last); theirs: 7.8 kg.
    expect(phone.get_by_test_id("comparison-sentence")).to_contain_text(
        re.compile(r"비슷한 음식점은 \d+% 적게 배출했습니다")
    )
    assert_usable(phone, "comparison")
    Restaurant.objects.filter(id=restaurant.id).update(floor_area_m2=Decimal("150"))  # a band of its own
    phone.reload()
    expect(phone.get_by_test_id("comparison-hidden")).to_contain_text("5곳 미만")
    assert_usable(phone, "comparison hidden for a small group")
