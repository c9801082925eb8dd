"""An official works the arrears list on a PC (filter, a reminder sent with nothing
ticked, then to two invoices); an owner on a 360 px phone sets their channels and quiet
hours (a mistake first), then their language. Every state passes the accessibility checks."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backend.billing.models import Invoice, InvoiceStatus
from backend.notifications.models import Notice, NoticeKind, NoticePreference
from backend.restaurants.models import Bin
from tests.billing.conftest import seoul
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def overdue(f, official, district, tariff, scan, bill, eager_celery):
    """Three invoices of October, 12, 45 and 95 days past due today (Seoul)."""
    official.set_password("official-password-1")
    official.save()
    for i in range(3):
        owner = f.UserFactory(username=f"late-owner-{i}", role="owner", email=f"late{i}@example.org")
        bin_ = f.BinFactory(restaurant=f.RestaurantFactory(district=district, owner=owner, name=f"늦은 식당 {i}"))
        Bin.objects.filter(id=bin_.id).update(created_at=seoul(2025, 1, 1))
        scan(bin_, seoul(2026, 10, 3, 5), 10_000 * (i + 1))
    bill("2026-10")
    today = timezone.localdate(timezone=official.municipality.zone)
    invoices = list(Invoice.objects.order_by("restaurant_name"))
    for invoice, days in zip(invoices, (12, 45, 95), strict=True):
        Invoice.objects.filter(id=invoice.id).update(
            due_date=today - timedelta(days=days), status=InvoiceStatus.OVERDUE
        )
    return invoices


def test_an_official_filters_the_arrears_and_reminds_two_owners(desk, overdue, official):
    sign_in(desk, "official", "official-password-1", "/console/billing/")
    desk.get_by_role("link", name="미납", exact=True).click()
    expect(desk.get_by_role("heading", name="미납", exact=True)).to_be_visible()
    expect(desk.locator("table.arrears tbody tr")).to_have_count(3)
    assert_usable(desk, "the arrears list")

    desk.get_by_role("combobox", name="연체 기간").select_option("90_plus")
    desk.get_by_role("button", name="보기", exact=True).click()
    expect(desk.locator("table.arrears tbody tr")).to_have_count(1)
    expect(desk.locator("table.arrears")).to_contain_text("늦은 식당 2")
    assert_usable(desk, "the arrears list, 90 days and more")

    desk.goto("/console/arrears/")
    desk.get_by_role("button", name="선택한 청구서에 납부 안내 보내기").click()
    expect(desk.get_by_role("alert")).to_contain_text("하나 이상 고르세요")
    assert_usable(desk, "the arrears list after a reminder with nothing ticked")

    desk.get_by_label(f"{overdue[0].number} 선택").check()
    desk.get_by_label(f"{overdue[1].number} 선택").check()
    desk.get_by_role("button", name="선택한 청구서에 납부 안내 보내기").click()
    expect(desk.get_by_role("status")).to_contain_text("납부 안내 2건을 보냈습니다")
    expect(desk.locator("table.arrears")).to_contain_text("미납 요금 납부 안내")
    assert_usable(desk, "the arrears list after the reminders")
    assert Notice.objects.filter(kind=NoticeKind.ARREARS_REMINDER).count() == 2

    desk.get_by_label(f"{overdue[0].number} 선택").check()
    desk.get_by_role("button", name="선택한 청구서에 납부 안내 보내기").click()
    expect(desk.get_by_role("status")).to_contain_text("오늘 이미 안내해 다시 보내지 않았습니다")
    assert Notice.objects.filter(kind=NoticeKind.ARREARS_REMINDER).count() == 2


def test_an_owner_sets_channels_quiet_hours_and_language_on_a_phone(phone, owner):
    owner.set_password("owner-password-1")
    owner.save()
    sign_in(phone, "owner", "owner-password-1", "/notices/")
    phone.get_by_role("link", name="알림 받는 방법과 조용한 시간").click()
    expect(phone.get_by_role("heading", name="알림 설정")).to_be_visible()
    expect(phone.get_by_label("문자 (SMS)")).to_be_disabled()
    expect(phone.get_by_label("문자 (SMS)")).not_to_be_checked()  # not ready: must not look on
    expect(phone.get_by_text("시각은 서울 시각 기준입니다.")).to_be_visible()
    expect(phone.get_by_text("준비 중").first).to_be_visible()
    expect(phone.get_by_label("시작")).to_have_value("21:00")
    expect(phone.get_by_label("한국어")).to_be_checked()
    assert_usable(phone, "notice settings")

    phone.get_by_label("밤에는 보내지 않기").check()
    phone.get_by_label("끝").fill("21:00")
    phone.get_by_role("button", name="저장").click()
    expect(phone.get_by_role("alert")).to_contain_text("시작과 끝이 같습니다")
    assert_usable(phone, "notice settings with a form error")

    phone.get_by_label("시작").fill("22:00")
    phone.get_by_label("끝").fill("07:30")
    phone.get_by_label("이메일", exact=True).uncheck()
    phone.get_by_role("button", name="저장").click()
    expect(phone.get_by_role("status")).to_contain_text("저장했습니다")
    expect(phone.get_by_label("끝")).to_have_value("07:30")
    assert_usable(phone, "notice settings saved")
    saved = NoticePreference.objects.get(user=owner)
    assert (saved.email, str(saved.quiet_start), str(saved.quiet_end)) == (False, "22:00:00", "07:30:00")

    # English: kept on the account (their notices are written in it) and the site follows at once.
    phone.get_by_label("English").check()
    phone.get_by_role("button", name="저장").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", name="Notice settings")).to_be_visible()
    expect(phone.get_by_role("status")).to_contain_text("Your notice settings were saved.")
    expect(phone.get_by_label("English")).to_be_checked()
    expect(phone.get_by_label("Until")).to_have_value("07:30")
    assert_usable(phone, "notice settings in English")
    owner.refresh_from_db()
    assert owner.language == "en"
