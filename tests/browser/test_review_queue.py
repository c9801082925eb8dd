"""The officials' queue of held scans in Chromium at desk width: a held scan's reasons
and evidence, a release refused without a reason, a bulk release, and the hold rules'
page with a form error; axe-core finds nothing in any state (`assert_usable`)."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


@pytest.fixture
def held_scans(f, tag, collector):
    moment = timezone.now() - timedelta(hours=5)
    far = f.CollectionEventFactory(
        id=uuid.uuid4(),
        tag=tag,
        collector=collector,
        weight_g=12_000,
        collected_at=moment,
        status="held",
        flags=["far_from_restaurant"],
        lat=Decimal("37.565000"),
        lng=Decimal("126.910000"),
        distance_m=1_112,
        gps_accuracy_m=15,
    )
    heavy = f.CollectionEventFactory(
        id=uuid.uuid4(),
        tag=tag,
        collector=collector,
        weight_g=31_000,
        collected_at=moment + timedelta(hours=2),
        status="held",
        flags=["weight_implausible"],
        weight_evidence={"history_g": [10_000, 10_400, 9_800], "median_g": 10_000, "mad_g": 500, "z": "28.3"},
    )
    return far, heavy


def test_reviewing_and_releasing_held_scans(desk, official, held_scans):
    from backend.collection_events.models import CollectionEvent, CollectionEventStatusChange

    official.set_password(PASSWORD)
    official.save()
    sign_in(desk, "official", PASSWORD, "/console/review/")
    cards = desk.get_by_test_id("held-scan")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("식당에서 허용 거리보다 먼 곳에서 스캔함")
    expect(cards.nth(0).get_by_test_id("evidence-position")).to_contain_text("37.565000, 126.910000 · 식당에서 1,112 m")
    expect(cards.nth(1)).to_contain_text("무게가 이 용기의 평소 무게와 크게 다름")
    expect(cards.nth(1).get_by_test_id("evidence-weights")).to_contain_text("중앙값 10.000 kg")
    assert_usable(desk, "the queue with two held scans")

    for card in (cards.nth(0), cards.nth(1)):
        card.get_by_role("checkbox").check()
    desk.get_by_role("button", name="고른 수거를 청구 대상으로 돌리기").click()
    expect(desk.get_by_role("alert")).to_contain_text("사유를 입력해 주세요")
    expect(desk.get_by_role("checkbox").first).to_be_checked()  # the choice survives the error
    assert_usable(desk, "a release without a reason")

    desk.get_by_label("처리 사유").fill("현장 확인 완료")
    desk.get_by_role("button", name="고른 수거를 청구 대상으로 돌리기").click()
    expect(desk.get_by_role("status")).to_contain_text("수거 2건을 청구 대상으로 돌렸습니다")
    expect(desk.get_by_test_id("held-scan")).to_have_count(0)
    assert_usable(desk, "the queue emptied, with a message")
    assert set(CollectionEvent.objects.values_list("status", flat=True)) == {"billable"}
    assert CollectionEventStatusChange.objects.filter(reason="현장 확인 완료", changed_by=official).count() == 2

    desk.get_by_role("link", name="보류 규칙").first.click()
    desk.get_by_label("식당으로부터 허용 거리(m)").fill("5")
    desk.get_by_label("변경 사유").fill("시험")
    desk.get_by_role("button", name="저장").click()
    expect(desk.get_by_role("alert")).to_be_visible()
    assert_usable(desk, "the hold rules with a form error")
    desk.get_by_label("식당으로부터 허용 거리(m)").fill("500")
    desk.get_by_role("button", name="저장").click()
    expect(desk.get_by_role("status")).to_contain_text("보류 규칙을 저장했습니다")
    expect(desk.locator(".history")).to_contain_text("시험")
    assert_usable(desk, "the hold rules saved, with their history")
