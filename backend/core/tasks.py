from celery import shared_task

from backend.core import queueing


@shared_task(time_limit=120, soft_time_limit=100, name="core.requeue_unsent_tasks")
def requeue_unsent_tasks() -> int:
    return queueing.requeue_unsent()
