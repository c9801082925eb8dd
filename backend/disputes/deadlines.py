"""How long an owner may dispute a pickup: the municipality's number of working days
(weekends and Korean public holidays skipped, municipalities/working_days.py) after
the pickup, or after the issue of the invoice that billed it: an owner who reads the
bill, not the phone, gets the same working days from the day the bill came."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from backend.billing import windows
from backend.billing.models import Invoice
from backend.collection_events.models import CollectionEvent
from backend.municipalities.working_days import window_closes_at, window_last_day


class CountedFrom:
    PICKUP = "pickup"
    INVOICE = "invoice"


@dataclass(frozen=True)
class DisputeWindow:
    counted_from: str  # CountedFrom
    start_day: date
    last_day: date
    closes_at: datetime
    invoice_number: str | None

    def is_open(self, now: datetime) -> bool:
        return now < self.closes_at

    @property
    def counted_from_invoice(self) -> bool:
        return self.counted_from == CountedFrom.INVOICE


def dispute_windows(events: Iterable[CollectionEvent]) -> dict[uuid.UUID, DisputeWindow]:
    """{collection id: its window}, in two queries whatever the number of events
    (the events' restaurant and municipality are read from them: select them)."""
    events = list(events)
    billed = windows.billed_on_many(event.id for event in events)
    issued = dict(Invoice.objects.filter(number__in=set(billed.values())).values_list("number", "issued_at"))
    found = {}
    for event in events:
        municipality = event.restaurant.municipality
        zone = municipality.zone
        start, counted_from = event.collected_at.astimezone(zone).date(), CountedFrom.PICKUP
        number = billed.get(event.id)
        issued_at = issued.get(number) if number else None
        if issued_at is not None and issued_at.astimezone(zone).date() > start:
            start, counted_from = issued_at.astimezone(zone).date(), CountedFrom.INVOICE
        days = municipality.dispute_window_working_days
        found[event.id] = DisputeWindow(
            counted_from=counted_from,
            start_day=start,
            last_day=window_last_day(start, days),
            closes_at=window_closes_at(start, days, zone),
            invoice_number=number,
        )
    return found


def dispute_window(event: CollectionEvent) -> DisputeWindow:
    return dispute_windows([event])[event.id]
