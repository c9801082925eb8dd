from celery import shared_task

from backend.collection_events import notices


@shared_task(time_limit=120, soft_time_limit=100, name="collection_events.notify_pickups_done")
def notify_pickups_done(event_ids: list[str]) -> int:
    return notices.notify_pickups_done(event_ids=event_ids)
