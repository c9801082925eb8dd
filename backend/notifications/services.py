from django.db import transaction
from django.template.loader import render_to_string

from backend.notifications.models import Notice, NoticeKind, NoticeStatus
from backend.notifications.notifiers import Undeliverable, get_notifier


def notify_missed_pickups(*, events) -> None:
    """Tell each owner why the crew left their bin, once per visit, after commit."""
    notices = []
    for event in events:
        restaurant = event.restaurant
        if restaurant.owner_id is None:
            continue
        context = {"event": event, "restaurant": restaurant, "bin": event.bin}
        notices.append(
            Notice(
                kind=NoticeKind.MISSED_PICKUP,
                about=str(event.id),
                recipient_id=restaurant.owner_id,
                subject=render_to_string("notifications/missed_pickup_subject.txt", context).strip(),
                body=render_to_string("notifications/missed_pickup_body.txt", context),
            )
        )
    created = Notice.objects.bulk_create(notices, ignore_conflicts=True)
    _send_after_commit([notice.id for notice in created])


def _send_after_commit(notice_ids) -> None:
    from backend.notifications.tasks import send_notice

    for notice_id in notice_ids:
        transaction.on_commit(lambda notice_id=notice_id: send_notice.delay(str(notice_id)))


def send_notice(*, notice_id, final_attempt: bool) -> bool:
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
