"""The owner's notice when a crew leaves a bin without a weighing (an exception code)."""

from backend.collection_events.models import CollectionEvent
from backend.notifications.models import NoticeKind
from backend.notifications.services import Message, notify_all


def notify_missed_pickups(*, events: list[CollectionEvent]) -> None:
    """Tell each owner why the crew left their bin, once per visit, after commit."""
    notify_all(
        Message(
            kind=NoticeKind.MISSED_PICKUP,
            about=str(event.id),
            recipient_id=event.restaurant.owner_id,
            template="collection_events/notices/missed_pickup",
            context={"event": event, "restaurant": event.restaurant, "bin": event.bin},
        )
        for event in events
        if event.restaurant.owner_id is not None
    )
