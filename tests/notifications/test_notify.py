"""Every notice goes through one service: written once per (kind, about), sent after
commit, exactly once; a notice that already existed is not sent again."""

from unittest import mock

import pytest
from django.core import mail
from django.db import transaction

from backend.collection_events.notices import notify_missed_pickups
from backend.notifications import tasks
from backend.notifications.models import Notice
from backend.notifications.services import Message, notify, notify_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def missed(f, restaurant):
    return [
        f.CollectionEventFactory(
            tag__bin__restaurant=restaurant, weight_g=None, status="not_collected", exception_code=code
        )
        for code in ("not_put_out", "contaminated")
    ]


@pytest.fixture
def sent_ids():
    """The notice ids handed to the sending task."""
    with mock.patch.object(tasks.send_notice, "delay") as delay:
        yield lambda: [call.args[0] for call in delay.call_args_list]


def test_a_second_call_for_the_same_events_sends_nothing(missed, sent_ids, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_missed_pickups(events=missed)
    first = sent_ids()
    assert sorted(first) == sorted(str(notice_id) for notice_id in Notice.objects.values_list("id", flat=True))
    assert len(first) == 2

    with django_capture_on_commit_callbacks(execute=True):
        notify_missed_pickups(events=missed)  # the bulk path: bulk_create hands back every object
    assert sent_ids() == first
    assert Notice.objects.count() == 2


def test_only_the_new_notices_of_a_mixed_batch_are_sent(f, missed, sent_ids, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify_missed_pickups(events=missed[:1])
    with django_capture_on_commit_callbacks(execute=True):
        notify_missed_pickups(events=missed)
    assert len(sent_ids()) == 2
    assert set(sent_ids()) == {str(notice_id) for notice_id in Notice.objects.values_list("id", flat=True)}


def test_notices_are_sent_after_commit_not_before(missed, sent_ids, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        notify_missed_pickups(events=missed)
        assert sent_ids() == []  # written, not yet sent
    assert Notice.objects.count() == 2
    for callback in callbacks:
        callback()
    assert len(sent_ids()) == 2


def test_a_rolled_back_transaction_sends_nothing(missed, sent_ids, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify_missed_pickups(events=missed)
                raise RuntimeError("the scan failed after the notice was written")
        except RuntimeError:
            pass
    assert callbacks == []
    assert sent_ids() == []
    assert Notice.objects.count() == 0


def test_one_notice_is_mailed_once_however_often_it_is_raised(owner, eager_celery, django_capture_on_commit_callbacks):
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            notify(
                kind="missed_pickup",
                about="visit-1",
                recipient_id=owner.id,
                template="collection_events/notices/missed_pickup",
                context={"event": None, "restaurant": None, "bin": None},
                variables={"업소명": "할매순대국", "용기": "주방 1", "방문일시": "2026-11-02 10:00", "사유": "미배출"},
            )
    assert Notice.objects.get().status == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.org"]


def test_notify_all_answers_only_what_it_wrote(owner):
    message = Message(
        kind="missed_pickup",
        about="visit-2",
        recipient_id=owner.id,
        template="collection_events/notices/missed_pickup",
        context={},
        variables={"업소명": "할매순대국", "용기": "주방 1", "방문일시": "2026-11-02 10:00", "사유": "미배출"},
    )
    assert len(notify_all([message])) == 1
    assert notify_all([message]) == []
    assert notify_all([]) == []
