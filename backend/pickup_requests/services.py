"""Pickup requests: an owner asks (or reports a missed pickup), an official assigns or
rejects, a crew's weighing or a person marks it done. Every step goes through
PickupRequest.advance (who, when, why) and tells the owner once, after commit."""

import uuid
from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.collection_events.models import CollectionEvent, CollectionStatus, CrewException
from backend.core.bounds import NOTE_MAX_LENGTH, checked_day, checked_text
from backend.core.decisions import parse_decision
from backend.core.errors import DomainError
from backend.municipalities.local_time import days_bounds
from backend.municipalities.models import Hauler
from backend.municipalities.working_days import window_closes_at, window_last_day
from backend.pickup_requests.models import (
    PickupRequest,
    PickupRequestStep,
    RequestKind,
    RequestStatus,
)
from backend.pickup_requests.notices import notify_owner_of_step
from backend.restaurants.models import Bin, BinStatus, Restaurant, RestaurantStatus

WEIGHED = (CollectionStatus.BILLABLE, CollectionStatus.HELD)
#: How far ahead an owner may ask for an extra pickup: a season, not a lifetime.
MAX_DAYS_AHEAD = 90
SETTLED_BY_WEIGHING = "수거 기록 확인 (a weighing of the bin was recorded)"


def request_pickup(
    *, restaurant: Restaurant, bin: Bin | None, kind: str, requested_for: date, note: str = "", by: User
) -> PickupRequest:
    """Receive an owner's request (접수). `bin` None: all of the restaurant's bins."""
    zone = restaurant.municipality.zone
    today = timezone.localdate(timezone=zone)
    checked_day(requested_for, "requested_for")
    checked_text(note, "note", NOTE_MAX_LENGTH)
    if restaurant.status == RestaurantStatus.CLOSED:
        raise DomainError(
            "restaurant_closed",
            _("The restaurant is closed: it takes no pickup requests."),
            status_code=409,
        )
    if bin is not None and bin.restaurant_id != restaurant.id:
        raise DomainError(
            "validation_error",
            _("The bin is not this restaurant's."),
            fields={"bin": ["another restaurant's bin"]},
        )
    if bin is not None and bin.status != BinStatus.ACTIVE:
        raise DomainError("bin_retired", _("This bin is retired."), status_code=409)
    if kind == RequestKind.MISSED_PICKUP:
        if requested_for > today:
            raise DomainError(
                "date_in_future",
                _("A pickup cannot be reported missed before its day."),
                fields={"requested_for": [f"after today ({today:%Y-%m-%d})"]},
            )
        _refuse_if_window_closed(restaurant=restaurant, day=requested_for)
        _refuse_if_visited(restaurant=restaurant, bin=bin, day=requested_for, zone=zone)
    elif requested_for < today:
        raise DomainError(
            "date_in_past",
            _("An extra pickup cannot be asked for a past day."),
            fields={"requested_for": [f"before today ({today:%Y-%m-%d})"]},
        )
    elif requested_for > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(
            "date_too_far_ahead",
            _("An extra pickup can be asked for at most %(days)s days ahead.") % {"days": MAX_DAYS_AHEAD},
            fields={"requested_for": [f"at most {MAX_DAYS_AHEAD} days after today"]},
        )
    try:
        with transaction.atomic():
            pickup = PickupRequest.objects.create(
                restaurant=restaurant,
                bin=bin,
                kind=kind,
                requested_for=requested_for,
                note=note.strip(),
                requested_by=by,
            )
            step = PickupRequestStep.objects.create(
                request=pickup, status=RequestStatus.RECEIVED, by=by, at=pickup.created_at
            )
            notify_owner_of_step(step=step)
    except IntegrityError:
        raise DomainError(
            "duplicate_request",
            _("An open request for this bin, day and kind already exists."),
            status_code=409,
        ) from None
    return pickup


def _refuse_if_window_closed(*, restaurant: Restaurant, day: date) -> None:
    """A missed pickup is reported within the municipality's working days after it;
    later, the owner calls the district office (the message says whom)."""
    municipality = restaurant.municipality
    days = municipality.missed_pickup_window_working_days
    if timezone.now() < window_closes_at(day, days, municipality.zone):
        return
    last_day = window_last_day(day, days)
    raise DomainError(
        "report_window_closed",
        _("A missed pickup can be reported within %(days)s working days (until %(last_day)s); please call %(contact)s.")
        % {"days": days, "last_day": f"{last_day:%Y-%m-%d}", "contact": municipality.contact},
        fields={
            "requested_for": [f"reported after {last_day:%Y-%m-%d}"],
            "deadline": last_day.isoformat(),
            "contact_phone": municipality.contact_phone,
        },
        status_code=409,
    )


def _refuse_if_visited(*, restaurant: Restaurant, bin: Bin | None, day: date, zone: ZoneInfo) -> None:
    """A missed pickup must have been missed: refuse it when the crew's records say the
    bin was collected that day, or that it was not put out (미배출) when they came.

    For "all bins" the report is refused only when every bin is accounted for."""
    bins = [bin] if bin is not None else list(restaurant.bins.filter(status=BinStatus.ACTIVE))
    if not bins:
        return
    start, end = days_bounds(day, day, zone)
    weighed: dict[uuid.UUID, CollectionEvent] = {}
    not_put_out: dict[uuid.UUID, CollectionEvent] = {}
    visits = CollectionEvent.objects.filter(
        bin__in=[b.id for b in bins], collected_at__gte=start, collected_at__lt=end
    ).order_by("collected_at")
    for visit in visits:
        if visit.status in WEIGHED:
            weighed.setdefault(visit.bin_id, visit)
        elif visit.status == CollectionStatus.NOT_COLLECTED and visit.exception_code == CrewException.NOT_PUT_OUT:
            not_put_out.setdefault(visit.bin_id, visit)
    if not all(b.id in weighed or b.id in not_put_out for b in bins):
        return
    labels = {b.id: b.label for b in bins}
    # A crew that came back and weighed the bin later the same day collected it.
    unweighed = {bin_id: visit for bin_id, visit in not_put_out.items() if bin_id not in weighed}
    if unweighed:
        seen = ", ".join(
            f"{labels[bin_id]} {visit.collected_at.astimezone(zone):%H:%M}" for bin_id, visit in unweighed.items()
        )
        raise DomainError(
            "bin_not_put_out",
            _(
                "On %(day)s the crew came (%(seen)s) and the bin was not put out; "
                "ask for an extra pickup instead of reporting a missed one."
            )
            % {"day": date_format(day, "MONTH_DAY_FORMAT"), "seen": seen},
            fields={"visits": [_visit_fact(visit, zone) for visit in unweighed.values()]},
            status_code=409,
        )
    collected = ", ".join(
        f"{labels[bin_id]} {visit.collected_at.astimezone(zone):%H:%M} {visit.weight_kg} kg"
        for bin_id, visit in weighed.items()
    )
    raise DomainError(
        "already_collected",
        _("The bin was collected on %(day)s (%(collected)s).")
        % {"day": date_format(day, "MONTH_DAY_FORMAT"), "collected": collected},
        fields={"visits": [_visit_fact(visit, zone) for visit in weighed.values()]},
        status_code=409,
    )


def _visit_fact(visit: CollectionEvent, zone: ZoneInfo) -> dict[str, str]:
    fact = {"collection": str(visit.id), "collected_at": visit.collected_at.astimezone(zone).isoformat()}
    if visit.weight_g is not None:
        fact["weight_kg"] = str(visit.weight_kg)
    return fact


def assign_request(
    *, pickup: PickupRequest, by: User, hauler: Hauler | None = None, assignee: User | None = None, reason: str = ""
) -> PickupRequestStep:
    """Hand the request to a hauler (배정) and, if named, one of its crew."""
    restaurant = pickup.restaurant
    if hauler is None and assignee is not None:
        hauler = assignee.hauler
    if hauler is None:
        serving = list(Hauler.objects.filter(districts=restaurant.district_id))
        if len(serving) != 1:
            raise DomainError(
                "hauler_required",
                _("Choose the hauler to assign."),
                fields={"hauler": ["required: the district has no single hauler"]},
            )
        hauler = serving[0]
    if hauler.municipality_id != restaurant.municipality_id or not hauler.serves(restaurant.district_id):
        raise DomainError(
            "hauler_not_serving",
            _("The hauler does not serve this restaurant's district."),
            fields={"hauler": ["does not serve the district"]},
        )
    if assignee is not None and not (assignee.is_collector and assignee.hauler_id == hauler.id):
        raise DomainError(
            "assignee_not_in_hauler",
            _("The crew member does not work for this hauler."),
            fields={"assignee": ["not one of the hauler's crew"]},
        )
    with transaction.atomic():
        step = pickup.advance(to=RequestStatus.ASSIGNED, by=by, reason=reason, hauler=hauler, assignee=assignee)
        notify_owner_of_step(step=step)
    return step


def reject_request(*, pickup: PickupRequest, by: User, reason: str) -> PickupRequestStep:
    """Refuse the request (반려); the owner is told why."""
    if not reason.strip():
        raise DomainError("reason_required", _("A reason is required."), fields={"reason": ["required"]})
    with transaction.atomic():
        step = pickup.advance(to=RequestStatus.REJECTED, by=by, reason=reason)
        notify_owner_of_step(step=step)
    return step


def cancel_request(*, pickup: PickupRequest, by: User, reason: str = "") -> PickupRequestStep:
    """The owner withdraws a request nobody has been assigned yet (취소); an owner who
    has sold the restaurant only reads their past requests."""
    if by.is_owner and pickup.restaurant.owner_id != by.pk:
        raise DomainError(
            "not_current_owner",
            _("You no longer own this restaurant: its past records are read-only."),
            status_code=403,
        )
    with transaction.atomic():
        step = pickup.advance(to=RequestStatus.CANCELLED, by=by, reason=reason)
        notify_owner_of_step(step=step)
    return step


def complete_request(
    *, pickup: PickupRequest, by: User | None, reason: str = "", collection: CollectionEvent | None = None
) -> PickupRequestStep:
    """Mark the request done (처리 완료), by a person or by a weighing found later."""
    with transaction.atomic():
        step = pickup.advance(to=RequestStatus.DONE, by=by, reason=reason, collection=collection)
        notify_owner_of_step(step=step)
    return step


def settle_pickup_requests(*, day: date) -> list[PickupRequestStep]:
    """Mark done the open requests for `day` whose bin a crew weighed that local day.

    Run every few minutes (tasks.py) rather than inside record_collections: scans are
    recorded in bulk and must not wait on this. A missed-pickup report is settled by
    any weighing that day (late-synced scans included); an extra pickup only by one
    taken after it was asked for, so the morning's regular round does not answer it.
    An "all bins" request is settled by a weighing of any of the restaurant's bins."""
    pending = list(
        PickupRequest.objects.open()
        .filter(requested_for=day)
        .select_related("restaurant__municipality", "bin")
        .order_by("created_at")
    )
    by_zone: dict[str, list[PickupRequest]] = defaultdict(list)
    for pickup in pending:
        by_zone[pickup.restaurant.municipality.time_zone].append(pickup)
    steps = []
    for zone_name, pickups in by_zone.items():
        start, end = days_bounds(day, day, ZoneInfo(zone_name))
        weighings = list(
            CollectionEvent.objects.filter(
                restaurant_id__in={p.restaurant_id for p in pickups},
                collected_at__gte=start,
                collected_at__lt=end,
                status__in=WEIGHED,
            ).order_by("collected_at")
        )
        for pickup in pickups:
            weighing = _settling_weighing(pickup, weighings)
            if weighing is None:
                continue
            try:
                steps.append(complete_request(pickup=pickup, by=None, reason=SETTLED_BY_WEIGHING, collection=weighing))
            except DomainError as error:
                if error.code != "request_closed":  # someone closed it meanwhile: nothing to do
                    raise
    return steps


def _settling_weighing(pickup: PickupRequest, weighings: list[CollectionEvent]) -> CollectionEvent | None:
    for weighing in weighings:
        if pickup.bin_id is not None and weighing.bin_id != pickup.bin_id:
            continue
        if pickup.bin_id is None and weighing.restaurant_id != pickup.restaurant_id:
            continue
        if pickup.kind == RequestKind.EXTRA_PICKUP and weighing.collected_at < pickup.created_at:
            continue
        return weighing
    return None


class PickupDecision(TextChoices):
    """What an official does with an open request from the review page."""

    ASSIGN = "assign", _("Assign")
    REJECT = "reject", _("Turn down")
    DONE = "done", _("Mark done")


def decide_request(
    *, pickup: PickupRequest, by: User, decision: str, reason: str = "", hauler: Hauler | None = None
) -> PickupRequestStep:
    """Assign, reject or close, as chosen; any other decision is refused (`invalid_decision`)."""
    match parse_decision(decision, PickupDecision):
        case PickupDecision.ASSIGN:
            return assign_request(pickup=pickup, by=by, hauler=hauler, reason=reason)
        case PickupDecision.REJECT:
            return reject_request(pickup=pickup, by=by, reason=reason)
        case PickupDecision.DONE:
            return complete_request(pickup=pickup, by=by, reason=reason)
