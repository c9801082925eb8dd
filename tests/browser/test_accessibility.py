"""Every page, as each of its users meets it, on their own screen: owners and crews on a
360 px phone, officials on a PC. On each page, and again after a message or a form
error, axe-core finds no WCAG 2.1 AA violation, every control is a 44 px tap target and
nothing scrolls sideways (tests/browser/a11y.py)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.billing.conftest import seoul
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


@pytest.fixture
def people(official, collector, owner):
    for person in (official, collector, owner):
        person.set_password(PASSWORD)
        person.save()
    return {"official": official, "collector": collector, "owner": owner}


@pytest.fixture
def town(people, f, tag, old_bin, tariff, scan, bill, collector, owner, restaurant):
    """A month billed, a scan held for review, today's round half done, an open request."""
    from backend.billing.models import Invoice
    from backend.pickup_requests.services import request_pickup

    billed = scan(old_bin, seoul(2026, 9, 3, 5), 40_000)
    bill("2026-09")
    held = f.CollectionEventFactory(
        tag=tag, collector=collector, weight_g=15_000, collected_at=timezone.now() - timedelta(hours=1), status="held"
    )
    second_bin = f.BinFactory(restaurant=restaurant, label="주방 2", capacity_liters=120)
    f.TagFactory(bin=second_bin)
    request_pickup(
        restaurant=restaurant,
        bin=old_bin,
        kind="extra_pickup",
        requested_for=timezone.localdate() + timedelta(days=1),
        note="행사로 양이 많습니다",
        by=owner,
    )
    return {"invoice": Invoice.objects.get(), "billed": billed, "held": held, "tag": tag}


def test_anonymous_pages(phone, town):
    phone.goto(f"/t/{town['tag'].code}")
    assert_usable(phone, "public tag page")
    phone.goto("/login/")
    assert_usable(phone, "sign-in page")
    phone.get_by_label("아이디").fill("owner")
    phone.get_by_label("비밀번호").fill("wrong-password")
    phone.get_by_role("button", name="로그인").click()
    expect(phone.locator(".errorlist")).to_be_visible()
    assert_usable(phone, "sign-in page after a wrong password")


def test_owner_pages_on_a_phone(phone, town):
    sign_in(phone, "owner", PASSWORD, "/")
    assert_usable(phone, "owner home")
    phone.goto("/billing/invoices/")
    assert_usable(phone, "invoice list")
    phone.goto(f"/billing/invoices/{town['invoice'].id}/")
    assert_usable(phone, "invoice")
    phone.get_by_role("button", name="납부하기").click()
    assert_usable(phone, "sandbox checkout")
    phone.get_by_role("button", name="결제하기").click()
    assert "납부되었습니다" in phone.get_by_role("status").inner_text()
    assert_usable(phone, "receipt after paying")

    phone.goto(f"/disputes/new/{town['billed'].id}/")
    assert_usable(phone, "new dispute")
    phone.get_by_label("사유").fill("   ")
    phone.get_by_role("button", name="이의신청하기").click()
    expect(phone.locator(".errorlist")).to_be_visible()
    assert_usable(phone, "new dispute with an error")
    phone.get_by_label("사유").fill("그날은 휴무였습니다")
    phone.get_by_role("button", name="이의신청하기").click()
    assert "접수했습니다" in phone.get_by_role("status").inner_text()
    assert_usable(phone, "my disputes after raising one")

    phone.goto("/pickup-requests/")
    assert_usable(phone, "pickup requests")
    phone.get_by_label("미수거 신고").check()
    phone.get_by_label("날짜").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    phone.get_by_role("button", name="요청하기").click()
    expect(phone.locator(".errorlist")).to_be_visible()
    assert_usable(phone, "pickup requests with a form error")
    phone.get_by_label("추가 수거 요청").check()
    phone.get_by_label("날짜").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    phone.get_by_role("button", name="요청하기").click()
    assert "접수되었습니다" in phone.get_by_role("status").inner_text()
    assert_usable(phone, "pickup requests after a request")

    phone.goto(f"/t/{town['tag'].code}")
    assert_usable(phone, "owner's tag page")


def test_crew_pages_on_a_phone(phone, town):
    sign_in(phone, "collector", PASSWORD, "/")
    assert_usable(phone, "crew home")
    phone.goto("/stops/")
    assert_usable(phone, "today's stops")
    phone.goto(f"/t/{town['tag'].code}")
    expect(phone.get_by_label("무게")).to_be_visible()
    assert_usable(phone, "the crew app's weighing screen")
    phone.get_by_role("button", name="저장").click()
    expect(phone.get_by_role("alert")).to_contain_text("무게를")
    assert_usable(phone, "the weighing screen with an error")
    phone.get_by_label("무게").fill("12.5")
    phone.get_by_role("button", name="저장").click()
    expect(phone.get_by_test_id("saved")).to_contain_text("저장했습니다")
    assert_usable(phone, "the crew app's stops after saving")


def test_official_pages_on_a_pc(desk, town):
    sign_in(desk, "official", PASSWORD, "/")
    assert_usable(desk, "official home")
    desk.goto("/disputes/review/")
    assert_usable(desk, "disputes to review")
    desk.get_by_test_id("to-review-queue").click()  # held scans are decided in the review queue
    desk.get_by_test_id("held-scan").get_by_role("checkbox").check()
    desk.get_by_label("처리 사유").fill("같은 날 두 번 스캔")
    desk.get_by_role("button", name="고른 수거 무효 처리").click()
    assert "무효 처리했습니다" in desk.get_by_role("status").inner_text()
    assert_usable(desk, "review queue after a decision")
    desk.goto("/pickup-requests/review/")
    assert_usable(desk, "pickup requests to review")
    desk.get_by_role("button", name="배정").first.click()
    assert "처리했습니다" in desk.get_by_role("status").inner_text()
    assert_usable(desk, "pickup requests after assigning")
    desk.goto("/reports/")
    assert_usable(desk, "reports")
    desk.goto("/reports/?from=2026-10-31&to=2026-10-01")
    expect(desk.locator(".errorlist")).to_be_visible()
    assert_usable(desk, "reports with a bad range")
    desk.goto(f"/billing/invoices/{town['invoice'].id}/")
    assert_usable(desk, "an invoice seen by the official")
    assert uuid.UUID(str(town["invoice"].id))
