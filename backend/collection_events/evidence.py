"""What a pickup's record says about how it was made, in an owner's words: how the crew
identified the bin, and the registered scale that weighed it with its last inspection.
The owner reads these on the receipt and on the dispute form; the official reads the
same, from the collection itself, when reviewing the dispute."""

import uuid
from collections.abc import Iterable

from backend.collection_events.models import CollectionEvent, Scale, Source

IDENTIFIED: dict[str, str] = {
    Source.NFC: "NFC 태그를 대서 확인 · Tapped the NFC tag",
    Source.QR: "QR 코드를 스캔해서 확인 · Scanned the QR code",
    Source.MANUAL: "수동 코드를 입력해서 확인 · Typed the manual code",
}


def identified(event: CollectionEvent) -> str:
    """How the crew identified the bin; a Secure Unique NFC tap says the chip itself was read."""
    words = IDENTIFIED.get(event.source, event.get_source_display())
    if event.physically_tapped:
        words += " (칩 인증됨 · chip verified)"
    return words


def registered_scales(events: Iterable[CollectionEvent]) -> dict[uuid.UUID, Scale]:
    """{collection id: the registered scale it names}, in one query however many events
    (none when no event names a scale). A collection whose scale is not registered in its
    municipality is absent. Select the events' `restaurant` first."""
    events = [event for event in events if event.scale_id]
    if not events:
        return {}
    found = Scale.objects.filter(
        serial__in={event.scale_id for event in events},
        municipality_id__in={event.restaurant.municipality_id for event in events},
    )
    scales = {(scale.municipality_id, scale.serial): scale for scale in found}
    by_event = {event.id: scales.get((event.restaurant.municipality_id, event.scale_id)) for event in events}
    return {event_id: scale for event_id, scale in by_event.items() if scale is not None}
