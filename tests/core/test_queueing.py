"""Work committed while the broker is down is not lost: its task is kept and queued by
the sweep once the broker answers again."""

import time

import pytest

from backend.core import queueing
from backend.core.models import UnsentTask
from backend.notifications import tasks as notice_tasks

pytestmark = pytest.mark.django_db


def test_tasks_refused_after_commit_are_kept_in_order_and_the_rest_not_tried(
    broker_down, django_capture_on_commit_callbacks
):
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        queueing.queue_each_after_commit(notice_tasks.send_notice, [["a"], ["b"], ["c"]])
    elapsed = time.monotonic() - started

    kept = list(UnsentTask.objects.order_by("id").values_list("task", "args"))
    assert kept == [("notifications.send_notice", [name]) for name in ("a", "b", "c")]
    assert "127.0.0.1" in UnsentTask.objects.first().error or "Connection" in UnsentTask.objects.first().error
    assert elapsed < 10  # one refusal waited for, not three


def test_the_sweep_queues_the_kept_tasks_once_the_broker_answers(eager_celery, monkeypatch):
    ran = []
    monkeypatch.setattr(notice_tasks.send_notice, "run", lambda notice_id: ran.append(notice_id))
    UnsentTask.objects.bulk_create(UnsentTask(task="notifications.send_notice", args=[n]) for n in ("a", "b"))

    assert queueing.requeue_unsent() == 2
    assert ran == ["a", "b"]
    assert not UnsentTask.objects.exists()
    assert queueing.requeue_unsent() == 0


def test_the_sweep_keeps_what_the_broker_still_refuses(broker_down):
    UnsentTask.objects.bulk_create(UnsentTask(task="notifications.send_notice", args=[n]) for n in ("a", "b"))

    assert queueing.requeue_unsent() == 0
    assert list(UnsentTask.objects.order_by("id").values_list("args", "attempts")) == [(["a"], 2), (["b"], 1)]
