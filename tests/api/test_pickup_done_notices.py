"""The owner is told of every weighing of their bin (pickup done), once, in their own
language, with a link to its receipt; the crew's sync is answered before any notice is
written (one task per batch, after commit)."""

import pytest
from django.core import mail

from backend.collection_events.models import CollectionEvent
from backend.core import queueing
from backend.core.models import UnsentTask
from backend.notifications.models import Notice, NoticeKind
from tests.api.scans import BATCH, scan

pytestmark = pytest.mark.django_db


def sync(crew, *scans):
    response = crew.post(BATCH, {"events": list(scans)}, format="json")
    assert response.status_code == 200, response.content
    return response


def test_each_weighing_tells_its_owner_once_with_its_weight_and_receipt(
    crew, tag, owner, eager_celery, django_capture_on_commit_callbacks
):
    weighed, other = scan(tag, weight_kg="12.5"), scan(tag, weight_kg="3.25")
    with django_capture_on_commit_callbacks(execute=True):
        sync(crew, weighed, other)
    with django_capture_on_commit_callbacks(execute=True):
        sync(crew, weighed, other)  # the phone retries: nothing new

    notices = Notice.objects.filter(kind=NoticeKind.PICKUP_DONE).order_by("about")
    assert sorted(n.about for n in notices) == sorted([weighed["id"], other["id"]])
    assert {n.recipient_id for n in notices} == {owner.id}
    done = notices.get(about=weighed["id"])
    assert "12.500 kg" in done.subject and "수거 완료" in done.subject
    assert done.link.endswith(f"/my/pickups/{weighed['id']}/")
    assert len([m for m in mail.outbox if "12.500 kg" in m.subject]) == 1  # mailed once


def test_a_visit_without_a_weighing_is_a_missed_pickup_not_a_pickup_done(
    crew, tag, eager_celery, django_capture_on_commit_callbacks
):
    missed = scan(tag, weight_kg=None, exception_code="not_put_out")
    with django_capture_on_commit_callbacks(execute=True):
        sync(crew, missed)
    assert list(Notice.objects.filter(about=missed["id"]).values_list("kind", flat=True)) == [NoticeKind.MISSED_PICKUP]


def test_the_notice_speaks_the_owner_language(crew, tag, owner, eager_celery, django_capture_on_commit_callbacks):
    owner.language = "en"
    owner.save(update_fields=["language"])
    body = scan(tag, weight_kg="7")
    with django_capture_on_commit_callbacks(execute=True):
        sync(crew, body)
    notice = Notice.objects.get(kind=NoticeKind.PICKUP_DONE, about=body["id"])
    assert "collected, 7.000 kg" in notice.subject
    assert "The crew collected the bin" in notice.body


def test_the_sync_only_queues_one_task_for_the_whole_batch(crew, tag, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sync(crew, *(scan(tag, weight_kg=f"{n}.5") for n in range(1, 6)))
    assert len(callbacks) == 1  # no notice written in the crew's request
    assert not Notice.objects.filter(kind=NoticeKind.PICKUP_DONE).exists()


def test_a_restaurant_without_an_owner_tells_no_one(
    crew, tag, restaurant, eager_celery, django_capture_on_commit_callbacks
):
    restaurant.owner = None
    restaurant.save()
    with django_capture_on_commit_callbacks(execute=True):
        sync(crew, scan(tag))
    assert not Notice.objects.filter(kind=NoticeKind.PICKUP_DONE).exists()


def test_with_the_broker_down_the_sync_is_answered_and_the_owner_told_once_it_is_back(
    crew, tag, owner, broker_down, django_capture_on_commit_callbacks, eager_celery
):
    eager_celery.conf.task_always_eager = False  # the broker is down while the crew syncs
    weighed = scan(tag, weight_kg="12.5")
    with django_capture_on_commit_callbacks(execute=True):
        sync(crew, weighed)
    assert CollectionEvent.objects.filter(id=weighed["id"]).exists()
    assert not Notice.objects.filter(kind=NoticeKind.PICKUP_DONE).exists()
    assert list(UnsentTask.objects.values_list("task", "args")) == [
        ("collection_events.notify_pickups_done", [[weighed["id"]]])
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = sync(crew, weighed)  # the phone retries: stored once, nothing more kept
    assert UnsentTask.objects.count() == 1

    eager_celery.conf.task_always_eager = True  # the sweep runs once the broker answers
    assert queueing.requeue_unsent() == 1
    notice = Notice.objects.get(kind=NoticeKind.PICKUP_DONE)
    assert notice.about == weighed["id"] and notice.recipient_id == owner.id
    assert response.status_code == 200
