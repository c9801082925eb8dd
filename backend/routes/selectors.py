"""A crew's day and directory: which bins, in what order, and what changed.

Both read a constant number of queries whatever the round's size (tests/routes)."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.collection_events.models import CollectionEvent
from backend.core.errors import DomainError
from backend.municipalities.local_time import days_bounds
from backend.municipalities.models import Hauler
from backend.pickup_requests.models import PickupRequest
from backend.pickup_requests.selectors import open_requests_for_day
from backend.restaurants.models import Bin, BinStatus, RestaurantStatus
from backend.routes.ordering import Position, nearest_next
from backend.tags import codes
from backend.tags.models import Tag, TagStatus

SCHEDULED = "scheduled"
PICKUP_REQUEST = "pickup_request"


def _with_tag_and_place(bins, hauler_id):
    """Bins annotated with their active tag's codes and their place on the hauler's round."""
    return bins.annotate(
        active_tag=FilteredRelation("tags", condition=Q(tags__status=TagStatus.ACTIVE)),
        tag_code=F("active_tag__code"),
        manual_code=F("active_tag__manual_code"),
        stop=FilteredRelation("route_stops", condition=Q(route_stops__hauler_id=hauler_id)),
        position=F("stop__position"),
    )


def _served(bins, hauler_id, day: date):
    """Active bins in the districts the hauler serves, of restaurants still open that day."""
    return bins.filter(status=BinStatus.ACTIVE, restaurant__district__haulers=hauler_id).exclude(
        restaurant__closed_on__lt=day
    )


def _hauler(collector: User) -> Hauler | None:
    if collector.hauler_id is None:
        return None
    return Hauler.objects.select_related("municipality").get(pk=collector.hauler_id)


@dataclass(frozen=True)
class Stop:
    bin: Bin  # with tag_code, manual_code and position (None: no place on the round)
    visit: CollectionEvent | None  # the day's latest scan of the bin, if any
    reason: str  # SCHEDULED or PICKUP_REQUEST
    pickup_request: PickupRequest | None

    @property
    def done(self) -> bool:
        return self.visit is not None

    # The bin's annotations (_with_tag_and_place), named for readers outside this module.
    @property
    def tag_code(self) -> str | None:
        return getattr(self.bin, "tag_code", None)

    @property
    def manual_code(self) -> str | None:
        return getattr(self.bin, "manual_code", None)

    @property
    def manual_code_display(self) -> str | None:
        """As printed on the label (ABCD-EFGH-K)."""
        return None if self.manual_code is None else codes.format_manual_code(self.manual_code)

    @property
    def position(self) -> int | None:
        return getattr(self.bin, "position", None)


@dataclass(frozen=True)
class DayStops:
    day: date
    stops: list[Stop]
    pickup_requests: list[PickupRequest]

    @property
    def done(self) -> int:
        return sum(stop.done for stop in self.stops)

    @property
    def left(self) -> int:
        return len(self.stops) - self.done


def day_stops(*, collector: User, near: Position | None = None) -> DayStops:
    """The crew's stops today (the municipality's local day): the bins due by their
    collection days, and those with an open pickup request for today. First the round's
    order as officials set it, then the bins without a place: nearest-next from `near`
    (the crew's position) when given, else by district and address. A stop is done once
    the bin was scanned today, by anyone."""
    hauler = _hauler(collector)
    if hauler is None:
        return DayStops(day=timezone.localdate(), stops=[], pickup_requests=[])
    zone = hauler.municipality.zone
    day = timezone.localdate(timezone=zone)
    requests = open_requests_for_day(collector=collector, day=day)
    asked_bins = {request.bin_id: request for request in reversed(requests) if request.bin_id is not None}
    asked_restaurants = {request.restaurant_id: request for request in reversed(requests) if request.bin_id is None}
    wanted = Q(collection_days=[]) | Q(collection_days__contains=[day.isoweekday()])
    wanted |= Q(id__in=list(asked_bins)) | Q(restaurant_id__in=list(asked_restaurants))
    bins = list(
        _with_tag_and_place(_served(Bin.objects.all(), hauler.id, day), hauler.id)
        .filter(wanted)
        .select_related("restaurant__district")
        .order_by("restaurant__district__name", "restaurant__address", "label", "id")
    )
    start, end = days_bounds(day, day, zone)
    visits: dict[Any, CollectionEvent] = {}
    for event in CollectionEvent.objects.filter(
        bin__restaurant__district__haulers=hauler.id, collected_at__gte=start, collected_at__lt=end
    ).order_by("collected_at"):
        visits[event.bin_id] = event

    placed = sorted((bin for bin in bins if bin.position is not None), key=lambda bin: bin.position)
    unplaced = [bin for bin in bins if bin.position is None]
    if near is not None:
        by_id = {bin.id: bin for bin in unplaced}
        points = [(bin.id, _position(bin)) for bin in unplaced]
        unplaced = [by_id[key] for key in nearest_next(near, points)]
    stops = []
    for bin in placed + unplaced:
        request = asked_bins.get(bin.id) or asked_restaurants.get(bin.restaurant_id)
        stops.append(
            Stop(
                bin=bin,
                visit=visits.get(bin.id),
                reason=PICKUP_REQUEST if request is not None else SCHEDULED,
                pickup_request=request,
            )
        )
    return DayStops(day=day, stops=stops, pickup_requests=requests)


def _position(bin: Bin) -> Position | None:
    restaurant = bin.restaurant
    return None if restaurant.lat is None or restaurant.lng is None else (restaurant.lat, restaurant.lng)


# The directory's cursor: the moment from which a later call asks for changes, and which
# districts the hauler served then (when they change, the phone gets the whole directory).
CURSOR_VERSION = "1"
# Clocks of the application servers and the database may differ by this much.
CLOCK_MARGIN = timedelta(seconds=30)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_BIN_COLUMNS = {
    "bin_id": "id",
    "tag_code": "tag_code",
    "manual_code": "manual_code",
    "restaurant_name": "restaurant__name",
    "address": "restaurant__address",
    "bin_label": "label",
    "capacity_liters": "capacity_liters",
    "lat": "restaurant__lat",
    "lng": "restaurant__lng",
    "collection_days": "collection_days",
    "position": "position",
}


@dataclass(frozen=True)
class Directory:
    cursor: str
    full: bool
    bins: list[dict[str, Any]]


def _safe_since() -> datetime:
    """A moment no later than any change a transaction still running may commit.

    A row's `updated_at` is stamped when it is written, but seen by others only at
    commit: a long transaction (a register import) can commit a change stamped before
    this call. So the cursor goes back to the start of the oldest transaction still
    open, and a margin for clocks; the phone may get a few unchanged rows again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT least(now(), coalesce(min(xact_start), now())) FROM pg_stat_activity"
            " WHERE datname = current_database() AND backend_type = 'client backend'"
        )
        (oldest,) = cursor.fetchone()
    return oldest - CLOCK_MARGIN


def _districts_fingerprint(district_ids) -> str:
    joined = ",".join(sorted(str(district_id) for district_id in district_ids))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def _bad_cursor() -> DomainError:
    return DomainError(
        "bad_cursor",
        _("Unknown cursor; fetch the whole directory again."),
        fields={"since": ["not a cursor this server gave"]},
    )


def _read_cursor(since: str, now: datetime) -> tuple[datetime, str]:
    parts = since.split(".")
    if len(parts) != 3 or parts[0] != CURSOR_VERSION or not parts[1].isascii() or not parts[1].isdigit():
        raise _bad_cursor()
    if len(parts[1]) > 18:
        raise _bad_cursor()
    moment = _EPOCH + timedelta(microseconds=int(parts[1]))
    if moment > now:
        raise _bad_cursor()
    return moment, parts[2]


def _write_cursor(moment: datetime, fingerprint: str) -> str:
    return f"{CURSOR_VERSION}.{(moment - _EPOCH) // timedelta(microseconds=1)}.{fingerprint}"


def directory(*, collector: User, since: str | None = None) -> Directory:
    """The bins the crew's hauler serves, for the phone to find a bin with no signal.

    Without `since`: every one (`full`). With a cursor from an earlier answer: only the
    bins whose bin, tag or restaurant changed after it, those no longer served marked
    inactive (the phone deletes them), unless the hauler's districts changed meanwhile:
    then every one again. Four queries, one of them for the bins."""
    hauler = _hauler(collector)
    moment = _safe_since()
    if hauler is None:
        return Directory(cursor=_write_cursor(moment, _districts_fingerprint([])), full=True, bins=[])
    served = set(hauler.districts.values_list("id", flat=True))
    fingerprint = _districts_fingerprint(served)
    cursor = _write_cursor(moment, fingerprint)
    day = timezone.localdate(timezone=hauler.municipality.zone)
    changed_after = None
    if since is not None:
        changed_after, their_fingerprint = _read_cursor(since, timezone.now() + CLOCK_MARGIN)
        if their_fingerprint != fingerprint:
            changed_after = None
    if changed_after is None:
        bins = _served(Bin.objects.all(), hauler.id, day)
    else:
        bins = Bin.objects.filter(restaurant__municipality_id=hauler.municipality_id).filter(
            Q(updated_at__gt=changed_after)
            | Q(restaurant__updated_at__gt=changed_after)
            | Exists(Tag.objects.filter(bin=OuterRef("pk"), updated_at__gt=changed_after))
        )
    rows = _with_tag_and_place(bins, hauler.id).values(
        *_BIN_COLUMNS.values(), "status", "restaurant__district_id", "restaurant__status", "restaurant__closed_on"
    )
    answer = []
    for row in rows.order_by("id"):
        closed = row["restaurant__closed_on"]
        active = (
            row["status"] == BinStatus.ACTIVE
            and row["restaurant__district_id"] in served
            and (row["restaurant__status"] == RestaurantStatus.OPEN or (closed is not None and closed >= day))
        )
        if active:
            entry = {name: row[column] for name, column in _BIN_COLUMNS.items()}
            entry["lat"] = None if entry["lat"] is None else str(entry["lat"])
            entry["lng"] = None if entry["lng"] is None else str(entry["lng"])
            entry["active"] = True
        else:  # gone from the round: the phone needs only which one to forget
            entry = {name: None for name in _BIN_COLUMNS} | {
                "bin_id": row["id"],
                "collection_days": [],
                "active": False,
            }
        answer.append(entry)
    return Directory(cursor=cursor, full=changed_after is None, bins=answer)


def round_bins(*, hauler: Hauler, user: User) -> list[Bin]:
    """The bins of a hauler's round an official may order (active, in the districts it
    serves, visible to them): placed ones first, in order, then the rest by address.
    One query."""
    bins = _with_tag_and_place(
        Bin.objects.visible_to(user).filter(status=BinStatus.ACTIVE, restaurant__district__haulers=hauler.id),
        hauler.id,
    )
    return list(
        bins.select_related("restaurant__district").order_by(
            F("position").asc(nulls_last=True), "restaurant__district__name", "restaurant__address", "label", "id"
        )
    )
