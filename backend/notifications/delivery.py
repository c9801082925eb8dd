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

A provider with delivery results (AlimTalk through NHN Cloud) gets one `NoticeDelivery`
row per notice and channel. The row is written, with our own key, before the HTTP
call, and the call's answer is stored after it. A worker that dies in between leaves
the notice `sending` with an old `claimed_at`: the sweep (`resume_stale`) hands it
back after NOTICE_CLAIM_STALE_SECONDS, and the next worker, finding a row that already
made a call, asks the provider by that key before sending again. So does a retry after
a timeout (the provider may have the message though we never heard back). A channel
already accepted is not sent again when another channel's failure retries the notice.
Results (delivered, fell back to SMS/LMS, failed for good) come from the provider's
result API, read past a watermark every minute (`poll_results`).
"""

from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from backend.notifications.models import (
    URGENT_KINDS,
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticeStatus,
    ResultWatermark,
)
from backend.notifications.notifiers import (
    TrackedNotifier,
    Undeliverable,
    configured_channels,
    get_notifier,
    is_tracked,
)
from backend.notifications.preferences import home_zone, preference_of
from backend.notifications.quiet_hours import quiet_until

NO_CHANNEL = "no channel chosen: the notice centre only"
# How far back a provider is asked for a key, and how much of the last poll is read
# again (a result updated in the same second as the watermark is not missed).
LOOKUP_WINDOW = timedelta(days=1)
POLL_OVERLAP = timedelta(minutes=1)


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
    if not notice.claim(now=now):
        return False
    channels = [channel for channel in configured_channels() if preference.wants(channel)]
    undeliverable = []
    sent = False
    for channel in channels:
        notifier = get_notifier(channel)
        if is_tracked(notifier) and not cast(TrackedNotifier, notifier).handles(notice):
            continue  # not a notice this channel carries (a one-time password link)
        try:
            if is_tracked(notifier):
                _send_tracked(notifier, notice, channel, now=now)
            elif not _sent_before(notice, channel):
                notifier.send(recipient=notice.recipient, subject=notice.subject, body=notice.body)
                if len(channels) > 1:  # a retry for another channel must not send this one again
                    _new_row(notice, channel, status=DeliveryStatus.ACCEPTED, attempts=1, accepted_at=now)
        except Undeliverable as error:
            undeliverable.append(str(error))
        except Exception as error:
            transient = isinstance(error, (ConnectionError, TimeoutError, OSError))
            notice.release_after_failure(repr(error), final=final_attempt or not transient)
            raise
        else:
            sent = True
    if not sent:
        notice.status, notice.last_error = NoticeStatus.SKIPPED, "; ".join(undeliverable) or NO_CHANNEL
        notice.save(update_fields=["status", "last_error"])
        return False
    notice.mark_sent()
    return True


def _sent_before(notice: Notice, channel: str) -> bool:
    """An untracked channel (email) that an earlier attempt of this notice already used."""
    return (
        notice.attempts > 1
        and NoticeDelivery.objects.filter(notice=notice, channel=channel, status=DeliveryStatus.ACCEPTED).exists()
    )


def _new_row(notice: Notice, channel: str, **fields) -> NoticeDelivery | None:
    """The channel's row, inserted; None when it exists already (an earlier attempt's,
    or one an official's retry reset)."""
    row = NoticeDelivery(notice=notice, channel=channel, **fields)
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return None
    return row


def _send_tracked(notifier, notice: Notice, channel: str, *, now: datetime) -> None:
    """One notice on one provider channel, at most once at the provider. On a notice's
    first claim the row is written with its first attempt in one statement; after that
    the row says what happened before."""
    try:
        outgoing = notifier.prepare(notice)
    except Undeliverable as error:
        undeliverable = {"status": DeliveryStatus.UNDELIVERABLE, "reason": error.reason, "result_code": error.code}
        if notice.attempts > 1 or _new_row(notice, channel, **undeliverable) is None:
            NoticeDelivery.objects.filter(notice=notice, channel=channel, status=DeliveryStatus.SENDING).update(
                **undeliverable, result_message=str(error)[:300], updated_at=now
            )
        raise
    existing = NoticeDelivery.objects.filter(notice=notice, channel=channel).first() if notice.attempts > 1 else None
    fresh = None if existing is not None else _new_row(notice, channel, attempts=1, claimed_at=now)
    delivery = fresh or existing or NoticeDelivery.objects.get(notice=notice, channel=channel)
    if fresh is None:
        if delivery.status == DeliveryStatus.UNDELIVERABLE:
            raise Undeliverable(delivery.get_reason_display(), reason=delivery.reason)
        if delivery.status != DeliveryStatus.SENDING:
            return  # accepted before: another channel's failure brought the notice back
        if _found_at_provider(notifier, delivery, now=now):
            return
        delivery.begin_attempt(now=now)
    _submit(notifier, delivery, outgoing, now=now)


def _found_at_provider(notifier, delivery: NoticeDelivery, *, now: datetime) -> bool:
    """After a call whose answer we never stored (a timeout, a worker killed before it
    stored it), ask the provider by our key before sending again."""
    if not delivery.attempts:
        return False
    since = (delivery.claimed_at or now) - LOOKUP_WINDOW
    found = notifier.find(key=str(delivery.key), since=since, until=now + timedelta(minutes=5))
    if found is None:
        return False
    delivery.mark_accepted(message_id=found, now=now)
    return True


def _submit(notifier, delivery: NoticeDelivery, outgoing, *, now: datetime) -> None:
    try:
        message_id = notifier.submit(outgoing, key=str(delivery.key))
    except Undeliverable as error:
        delivery.mark_undeliverable(reason=error.reason, code=error.code, message=str(error))
        raise
    delivery.mark_accepted(message_id=message_id, now=now)


def resend(*, delivery_id: str, now: datetime | None = None) -> bool:
    """Send one channel's message again after an official's retry (its row reset to
    `sending` with a new key), leaving the notice's other channels alone. Claimed on
    the row (a conditional UPDATE of `claimed_at`, or a claim gone stale), so two
    hand-overs of the same retry send once. True when this call sent it."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTICE_CLAIM_STALE_SECONDS)
    claimed = NoticeDelivery.objects.filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale), id=delivery_id, status=DeliveryStatus.SENDING
    ).update(claimed_at=now)
    if not claimed:
        return False
    delivery = NoticeDelivery.objects.select_related("notice__recipient").get(id=delivery_id)
    notifier = get_notifier(delivery.channel)
    try:
        outgoing = notifier.prepare(delivery.notice)  # type: ignore[attr-defined]
    except Undeliverable as error:
        delivery.mark_undeliverable(reason=error.reason, code=error.code, message=str(error))
        return False
    if _found_at_provider(notifier, delivery, now=now):
        return False
    delivery.begin_attempt(now=now)
    try:
        _submit(notifier, delivery, outgoing, now=now)
    except Undeliverable:
        return False
    return True


def resume_stale(*, now: datetime | None = None, limit: int = 500) -> list[str]:
    """The notices whose worker died mid-send (claimed longer ago than a send task may
    run): the ids to hand back to the worker, which claims them again."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTICE_CLAIM_STALE_SECONDS)
    return [
        str(notice_id)
        for notice_id in Notice.objects.filter(status=NoticeStatus.SENDING, claimed_at__lt=stale)
        .order_by("claimed_at")
        .values_list("id", flat=True)[:limit]
    ]


# A notice that is done (the notice path no longer touches its rows): where an official's
# retry's row lives.
DONE = (NoticeStatus.SENT, NoticeStatus.SKIPPED, NoticeStatus.FAILED)


def stale_resends(*, now: datetime | None = None, limit: int = 500) -> list[str]:
    """The rows of officials' retries whose worker died mid-send: the ids to hand back
    (`resend` takes a stale claim again and asks the provider by key first)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTICE_CLAIM_STALE_SECONDS)
    return [
        str(row_id)
        for row_id in NoticeDelivery.objects.filter(
            status=DeliveryStatus.SENDING, claimed_at__lt=stale, notice__status__in=DONE
        )
        .order_by("claimed_at")
        .values_list("id", flat=True)[:limit]
    ]


def poll_results(*, now: datetime | None = None) -> int:
    """Read the provider's results updated since the watermark and store them on their
    delivery rows; move the watermark only after the whole window is read. Returns how
    many rows changed."""
    now = now or timezone.now()
    changed = 0
    for channel in configured_channels():
        if not is_tracked(found := get_notifier(channel)):
            continue
        notifier = cast(TrackedNotifier, found)
        mark = ResultWatermark.objects.filter(provider=notifier.provider).first()
        since = (mark.until if mark else now - LOOKUP_WINDOW) - POLL_OVERLAP
        for result in notifier.results(since=since, until=now):
            changed += store_result(result, now=now)
        ResultWatermark.objects.update_or_create(provider=notifier.provider, defaults={"until": now})
    return changed


def store_result(result, *, now: datetime) -> int:
    """One result on its row (found by our key). Only rows not yet final move: a result
    read twice (the overlap) changes nothing."""
    open_rows = NoticeDelivery.objects.filter(
        key=result.key, status__in=[DeliveryStatus.SENDING, DeliveryStatus.ACCEPTED]
    )
    common = {
        "result_code": result.result_code[:32],
        "result_message": result.result_message[:300],
        "fell_back": result.fell_back,
        "fallback_type": result.fallback_type,
        "updated_at": now,
    }
    if result.message_id:
        common["provider_message_id"] = result.message_id[:100]
    if result.outcome == "delivered":
        return open_rows.update(status=DeliveryStatus.DELIVERED, delivered_at=result.delivered_at or now, **common)
    if result.outcome == "failed":
        return open_rows.update(status=DeliveryStatus.UNDELIVERABLE, reason=result.reason, **common)
    return open_rows.filter(fell_back=False).update(**common) if result.fell_back else 0
