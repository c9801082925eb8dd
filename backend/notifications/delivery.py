"""The worker's side of a notice: send it once, through the configured notifier."""

from backend.notifications.models import Notice, NoticeStatus
from backend.notifications.notifiers import Undeliverable, get_notifier


def deliver(*, notice_id: str, final_attempt: bool) -> bool:
    """Send one notice if nobody has. True when this call sent it."""
    notice = Notice.objects.select_related("recipient").get(id=notice_id)
    if not notice.claim():
        return False
    try:
        get_notifier().send(recipient=notice.recipient, subject=notice.subject, body=notice.body)
    except Undeliverable as error:
        notice.status, notice.last_error = NoticeStatus.SKIPPED, str(error)
        notice.save(update_fields=["status", "last_error"])
        return False
    except Exception as error:
        notice.release_after_failure(repr(error), final=final_attempt)
        raise
    notice.mark_sent()
    return True
