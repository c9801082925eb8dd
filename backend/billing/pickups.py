"""What pickups cost, for the people who read them: each collection's fee at the tariff
in force on its local day, and an owner's month so far.

Why this lives in billing: prices are billing's (Tariff, pricing.py), and billing sits
above collection_events, which must not know them. So billing lends the collections'
readers a `TariffBook`: the tariffs of every municipality the reader may see, read in
one query however many pickups are priced with it, and the pure rule
(`pricing.pickup_fee_krw`) applied to each. The collections API gets its `fee_krw`
through billing's serializer (billing/api.py), the pages through these functions; a
pickup's `Receipt` (its fee beside the collection's own evidence) is read alike by the
owner's receipt, the dispute form and the officials' dispute review.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum

from backend.billing import pricing
from backend.billing.models import Tariff
from backend.billing.periods import Period
from backend.collection_events import evidence
from backend.collection_events.models import CollectionEvent, CollectionStatus, Scale
from backend.collection_events.weights import grams_to_kg
from backend.municipalities.local_time import days_bounds
from backend.restaurants.models import Restaurant


class TariffBook:
    """Every tariff of some municipalities, by municipality, read once on first use."""

    def __init__(self, tariffs: QuerySet[Tariff]) -> None:
        self._query = tariffs
        self._periods: dict[object, list[pricing.TariffPeriod]] | None = None

    @classmethod
    def for_user(cls, user) -> "TariffBook":
        return cls(Tariff.objects.visible_to(user))

    def _load(self) -> dict[object, list[pricing.TariffPeriod]]:
        if self._periods is None:
            periods: dict[object, list[pricing.TariffPeriod]] = defaultdict(list)
            for municipality_id, first, last, price in self._query.order_by().values_list(
                "municipality_id", "effective_from", "effective_to", "price_per_kg_krw"
            ):
                periods[municipality_id].append(pricing.TariffPeriod(first, last, price))
            self._periods = dict(periods)
        return self._periods

    def price_on(self, municipality_id, day: date) -> int | None:
        return pricing.price_on(day, self._load().get(municipality_id, []))

    def fee(self, event: CollectionEvent, zone: ZoneInfo) -> int | None:
        """The pickup's fee (`pricing.pickup_fee_krw`), its day taken in the municipality's zone."""
        day = event.collected_at.astimezone(zone).date()
        return pricing.pickup_fee_krw(
            weight_g=event.weight_g,
            price_per_kg_krw=self.price_on(event.restaurant.municipality_id, day),
            held=event.status == CollectionStatus.HELD,
            voided=event.status == CollectionStatus.VOID,
        )


def zone_of(event: CollectionEvent) -> ZoneInfo:
    """The event's municipality's zone (select_related("restaurant__municipality") first)."""
    return event.restaurant.municipality.zone


@dataclass(frozen=True)
class Receipt:
    """What a pickup's receipt says: the collection (when, bin, weight, status, exception),
    its fee at the tariff of its local day, how the bin was identified, and the registered
    scale that weighed it (None when it names none, or one not registered)."""

    event: CollectionEvent
    zone: ZoneInfo
    fee: int | None
    identified: str
    scale: Scale | None


def receipts(events: Iterable[CollectionEvent], *, book: TariffBook) -> dict[object, Receipt]:
    """{collection id: its receipt}: two queries however many events (the tariffs, once per
    book, and the scales). Select the events' `bin` and `restaurant__municipality` first."""
    events = list(events)
    scales = evidence.registered_scales(events)
    return {
        event.id: Receipt(
            event=event,
            zone=zone_of(event),
            fee=book.fee(event, zone_of(event)),
            identified=evidence.identified(event),
            scale=scales.get(event.id),
        )
        for event in events
    }


@dataclass(frozen=True)
class MonthSoFar:
    """One restaurant's month up to now: weighed, billable pickups and what they add up to."""

    restaurant: Restaurant
    period: Period
    pickups: int
    grams: int
    held: int  # pickups waiting for an official: not counted until released
    price_per_kg_krw: int | None  # the tariff in force today
    fee_krw: int | None  # grams at today's price, floored once (base fee and minimum come on the invoice)

    @property
    def kg(self) -> Decimal:
        return grams_to_kg(self.grams)


def month_so_far(restaurants: Iterable[Restaurant], *, now) -> list[MonthSoFar]:
    """This month so far for each restaurant (select_related("municipality") first): three
    queries whatever the restaurants or their history (tariffs once, pickups in one GROUP BY)."""
    restaurants = list(restaurants)
    if not restaurants:
        return []
    months: dict[object, tuple[Period, date]] = {}
    window = Q(pk__in=[])
    for restaurant in restaurants:
        zone = restaurant.municipality.zone
        period = Period.of_date(now.astimezone(zone).date())
        start, end = days_bounds(period.first_day, period.last_day, zone)
        months[restaurant.id] = (period, now.astimezone(zone).date())
        window |= Q(restaurant_id=restaurant.id, collected_at__gte=start, collected_at__lt=end)
    totals: dict[object, dict[str, Any]] = {
        row["restaurant_id"]: dict(row)
        for row in CollectionEvent.objects.filter(window)
        .order_by()
        .values("restaurant_id")
        .annotate(
            pickups=Count("id", filter=Q(status=CollectionStatus.BILLABLE, weight_g__isnull=False)),
            grams=Sum("weight_g", filter=Q(status=CollectionStatus.BILLABLE)),
            held=Count("id", filter=Q(status=CollectionStatus.HELD)),
        )
    }
    book = TariffBook(Tariff.objects.filter(municipality_id__in={r.municipality_id for r in restaurants}))
    result = []
    for restaurant in restaurants:
        period, today = months[restaurant.id]
        row: dict[str, Any] = totals.get(restaurant.id, {})
        grams = row.get("grams") or 0
        price = book.price_on(restaurant.municipality_id, today)
        result.append(
            MonthSoFar(
                restaurant=restaurant,
                period=period,
                pickups=row.get("pickups", 0),
                grams=grams,
                held=row.get("held", 0),
                price_per_kg_krw=price,
                fee_krw=None if price is None else pricing.estimate_krw(grams, price),
            )
        )
    return result
