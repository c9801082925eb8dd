"""On an invoice's page, officials see what its owner was sent about it, when, and
whether it was read (reminders included); the owner does not see that table."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.billing.models import Invoice
from backend.notifications.models import Notice, NoticeDelivery, NoticeKind
from backend.notifications.services import remind_unread
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(tariff, old_bin, scan, bill, eager_celery, django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to(seoul(2026, 11, 1, 3), tick=False)
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    with django_capture_on_commit_callbacks(execute=True):
        bill("2026-10")
    return Invoice.objects.get()


def notices_table(page: str) -> str:
    start = page.index('<table class="invoice-notices">')
    return page[start : page.index("</table>", start)]


def test_officials_see_what_was_sent_when_and_whether_it_was_read(
    client, official, owner, invoice, time_machine, django_capture_on_commit_callbacks
):
    issued = Notice.objects.get(kind=NoticeKind.INVOICE_ISSUED, about=str(invoice.id))
    client.force_login(official)
    table = notices_table(client.get(f"/billing/invoices/{invoice.id}/").content.decode())
    assert "청구서 발행 안내" in table and owner.username in table
    sent = timezone.localtime(issued.sent_at)
    assert f"{sent.year}년 {sent.month}월 {sent.day}일 {sent:%H:%M}" in table
    assert "읽지 않음" in table

    time_machine.move_to(seoul(2026, 11, 5, 9), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert remind_unread() == 1
    time_machine.move_to(seoul(2026, 11, 5, 20, 30), tick=False)
    issued.mark_read()

    table = notices_table(client.get(f"/billing/invoices/{invoice.id}/").content.decode())
    assert "읽지 않은 안내 다시 알림" in table  # the reminder, itself unread
    assert "2026년 11월 5일 20:30" in table  # when the invoice notice was read
    assert table.count("<tr>") == 3  # the header, the notice, its reminder


def test_another_invoices_notices_are_not_listed(f, client, official, invoice):
    f.NoticeFactory(kind=NoticeKind.INVOICE_ISSUED, subject="다른 청구서")
    client.force_login(official)
    table = notices_table(client.get(f"/billing/invoices/{invoice.id}/").content.decode())
    assert table.count("<tr>") == 2


def test_the_owner_sees_the_invoice_but_not_the_officials_table(client, owner, invoice):
    client.force_login(owner)
    page = client.get(f"/billing/invoices/{invoice.id}/").content.decode()
    assert "invoice-notices" not in page


def test_an_official_of_another_municipality_sees_no_invoice(client, stranger, invoice):
    client.force_login(stranger)
    assert client.get(f"/billing/invoices/{invoice.id}/").status_code == 404


def test_the_reminder_beat_leaves_a_read_invoice_notice_alone(client, owner, invoice, time_machine):
    issued = Notice.objects.get(kind=NoticeKind.INVOICE_ISSUED, about=str(invoice.id))
    client.force_login(owner)
    client.get(issued.page_path)  # the owner opens the email's link
    time_machine.move_to(timezone.now() + timedelta(days=10), tick=False)
    assert remind_unread() == 0


def test_officials_see_how_the_notice_went_on_kakaotalk(client, official, invoice):
    issued = Notice.objects.get(kind=NoticeKind.INVOICE_ISSUED, about=str(invoice.id))
    NoticeDelivery.objects.create(
        notice=issued, channel="alimtalk", status="delivered", fell_back=True, fallback_type="LMS"
    )
    client.force_login(official)
    table = notices_table(client.get(f"/billing/invoices/{invoice.id}/").content.decode())
    assert "카카오톡 알림톡: 전달됨 (문자로)" in table
