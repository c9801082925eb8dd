"""An owner on a phone reads their notices: the header says how many are unread, the
home page shows the latest, the centre lists them, opening one marks it read; the
official sees on the invoice's page that it was read."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backend.billing.models import Invoice
from backend.notifications.models import Notice, NoticeKind
from tests.billing.conftest import seoul
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.browser.test_tag_page import shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def issued(f, owner, official, tariff, old_bin, scan, bill, eager_celery):
    """October's invoice, issued and told to its owner by email, and an older notice, read."""
    for person, password in ((owner, "owner-password-1"), (official, "official-password-1")):
        person.set_password(password)
        person.save()
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    bill("2026-10")
    month_ago = timezone.now() - timedelta(days=30)
    f.NoticeFactory(recipient=owner, subject="지난달 납부 영수증", created_at=month_ago, read_at=month_ago)
    return Notice.objects.get(kind=NoticeKind.INVOICE_ISSUED)


def test_an_owner_reads_a_notice_and_the_official_sees_it_read(phone, issued, owner):
    sign_in(phone, "owner", "owner-password-1", "/")
    expect(phone.get_by_test_id("unread-count")).to_have_text("1건 읽지 않음")
    expect(phone.get_by_text(issued.subject)).to_be_visible()
    assert_usable(phone, "owner's home with the latest notices")

    phone.locator("header").get_by_role("link", name=re.compile("^알림")).click()
    expect(phone.get_by_role("heading", name="알림")).to_be_visible()
    first = phone.locator(".notice-list li").first
    expect(first).to_contain_text("새 알림")
    expect(first).to_contain_text(issued.subject)
    expect(phone.locator(".notice-list li").nth(1)).to_contain_text("읽음")
    assert_usable(phone, "the notice centre with one unread notice")
    shoot(phone, "notice-centre")

    first.get_by_role("link").click()
    expect(phone.get_by_role("heading", name=issued.subject)).to_be_visible()
    expect(phone.get_by_test_id("read-at")).not_to_be_empty()
    expect(phone.get_by_test_id("unread-count")).to_have_count(0)
    assert_usable(phone, "one notice, just read")
    shoot(phone, "notice-read")
    issued.refresh_from_db()
    assert issued.read_at is not None

    phone.get_by_role("link", name="자세히 보기").click()
    expect(phone.get_by_test_id("amount-due")).to_be_visible()  # the invoice it told about

    phone.goto("/notices/")
    expect(phone.locator(".notice-list li").first).to_contain_text("읽음")
    assert_usable(phone, "the notice centre, everything read")

    phone.context.clear_cookies()
    sign_in(phone, "official", "official-password-1", f"/billing/invoices/{Invoice.objects.get().id}/")
    table = phone.locator("table.invoice-notices")
    expect(table).to_contain_text("청구서 발행 안내")
    expect(table).not_to_contain_text("읽지 않음")
    assert_usable(phone, "the official's invoice page with its notices")
    shoot(phone, "invoice-notices")
