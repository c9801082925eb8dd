from celery import shared_task

from backend.notifications import services


@shared_task(bind=True, max_retries=5, time_limit=60, soft_time_limit=50)
def send_notice(self, notice_id: str) -> bool:
    try:
        return services.send_notice(notice_id=notice_id, final_attempt=self.request.retries >= self.max_retries)
    except (ConnectionError, TimeoutError, OSError) as error:
        raise self.retry(exc=error, countdown=2**self.request.retries * 30) from error
