from celery import shared_task

from backend.collection_events import notices, partitions


@shared_task(time_limit=120, soft_time_limit=100, name="collection_events.notify_pickups_done")
def notify_pickups_done(event_ids: list[str]) -> int:
    return notices.notify_pickups_done(event_ids=event_ids)


@shared_task(time_limit=600, soft_time_limit=570, name="collection_events.ensure_event_partitions")
def ensure_event_partitions() -> int:
    # Idempotent: a month made already is skipped (partitions.ensure_months).
    return len(partitions.ensure_months())
