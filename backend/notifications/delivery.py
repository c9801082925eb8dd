"""The worker's side of a notice: send it once, on its recipient's channels, outside
their quiet hours unless it is urgent.

A notice that reaches the worker during its recipient's quiet hours is held: its row
keeps `hold_until` (the end of the quiet hours) and stays pending, and the beat's sweep
(`services.release_held`, every minute) hands it back to the worker from then on. The
state lives in the database, not in the broker: a Celery ETA of up to eleven hours
would sit unacknowledged in a worker's memory, be redelivered to a second worker after
the broker's visibility timeout and be gone with a flushed broker, and would not see a
change of quiet hours made meanwhile. The sweep re-sends a held notice until a worker
claims it (a conditional UPDATE, which also clears the hold), so it is never lost,
and only one claim can succeed, so it is never sent twice.
"""

from datetime import datetime

from django.utils import timezone

from backend.notifications.models import URGENT_KINDS, Notice, NoticeStatus
from backend.notifications.notifiers import Undeliverable, configured_channels, get_notifier
from backend.notifications.preferences import home_zone, preference_of
from backend.notifications.quiet_hours import quiet_until

NO_CHANNEL = "no channel chosen: the notice centre only"


def deliver(*, notice_id: str, final_attempt: bool, now: datetime | None = None) -> bool:
    """Send one notice if nobody has and its recipient's quiet hours allow. True when
    this call sent it."""
    now = now or timezone.now()
    notice = Notice.objects.select_related("recipient__notice_preference").get(id=notice_id)
    preference = preference_of(notice.recipient)
    if notice.kind not in URGENT_KINDS and preference.quiet_hours and notice.status == NoticeStatus.PENDING:
        until = quiet_until(
            now, start=preference.quiet_start, end=preference.quiet_end, zone=home_zone(notice.recipient)
        )
        if until is not None:
            notice.hold(until=until)
            return False
    if not notice.claim():
        return False
    channels = [channel for channel in configured_channels() if preference.wants(channel)]
    undeliverable = []
    sent = False
    for channel in channels:
        try:
            get_notifier(channel).send(recipient=notice.recipient, subject=notice.subject, body=notice.body)
        except Undeliverable as error:
            undeliverable.append(str(error))
        except Exception as error:
            notice.release_after_failure(repr(error), final=final_attempt)
            raise
        else:
            sent = True
    if not sent:
        notice.status, notice.last_error = NoticeStatus.SKIPPED, "; ".join(undeliverable) or NO_CHANNEL
        notice.save(update_fields=["status", "last_error"])
        return False
    notice.mark_sent()
    return True
