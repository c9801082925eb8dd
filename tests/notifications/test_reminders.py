"""An important notice (invoice issued, overdue) still unread NOTICE_REMINDER_DAYS after
it was written gets exactly one reminder; a read one, a recent one or an unimportant
one gets none."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from backend.notifications import tasks
from backend.notifications.models import Notice, NoticeKind
from backend.notifications.services import remind_unread

pytestmark = pytest.mark.django_db


@pytest.fixture
def written(time_machine):
    """When the notices are written; the clock then moves on from there."""
    time_machine.move_to("2026-11-02T10:00:00+09:00", tick=False)
    return timezone.now()


def reminders():
    return Notice.objects.filter(kind=NoticeKind.REMINDER)


def test_an_unread_invoice_notice_is_reminded_once(
    f, owner, written, time_machine, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.NOTICE_REMINDER_DAYS = 3
    original = f.NoticeFactory(recipient=owner, kind=NoticeKind.INVOICE_ISSUED, subject="10월 청구서")
    time_machine.move_to(written + timedelta(days=3, minutes=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_unread_notices() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_unread_notices() == 0  # the next beat
    time_machine.move_to(written + timedelta(days=30), tick=False)
    assert remind_unread() == 0  # however long it stays unread

    (reminder,) = reminders()
    assert (reminder.about, reminder.recipient_id) == (str(original.id), owner.id)
    assert reminder.subject == "[다시 알림] 10월 청구서"
    assert reminder.link == original.page_url  # opening the reminder leads to the notice itself
    assert f"/notices/{reminder.id}/" in reminder.body
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "[다시 알림] 10월 청구서"


def test_not_before_the_days_have_passed(f, owner, written, time_machine, settings):
    settings.NOTICE_REMINDER_DAYS = 3
    f.NoticeFactory(recipient=owner, kind=NoticeKind.INVOICE_OVERDUE)
    time_machine.move_to(written + timedelta(days=2, hours=23), tick=False)
    assert remind_unread() == 0
    time_machine.move_to(written + timedelta(days=3), tick=False)
    assert remind_unread() == 1


def test_the_days_are_a_setting(f, owner, written, time_machine, settings):
    settings.NOTICE_REMINDER_DAYS = 7
    f.NoticeFactory(recipient=owner, kind=NoticeKind.INVOICE_OVERDUE)
    time_machine.move_to(written + timedelta(days=5), tick=False)
    assert remind_unread() == 0
    time_machine.move_to(written + timedelta(days=7), tick=False)
    assert remind_unread() == 1


def test_a_read_notice_is_not_reminded(f, owner, written, time_machine):
    notice = f.NoticeFactory(recipient=owner, kind=NoticeKind.INVOICE_ISSUED)
    time_machine.move_to(written + timedelta(days=1), tick=False)
    notice.mark_read()
    time_machine.move_to(written + timedelta(days=10), tick=False)
    assert remind_unread() == 0
    assert not reminders().exists()


def test_only_important_notices_are_reminded(f, owner, written, time_machine):
    for kind in (NoticeKind.MISSED_PICKUP, NoticeKind.PAYMENT_RECEIVED, NoticeKind.PICKUP_REQUEST_DONE):
        f.NoticeFactory(recipient=owner, kind=kind)
    time_machine.move_to(written + timedelta(days=10), tick=False)
    assert remind_unread() == 0


def test_a_reminder_is_never_reminded_again(f, owner, written, time_machine):
    f.NoticeFactory(recipient=owner, kind=NoticeKind.INVOICE_ISSUED)
    time_machine.move_to(written + timedelta(days=4), tick=False)
    assert remind_unread() == 1
    time_machine.move_to(written + timedelta(days=40), tick=False)
    assert remind_unread() == 0
    assert reminders().count() == 1


@pytest.mark.parametrize("meanwhile", ["claimed_by_another_beat", "read_by_the_owner"])
def test_a_notice_taken_between_the_scan_and_the_claim_is_not_reminded(
    f, owner, written, time_machine, monkeypatch, meanwhile
):
    """Between the beat's scan for candidates and its claim, another beat claims the
    notice or the owner reads it: the conditional UPDATE claims nothing, so no reminder."""
    from contextlib import contextmanager

    from django.db import transaction

    from backend.notifications import services

    notice = f.NoticeFactory(recipient=owner, kind=NoticeKind.INVOICE_ISSUED)
    time_machine.move_to(written + timedelta(days=4), tick=False)
    atomic = transaction.atomic

    @contextmanager
    def after_the_scan():
        field = "reminded_at" if meanwhile == "claimed_by_another_beat" else "read_at"
        Notice.objects.filter(id=notice.id).update(**{field: timezone.now()})
        with atomic():
            yield

    monkeypatch.setattr(services.transaction, "atomic", after_the_scan)
    assert remind_unread() == 0
    assert not reminders().exists()


def test_the_beat_runs_the_reminder_task(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "notifications.remind_unread_notices" in schedule
