"""An owner on a 360 px phone: home → pickups → receipt → "this is wrong" → the dispute
form (the receipt above it) → the receipt with the open dispute; an old pickup's receipt
past the dispute window; my bins and tags with a lost-tag report. Every state passes
`assert_usable`."""

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backend.billing.models import Tariff
from backend.collection_events.scales import register_scale
from backend.disputes.models import Dispute
from backend.municipalities.models import Municipality
from backend.tags.models import TagReport
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def history(f, owner, tag, collector, city, hauler):
    owner.set_password("owner-password-1")
    owner.save()
    Municipality.objects.filter(id=city.id).update(contact_phone="02-3153-8114")
    Tariff.objects.create(municipality=city, effective_from=date(2024, 1, 1), price_per_kg_krw=150)
    today = timezone.localdate(timezone=SEOUL)
    register_scale(
        municipality=city, hauler=hauler, serial="SC-1", inspected_on=today - timedelta(days=40), today=today
    )
    # The newest pickup is today in Seoul, whatever the hour the suite runs at: an hour
    # ago, or the local midnight when that hour would fall on yesterday.
    now = timezone.now()
    midnight = datetime.combine(today, time.min, tzinfo=SEOUL)
    newest = max(now - timedelta(hours=1), midnight)
    events = [
        f.CollectionEventFactory(
            id=uuid.uuid4(),
            tag=tag,
            collector=collector,
            weight_g=10_000 + day,
            collected_at=newest - timedelta(days=day),
            scale_id="SC-1",
        )
        for day in range(40)
    ]
    return events  # newest first: an hour ago (open to dispute) … 39 days ago (past the window)


def test_an_owner_checks_a_pickup_and_disputes_it_on_a_phone(phone, history, tag):
    sign_in(phone, "owner", "owner-password-1", "/")
    expect(phone.get_by_test_id("month-so-far")).to_be_visible()
    assert_usable(phone, "owner home")

    phone.get_by_role("link", name="수거 기록 · 영수증").click()
    expect(phone.get_by_test_id("today")).to_contain_text("오늘 수거됨")
    assert phone.get_by_test_id("pickup").count() == 30
    assert_usable(phone, "pickups")
    phone.get_by_role("link", name="이전 기록 더 보기").click()
    assert phone.get_by_test_id("pickup").count() == 10
    phone.goto("/my/pickups/?month=2026-13")
    expect(phone.locator(".errorlist")).to_be_visible()
    assert_usable(phone, "pickups with a bad month")
    phone.goto("/my/pickups/")

    phone.get_by_test_id("pickup").first.click()
    expect(phone.get_by_test_id("receipt-weight")).to_have_text("10.000 kg")
    expect(phone.get_by_test_id("receipt-fee")).to_have_text("1,500원")
    expect(phone.get_by_test_id("receipt-scale")).to_contain_text("SC-1")
    expect(phone.get_by_test_id("dispute-until")).to_contain_text("까지 이의신청 가능")
    assert_usable(phone, "receipt")

    phone.get_by_test_id("wrong").click()
    expect(phone.get_by_test_id("receipt-weight")).to_have_text("10.000 kg")  # the receipt, above the form
    expect(phone.get_by_test_id("receipt-scale")).to_contain_text("SC-1")
    expect(phone.get_by_test_id("dispute-deadline")).to_contain_text("까지 신청할 수 있습니다")
    phone.get_by_label("사유").fill("   ")
    phone.get_by_role("button", name="이의신청하기").click()
    expect(phone.get_by_role("alert")).to_contain_text("사유를 입력해 주세요")
    assert_usable(phone, "dispute form with an error")
    phone.get_by_label("사유").fill("이날은 용기를 내놓지 않았습니다")
    phone.get_by_label("맞다고 생각하는 무게").fill("0")
    phone.get_by_role("button", name="이의신청하기").click()
    expect(phone.get_by_role("status")).to_contain_text("이의신청을 접수했습니다")
    dispute = Dispute.objects.get()
    assert dispute.event_id == history[0].id and dispute.proposed_weight_g == 0
    phone.goto(f"/my/pickups/{history[0].id}/")
    expect(phone.locator(".status-dispute-open")).to_be_visible()
    expect(phone.get_by_test_id("wrong")).to_have_count(0)
    assert_usable(phone, "receipt with an open dispute")

    phone.goto(f"/my/pickups/{history[-1].id}/")
    expect(phone.get_by_test_id("dispute-window-closed")).to_contain_text("기간이 지났습니다")
    expect(phone.get_by_role("link", name="02-3153-8114")).to_have_attribute("href", "tel:02-3153-8114")
    expect(phone.get_by_test_id("wrong")).to_have_count(0)
    assert_usable(phone, "receipt past the dispute window")


def test_an_owner_sees_the_tag_and_reports_it_lost(phone, history, tag):
    sign_in(phone, "owner", "owner-password-1", "/my/bins/")
    expect(phone.get_by_test_id("manual-code")).to_have_text(tag.manual_code_display)
    qr = phone.get_by_role("img", name="QR")
    expect(qr).to_be_visible()
    phone.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=qr.element_handle())  # the PNG drew
    assert_usable(phone, "my bins")
    phone.get_by_text("태그를 잃어버렸거나 훼손되었어요").click()
    phone.get_by_label("태그를 잃어버렸어요").check()
    assert_usable(phone, "my bins, report form open")
    phone.get_by_role("button", name="공무원에게 알리기").click()
    expect(phone.get_by_role("status")).to_contain_text("신고를 접수했습니다")
    expect(phone.get_by_test_id("report-open")).to_be_visible()
    assert_usable(phone, "my bins after a report")
    assert TagReport.objects.get().kind == "lost"
