from celery import shared_task

from backend.notifications import services
from backend.notifications.delivery import deliver, poll_results, resend
from backend.notifications.models import NoticeDelivery


@shared_task(bind=True, max_retries=5, time_limit=60, soft_time_limit=50, name="notifications.send_notice")
def send_notice(self, notice_id: str) -> bool:
    try:
        return deliver(notice_id=notice_id, final_attempt=self.request.retries >= self.max_retries)
    except (ConnectionError, TimeoutError, OSError) as error:
        raise self.retry(exc=error, countdown=2**self.request.retries * 30) from error


@shared_task(time_limit=300, name="notifications.remind_unread_notices")
def remind_unread_notices() -> int:
    return services.remind_unread()


@shared_task(time_limit=120, soft_time_limit=100, name="notifications.release_held_notices")
def release_held_notices() -> int:
    return services.release_held()


@shared_task(time_limit=120, soft_time_limit=100, name="notifications.resume_stale_notices")
def resume_stale_notices() -> int:
    return services.resume_stale_sends()


@shared_task(time_limit=300, name="notifications.poll_delivery_results")
def poll_delivery_results() -> int:
    return poll_results()


@shared_task(bind=True, max_retries=5, time_limit=60, soft_time_limit=50, name="notifications.resend_delivery")
def resend_delivery(self, delivery_id: str) -> bool:
    try:
        return resend(delivery_id=delivery_id)
    except (ConnectionError, TimeoutError, OSError) as error:
        # Free the row's claim so that the retry may take it at once.
        NoticeDelivery.objects.filter(id=delivery_id).update(claimed_at=None)
        raise self.retry(exc=error, countdown=2**self.request.retries * 30) from error
