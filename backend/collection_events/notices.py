"""The owner's notices about their bin's pickups: a weighing recorded (pickup done), and
a visit without one (an exception code).

A missed pickup is written in the batch's own transaction (a few per round). Pickups
done are one per weighing, so the batch only queues one task after commit
(`tasks.notify_pickups_done`) and the worker writes them: the crew's sync is not held
up by a thousand notices, and the owner still sees the pickup within seconds.
"""

from collections.abc import Iterable
from uuid import UUID

from django.conf import settings
from django.urls import reverse

from backend.collection_events.models import CollectionEvent, CollectionStatus, CrewException
from backend.notifications import alimtalk
from backend.notifications.models import NoticeKind
from backend.notifications.services import Message, notify_all

#: The weighings an owner is told about: stored with a weight, billable or held for review.
TOLD_STATUSES = (CollectionStatus.BILLABLE, CollectionStatus.HELD)


def notify_missed_pickups(*, events: list[CollectionEvent]) -> None:
    """Tell each owner why the crew left their bin, once per visit, after commit."""
    notify_all(
        Message(
            kind=NoticeKind.MISSED_PICKUP,
            about=str(event.id),
            recipient_id=event.restaurant.owner_id,
            template="collection_events/notices/missed_pickup",
            context={"event": event, "restaurant": event.restaurant, "bin": event.bin},
            variables={
                "업소명": event.restaurant.name,
                "용기": event.bin.label,
                "방문일시": alimtalk.when(event.collected_at),
                "사유": CrewException(event.exception_code).label if event.exception_code else "",
            },
        )
        for event in events
        if event.restaurant.owner_id is not None
    )


def notify_pickups_done(*, event_ids: Iterable[UUID | str]) -> int:
    """Tell each owner of a weighing of their bin: when, which bin, how much, with a link
    to its receipt (where the fee at that day's tariff is). Once per weighing, however
    often this runs (a notice is unique per kind and event). Returns how many were written."""
    events = (
        CollectionEvent.objects.filter(
            id__in=list(event_ids), status__in=TOLD_STATUSES, restaurant__owner__isnull=False
        )
        .select_related("restaurant", "bin")
        .order_by("collected_at", "id")
    )
    written = notify_all(
        Message(
            kind=NoticeKind.PICKUP_DONE,
            about=str(event.id),
            recipient_id=event.restaurant.owner_id,
            template="collection_events/notices/pickup_done",
            context={"event": event, "restaurant": event.restaurant, "bin": event.bin},
            link=settings.PUBLIC_BASE_URL + reverse("owner-receipt", args=[event.id]),
            variables={
                "업소명": event.restaurant.name,
                "용기": event.bin.label,
                "수거일시": alimtalk.when(event.collected_at),
                "무게": event.weight_kg,
            },
        )
        for event in events
        if event.restaurant.owner_id is not None
    )
    return len(written)
