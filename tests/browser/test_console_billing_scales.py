"""An official's tariffs, billing and scales pages in Chromium at 1280 px: each page,
after a message and after a form error, passes `assert_usable` (axe-core WCAG 2.1 AA,
44 px targets, no sideways scroll); the billing page's progress bar follows a run to
its end through the run's JSON."""

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
def signed_in_official(desk, official):
    official.set_password(PASSWORD)
    official.save()
    sign_in(desk, "official", PASSWORD, "/")
    return desk


def test_tariffs_create_refuse_and_close(signed_in_official, tariff):
    desk = signed_in_official
    desk.goto("/console/tariffs/")
    assert_usable(desk, "tariffs")
    desk.get_by_label("적용 시작일").fill("2026-06-01")
    desk.get_by_label("kg당 요금").fill("150")
    desk.get_by_label("변경 사유").fill("요금 인상")
    desk.get_by_role("button", name="요금표 만들기").click()
    assert "다른 요금표와 적용 기간이 겹칩니다" in desk.get_by_role("alert").inner_text()
    assert_usable(desk, "tariffs with an overlap refused")

    desk.get_by_role("link", name="2026-01-01").click()
    desk.get_by_label("적용 종료일").fill("2026-12-31")
    desk.get_by_label("변경 사유").fill("2027년 요금 개정")
    desk.get_by_role("button", name="종료일 저장").click()
    assert "2026년 12월 31일" in desk.get_by_role("status").inner_text()
    assert "2027년 요금 개정" in desk.locator(".history").inner_text()
    assert_usable(desk, "tariff closed, with its history")

    desk.goto("/console/tariffs/")
    desk.get_by_label("적용 시작일").fill("2027-01-01")
    desk.get_by_label("kg당 요금").fill("150")
    desk.get_by_label("변경 사유").fill("2027년 요금 개정")
    desk.get_by_role("button", name="요금표 만들기").click()
    assert "요금표를 만들었습니다" in desk.get_by_role("status").inner_text()
    assert_usable(desk, "new tariff with a message")


def test_billing_a_month_and_watching_it_finish(signed_in_official, tariff, old_bin, scan):
    from backend.billing import runs
    from backend.billing.models import BillingRun

    desk = signed_in_official
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    desk.goto("/console/billing/")
    assert_usable(desk, "billing")
    desk.get_by_label("청구 월").fill("2099-01")
    desk.get_by_role("button", name="청구 시작").click()
    assert "아직 끝나지 않았습니다" in desk.get_by_role("alert").inner_text()
    assert_usable(desk, "billing with a month not ended")

    desk.get_by_label("청구 월").fill("2026-10")
    desk.get_by_role("button", name="청구 시작").click()
    assert "청구를 시작했습니다" in desk.get_by_role("status").first.inner_text()
    assert_usable(desk, "a run queued, with a message")
    # No worker in this test: the run is worked here, and the page's script sees it end.
    runs.execute_billing_run(run_id=BillingRun.objects.get().id)
    desk.get_by_test_id("run-result").wait_for(timeout=20_000)
    assert desk.locator("progress").get_attribute("value") == "1"
    assert_usable(desk, "a finished run's result")

    desk.goto("/console/billing/")
    desk.get_by_label("청구 월").fill("2026-10")
    desk.get_by_role("button", name="청구 시작").click()
    assert "청구가 이미 끝났습니다" in desk.get_by_role("alert").inner_text()
    assert_usable(desk, "billing a month already billed")
    desk.get_by_role("link", name="그 달을 청구한 작업 보기").click()
    desk.get_by_test_id("run-result").wait_for()


def test_scales_register_edit_and_weighings(signed_in_official, api, collector, tag):
    desk = signed_in_official
    desk.goto("/console/scales/")
    assert_usable(desk, "scales")
    desk.get_by_role("button", name="등록").click()
    expect(desk.get_by_role("alert")).to_be_visible()
    assert_usable(desk, "scales with form errors")
    desk.get_by_label("저울 번호").fill("MAPO-TRUCK-07")
    desk.get_by_label("모델").fill("CAS HB-150")
    desk.get_by_label("수집·운반 업체").select_option(str(collector.hauler_id))
    desk.get_by_label("최근 정기검사일").fill(str(timezone.localdate() - timedelta(days=800)))
    desk.get_by_label("변경 사유").fill("신규 차량")
    desk.get_by_role("button", name="등록").click()
    assert "등록했습니다" in desk.get_by_role("status").inner_text()
    assert "검사 기한 지남" in desk.locator(".facts").inner_text()
    assert_usable(desk, "a scale registered, with its history")

    body = {
        "id": str(uuid.uuid4()),
        "tag": tag.url,
        "weight_kg": "12.5",
        "collected_at": timezone.now().isoformat(),
        "source": "nfc",
        "scale_id": "MAPO-TRUCK-07",
    }
    assert api.as_user(collector).post("/api/v1/collections/", body, format="json").status_code == 201
    desk.get_by_role("link", name="이 저울의 계량 보기").click()
    assert "scale_inspection_due" in desk.locator("table").inner_text()
    assert_usable(desk, "weighings by scale")
    desk.goto("/console/review/")
    expect(desk.get_by_test_id("held-scan")).to_contain_text("정기검사 기한이 지난 저울로 계량함")
    assert_usable(desk, "review queue with a held weighing")


def test_the_pages_on_a_tablet(chromium, live_server, official, tariff, collector):
    from backend.collection_events.models import Scale

    official.set_password(PASSWORD)
    official.save()
    Scale.objects.create(
        municipality=official.municipality, hauler=collector.hauler, serial="TAB-1", inspected_on=timezone.localdate()
    )
    context = chromium.new_context(
        viewport={"width": 768, "height": 1024}, locale="ko-KR", base_url=live_server.url, has_touch=True
    )
    tablet = context.new_page()
    try:
        sign_in(tablet, "official", PASSWORD, "/console/tariffs/")
        for path in ("/console/tariffs/", f"/console/tariffs/{tariff.id}/", "/console/billing/", "/console/scales/"):
            tablet.goto(path)
            assert_usable(tablet, f"{path} on a tablet")
    finally:
        context.close()
