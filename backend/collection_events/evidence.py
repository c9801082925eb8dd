"""What a pickup's record says about how it was made, in an owner's words: how the crew
identified the bin, and the registered scale that weighed it with its last inspection.
The owner reads these on the receipt and on the dispute form; the official reads the
same, from the collection itself, when reviewing the dispute."""

import uuid
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.collection_events.models import CollectionEvent, Scale, Source

IDENTIFIED = {
    Source.NFC.value: gettext_lazy("Tapped the NFC tag"),
    Source.QR.value: gettext_lazy("Scanned the QR code"),
    Source.MANUAL.value: gettext_lazy("Typed the manual code"),
}


def identified(event: CollectionEvent) -> str:
    """How the crew identified the bin, in the reader's language; a Secure Unique NFC tap
    says the chip itself was read."""
    words = str(IDENTIFIED[event.source]) if event.source in IDENTIFIED else event.get_source_display()
    if event.physically_tapped:
        words += " (" + _("chip verified") + ")"
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
