"""Reading collections for the people who work with them."""

from dataclasses import dataclass
from datetime import date

from backend.collection_events.models import CollectionEvent
from backend.municipalities.local_time import days_bounds
from backend.restaurants.models import Bin


@dataclass(frozen=True)
class Stop:
    bin: Bin
    visit: CollectionEvent | None  # the day's latest scan of the bin, if any

    @property
    def done(self) -> bool:
        return self.visit is not None


def day_stops(*, collector, day: date, zone) -> list[Stop]:
    """Every active bin the collector's hauler serves, with the day's latest scan of it.

    The day is the municipality's local calendar day. Three queries, whatever the route's size."""
    bins = list(
        Bin.objects.active()
        .filter(restaurant__district__haulers=collector.hauler_id)
        .select_related("restaurant__district")
        .prefetch_related("tags")
        .order_by("restaurant__district__name", "restaurant__address", "label")
    )
    start, end = days_bounds(day, day, zone)
    visits = {}
    for event in CollectionEvent.objects.filter(
        bin__in=[bin.id for bin in bins], collected_at__gte=start, collected_at__lt=end
    ).order_by("collected_at"):
        visits[event.bin_id] = event
    return [Stop(bin=bin, visit=visits.get(bin.id)) for bin in bins]
