"""Queuing background work after commit without losing it when the broker is down.

The work a request commits (a crew's scans, a billing run, a notice) often needs a
task queued once the transaction has committed: `transaction.on_commit(task.delay)`.
If the broker does not answer at that moment, `delay` raises after the commit: the
person gets a 500 for work that is stored, and the task is lost (a crew's retry of the
same scans is answered `duplicate` and queues nothing).

So each task is queued here instead. A refused task is written to `UnsentTask` (the
database answered a moment ago) and the request succeeds; the sweep queues the kept
tasks again every minute (`core.requeue_unsent_tasks`, Celery beat). The tasks are
idempotent, so one queued twice (the sweep's row deleted after the publish, and the
commit lost) still does its work once.
"""

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from celery import Task, current_app
from django.db import transaction

from backend.core.models import UnsentTask

logger = logging.getLogger(__name__)

#: The most kept tasks one sweep queues again.
REQUEUE_LIMIT = 500


def queue_after_commit(task: Task, *args: Any) -> None:
    """Queue `task(*args)` once the current transaction commits, or keep it if the broker
    refuses it."""
    queue_each_after_commit(task, [args])


def queue_each_after_commit(task: Task, calls: Iterable[Sequence[Any]]) -> None:
    """Queue `task(*args)` for each `args` once the current transaction commits. Once the
    broker refuses one, the rest are kept without trying (each try waits for its
    retries)."""
    pending = [list(args) for args in calls]
    if pending:
        # robust: should keeping them fail as well, the request that committed still succeeds.
        transaction.on_commit(lambda: _queue_or_keep(task, pending), robust=True)


def _queue_or_keep(task: Task, calls: list[list[Any]]) -> None:
    for position, args in enumerate(calls):
        try:
            task.delay(*args)
        except Exception as refused:  # whatever the transport raises
            logger.warning("Broker refused %s; %d kept for the sweep: %r", task.name, len(calls) - position, refused)
            UnsentTask.objects.bulk_create(
                UnsentTask(task=task.name, args=rest, error=repr(refused)[:1000]) for rest in calls[position:]
            )
            return


def requeue_unsent(*, limit: int = REQUEUE_LIMIT) -> int:
    """Queue again the kept tasks, oldest first; stop at the first the broker still
    refuses (it is counted and kept, with the rest). Returns how many were queued."""
    with transaction.atomic():
        kept = list(UnsentTask.objects.select_for_update(skip_locked=True).order_by("id")[:limit])
        queued: list[int] = []
        for row in kept:
            try:
                current_app.tasks[row.task].delay(*row.args)
            except Exception as refused:  # whatever the transport raises
                row.attempts += 1
                row.error = repr(refused)[:1000]
                row.save(update_fields=["attempts", "error"])
                break
            queued.append(row.id)
        UnsentTask.objects.filter(id__in=queued).delete()
    return len(queued)
