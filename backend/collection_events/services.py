"""Recording scans exactly once.

`record_collections` takes what crews' devices sent (one event or a batch of up to
SCAN_BATCH_MAX_EVENTS) and answers, per event in order, created / duplicate /
rejected. Its number of SQL queries does not grow with the batch.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgspec
from django.conf import settings
from django.db import connection, transaction
from django.db.models import TextChoices
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.collection_events import tasks
from backend.collection_events.models import (
    CollectionEvent,
    CollectionEventStatusChange,
    CollectionStatus,
    Flag,
    HoldReason,
    HoldRules,
    ScanReceipt,
    Source,
)
from backend.collection_events.notices import TOLD_STATUSES, notify_missed_pickups
from backend.collection_events.rules import (
    WEIGHT_HISTORY_SIZE,
    HoldWindow,
    check_collected_at,
    check_weight,
    check_weight_history,
    distance_m,
    far_from_restaurant,
)
from backend.collection_events.scales import ScaleBook
from backend.collection_events.submissions import ScanSubmission, parse_submission
from backend.core.bounds import REASON_MAX_LENGTH, checked_text
from backend.core.decisions import parse_decision
from backend.core.errors import DomainError
from backend.core.queueing import queue_after_commit
from backend.municipalities.models import District
from backend.restaurants.models import Bin, BinStatus
from backend.tags import sun
from backend.tags.models import Tag
from backend.tags.services import find_tags, unknown_tag

CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"
HOLD_REASONS = frozenset(HoldReason.values)

log = logging.getLogger(__name__)


@dataclass(slots=True)
class NewEvent:
    """A scan this call stores: its row (CollectionEvent's columns by attname) and
    what it was checked against. A batch writes rows; a model instance is built only
    for whoever asks for one (the single POST's answer, a missed-pickup notice):
    building a thousand of them cost a fifth of a batch's Python time."""

    row: dict[str, Any]
    tag: Tag
    collector: User

    def as_model(self) -> CollectionEvent:
        columns = {name: value for name, value in self.row.items() if name not in _RELATED_COLUMNS}
        bin = self.tag.bin
        return CollectionEvent(**columns, bin=bin, tag=self.tag, restaurant=bin.restaurant, collector=self.collector)


# Set on the model from the objects the scan was checked against, not from ids.
_RELATED_COLUMNS = frozenset({"bin_id", "tag_id", "restaurant_id", "collector_id"})


@dataclass(slots=True)
class ScanOutcome:
    id: uuid.UUID | None
    result: str
    event_id: uuid.UUID | None = None
    new: NewEvent | None = None  # when this call stored the scan
    error: DomainError | None = None

    @property
    def event(self) -> CollectionEvent | None:
        """The stored event, when this call created it."""
        return None if self.new is None else self.new.as_model()


# Position in the batch → (the scan, its tag, its fingerprint).
_Candidates = dict[int, tuple[ScanSubmission, Tag, str]]


def _conflict() -> DomainError:
    return DomainError(
        "idempotency_conflict",
        _("A different scan was already recorded with this id."),
        fields={"id": ["already used for another scan"]},
        status_code=409,
    )


def _out_of_area(scan: ScanSubmission, tag: Tag, collector: User) -> DomainError:
    """Answered exactly like a tag that does not exist (`find_tags`): a crew outside the
    bin's district must not learn that a code is real. The office sees it in the log."""
    log.warning("scan %s refused: tag %s is outside the service area of collector %s", scan.id, tag.id, collector.pk)
    return unknown_tag()


def _revoked() -> DomainError:
    return DomainError(
        "tag_revoked",
        _("This tag has been revoked; check for its new tag."),
        fields={"tag": ["revoked"]},
    )


def _bin_retired() -> DomainError:
    return DomainError("bin_retired", _("This bin is retired."), fields={"tag": ["bin retired"]}, status_code=409)


def _restaurant_closed(closed_on: date) -> DomainError:
    # A restaurant closed in the licence register (폐업, backend/registers) gets no pickups after that day.
    return DomainError(
        "restaurant_closed",
        _("This restaurant closed on %(day)s.") % {"day": f"{closed_on:%Y-%m-%d}"},
        fields={"tag": ["restaurant closed"]},
        status_code=409,
    )


def _check_scan(
    scan: ScanSubmission,
    tag: Tag,
    *,
    collector: User,
    served_districts: set[uuid.UUID],
    now: datetime,
    density: Decimal,
) -> None:
    """The rules one scan must pass before it is stored."""
    bin = tag.bin
    if bin.restaurant.district_id not in served_districts:
        raise _out_of_area(scan, tag, collector)
    if not tag.was_active_at(scan.collected_at):
        raise _revoked()
    if bin.status != BinStatus.ACTIVE and tag.is_active:
        raise _bin_retired()
    closed_on = bin.restaurant.closed_on
    if closed_on is not None and bin.restaurant.is_closed_at(scan.collected_at):
        raise _restaurant_closed(closed_on)
    check_collected_at(
        scan.collected_at,
        now=now,
        max_future=timedelta(minutes=settings.SCAN_MAX_FUTURE_MINUTES),
        max_age=timedelta(days=settings.SCAN_MAX_AGE_DAYS),
    )
    if scan.weight_g is not None:
        check_weight(scan.weight_g, max_weight_g=bin.max_weight_g(density))


def _verified_tap_counter(scan: ScanSubmission, tag: Tag) -> int | None:
    """The tap counter of a Secure Unique NFC tap whose MAC checks out; None for a plain
    scan (a printed QR code, a typed manual code, a tag without SUN)."""
    if not tag.sun_enabled or sun.PICC_DATA_PARAM not in scan.tag:
        return None
    if not settings.SUN_MASTER_KEY:
        raise DomainError(
            "sun_not_configured",
            _("Secure tags cannot be checked: SUN_MASTER_KEY is not set."),
            status_code=503,
        )
    master_key = sun.master_key_from_hex(settings.SUN_MASTER_KEY)
    return sun.verify_tag_sun(scan.tag, master_key=master_key, tag_uid=bytes.fromhex(tag.nfc_uid)).counter


def _served_districts(collector: User) -> set[uuid.UUID]:
    if not collector.is_collector:
        return set()
    return set(District.objects.filter(haulers=collector.hauler_id).values_list("id", flat=True))


def record_collections(*, collector: User, events: list[Any]) -> list[ScanOutcome]:
    """Store each scan once; answer for each, in order. One bad event blocks none."""
    if len(events) > settings.SCAN_BATCH_MAX_EVENTS:
        raise DomainError(
            "batch_too_large",
            _("At most %(count)s events per batch.") % {"count": settings.SCAN_BATCH_MAX_EVENTS},
            fields={"events": [f"{len(events)} events"]},
        )
    now = timezone.now()
    outcomes: list[ScanOutcome] = []
    parsed: list[tuple[int, ScanSubmission]] = []
    for position, raw in enumerate(events):
        try:
            scan = parse_submission(raw)
        except DomainError as error:
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            outcomes.append(ScanOutcome(id=_maybe_uuid(raw_id), result=REJECTED, error=error))
            continue
        outcomes.append(ScanOutcome(id=scan.id, result=REJECTED))  # decided below
        parsed.append((position, scan))

    # The same id twice inside one batch: the first counts, the rest are its retries.
    first_position: dict[uuid.UUID, int] = {}
    for position, scan in parsed:
        first_position.setdefault(scan.id, position)

    tags = find_tags([scan.tag for _, scan in parsed])
    served = _served_districts(collector)
    density = Decimal(settings.BIN_MAX_DENSITY_KG_PER_L)

    candidates: _Candidates = {}
    for position, scan in parsed:
        tag = tags[scan.tag]
        if isinstance(tag, DomainError):
            outcomes[position].error = tag
            continue
        candidates[position] = (scan, tag, scan.fingerprint(tag_id=tag.id, collector_id=collector.pk))

    with transaction.atomic():
        repeats = _settle_known_ids(candidates, outcomes, first_position)
        fresh, taps = {}, {}
        for position, (scan, tag, fingerprint) in candidates.items():
            settled = outcomes[position].result != REJECTED or outcomes[position].error
            if settled or position in repeats:
                continue
            try:
                _check_scan(scan, tag, collector=collector, served_districts=served, now=now, density=density)
                tap_counter = _verified_tap_counter(scan, tag)
            except DomainError as error:
                outcomes[position].error = error
                continue
            fresh[position] = (scan, tag, fingerprint)
            if tap_counter is not None:
                taps[position] = tap_counter
        if fresh:
            _store(fresh, outcomes, taps, collector=collector, now=now)
    for position, first in repeats.items():
        _answer_repeat(outcomes[position], outcomes[first], same_body=candidates[position][2] == candidates[first][2])
    for outcome in outcomes:
        if outcome.error is None and outcome.result == REJECTED:  # pragma: no cover - a bug, not an input
            raise AssertionError(f"scan {outcome.id} was neither stored nor rejected")
    return outcomes


def _maybe_uuid(value: object) -> uuid.UUID | None:
    """The id of a rejected event, to answer with, when it has a readable one."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _settle_known_ids(
    candidates: _Candidates, outcomes: list[ScanOutcome], first_position: dict[uuid.UUID, int]
) -> dict[int, int]:
    """Answer retries of scans already stored, before any rule: a retry weeks later
    of a stored scan is a duplicate, not 'too old'. Returns the positions that repeat
    an earlier event of this batch, to be answered once that one is settled.
    """
    receipts = dict(
        ScanReceipt.objects.filter(id__in=[scan.id for scan, _, _ in candidates.values()]).values_list(
            "id", "fingerprint"
        )
    )
    repeats = {}
    for position, (scan, _tag, fingerprint) in candidates.items():
        stored = receipts.get(scan.id)
        if stored is not None:
            _answer_known(outcomes[position], scan.id, stored, fingerprint)
        elif first_position[scan.id] != position and first_position[scan.id] in candidates:
            repeats[position] = first_position[scan.id]
    return repeats


def _answer_repeat(outcome: ScanOutcome, first: ScanOutcome, *, same_body: bool) -> None:
    if not same_body:
        outcome.result, outcome.error = REJECTED, _conflict()
    elif first.result in (CREATED, DUPLICATE):
        outcome.result, outcome.event_id = DUPLICATE, first.id
    else:
        outcome.result, outcome.error = REJECTED, first.error


def _answer_known(outcome: ScanOutcome, event_id: uuid.UUID, stored_fingerprint: str | None, fingerprint: str) -> None:
    if stored_fingerprint == fingerprint:
        outcome.result, outcome.event_id = DUPLICATE, event_id
    else:
        outcome.error = _conflict()


def _store(
    fresh: _Candidates, outcomes: list[ScanOutcome], taps: dict[int, int], *, collector: User, now: datetime
) -> None:
    # Lock the bins in primary-key order: two crews' batches touching the same bins
    # wait for each other instead of both judging the hold window on stale rows.
    bin_ids = sorted({tag.bin_id for _, tag, _ in fresh.values()})
    list(Bin.objects.select_for_update().filter(id__in=bin_ids).order_by("id").values_list("id", flat=True))
    if taps:
        _refuse_replayed_taps(fresh, outcomes, taps)

    # Claim the ids. A concurrent request may have stored some since we looked:
    # those rows come back absent from RETURNING and are answered as retries.
    ordered = sorted(fresh.items(), key=lambda item: item[1][0].id)
    claimed = _insert_receipts([(scan.id, fp, scan.collected_at) for _, (scan, _, fp) in ordered], now=now)
    lost = [position for position, (scan, _, _) in ordered if scan.id not in claimed]
    if lost:
        winners = dict(
            ScanReceipt.objects.filter(id__in=[fresh[p][0].id for p in lost]).values_list("id", "fingerprint")
        )
        for position in lost:
            scan, _, fingerprint = fresh.pop(position)
            _answer_known(outcomes[position], scan.id, winners.get(scan.id), fingerprint)

    hold = _hold_window(fresh.values())
    scales = ScaleBook.for_scans((scan, tag) for scan, tag, _ in fresh.values())
    book = _HoldBook.for_scans(fresh.values())
    stored = []
    for position, (scan, tag, _) in sorted(fresh.items(), key=lambda item: item[1][0].collected_at):
        row = _event_row(
            scan, tag, collector=collector, now=now, hold=hold, scales=scales, book=book, tap_counter=taps.get(position)
        )
        stored.append(NewEvent(row, tag, collector))
        outcomes[position].result, outcomes[position].event_id = CREATED, scan.id
        outcomes[position].new = stored[-1]
    _insert_events([new.row for new in stored])
    _notify_owners_of_missed_pickups(stored)
    _notify_owners_of_pickups_done(stored)


def _insert_events(rows: list[dict[str, Any]]) -> None:
    """One `INSERT … SELECT FROM json_populate_recordset(…)` for the whole batch.

    The rows travel as one JSON document, encoded by msgspec: `bulk_create` spent more
    time compiling 20,000 placeholders than PostgreSQL spent inserting the rows, and one
    array per column still cost 26–40 ms of Python (psycopg2 quoting 23,000 values) and
    ~10 ms more on the server than this (docs/performance.md)."""
    if not rows:
        return
    if rows[0].keys() != _WRITTEN_COLUMNS:  # a missing key would be stored as null
        raise AssertionError(f"an event row holds exactly these columns: {sorted(_WRITTEN_COLUMNS)}")
    table = CollectionEvent._meta.db_table
    columns = ", ".join(connection.ops.quote_name(column) for column in _WRITTEN_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{table}, %s)",
            [msgspec.json.encode(rows).decode()],
        )


# The columns of a scan's row (_event_row, keyed by attname: the two names agree for
# every column here, or the check above fails): all but those the database fills.
_WRITTEN_COLUMNS = {
    field.column: None
    for field in CollectionEvent._meta.concrete_fields
    if field.column is not None and field.db_default is NOT_PROVIDED
}.keys()


def _refuse_replayed_taps(fresh: _Candidates, outcomes: list[ScanOutcome], taps: dict[int, int]) -> None:
    """A SUN tap's counter must rise above every tap stored before it (docs/sun.md).

    Read under the bins' locks, so two batches cannot both accept the same URL."""
    tag_ids = {fresh[position][1].id for position in taps}
    last_seen = dict(Tag.objects.filter(id__in=tag_ids).values_list("id", "sun_last_counter"))
    raised = {}
    for position in sorted(taps, key=lambda p: (fresh[p][0].collected_at, taps[p])):
        tag = fresh[position][1]
        try:
            sun.check_counter_increases(taps[position], last_seen[tag.id])
        except DomainError as error:
            outcomes[position].error = error
            del fresh[position], taps[position]
            continue
        last_seen[tag.id] = raised[tag.id] = taps[position]
    if raised:
        Tag.objects.bulk_update(
            [Tag(id=tag_id, sun_last_counter=counter) for tag_id, counter in raised.items()], ["sun_last_counter"]
        )


def _insert_receipts(rows: list[tuple[uuid.UUID, str, datetime]], *, now: datetime) -> set[uuid.UUID]:
    if not rows:
        return set()
    table = ScanReceipt._meta.db_table
    document = [{"id": scan_id, "fingerprint": fingerprint, "collected_at": at} for scan_id, fingerprint, at in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (id, fingerprint, collected_at, received_at)
            SELECT id, fingerprint, collected_at, %s FROM json_populate_recordset(NULL::{table}, %s)
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """,
            [now, msgspec.json.encode(document).decode()],
        )
        return {row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(row[0]) for row in cursor.fetchall()}


def _hold_window(fresh: Iterable[tuple[ScanSubmission, Tag, str]]) -> HoldWindow:
    window = timedelta(minutes=settings.SCAN_HOLD_MINUTES)
    weighed = [(scan, tag) for scan, tag, _ in fresh if scan.weight_g is not None]
    existing: dict[object, list[datetime]] = {}
    if weighed:
        earliest = min(scan.collected_at for scan, _ in weighed) - window
        latest = max(scan.collected_at for scan, _ in weighed) + window
        rows = (
            CollectionEvent.objects.weighed()
            .filter(
                bin_id__in={tag.bin_id for _, tag in weighed},
                collected_at__gt=earliest,
                collected_at__lt=latest,
            )
            .exclude(status=CollectionStatus.VOID)
            .values_list("bin_id", "collected_at")
        )
        for bin_id, collected_at in rows:
            existing.setdefault(bin_id, []).append(collected_at)
    return HoldWindow(window, existing)


@dataclass(frozen=True)
class _HoldBook:
    """What the hold rules need beyond the scan and its tag, read for the whole batch:
    each municipality's thresholds (one query) and each weighed bin's latest billable
    weights, newest first (one query)."""

    rules: dict[object, HoldRules]
    weights: dict[object, list[int]]

    @classmethod
    def for_scans(cls, fresh: Iterable[tuple[ScanSubmission, Tag, str]]) -> "_HoldBook":
        fresh = list(fresh)
        municipalities = {tag.bin.restaurant.municipality_id for _, tag, _ in fresh}
        bins = sorted({tag.bin_id for scan, tag, _ in fresh if scan.weight_g is not None})
        return cls(rules=HoldRules.for_municipalities(municipalities), weights=_latest_weights(bins))


def _latest_weights(bin_ids: list[uuid.UUID]) -> dict[object, list[int]]:
    """{bin id: its latest WEIGHT_HISTORY_SIZE billable weights, newest first}, in one
    statement: one row per bin, its weights as an array read backwards from the
    (bin, collected_at) index, so the cost follows the batch, not the bins' years."""
    if not bin_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT b.bin_id::text, ARRAY(
                SELECT e.weight_g FROM {CollectionEvent._meta.db_table} e
                 WHERE e.bin_id = b.bin_id AND e.status = %(billable)s AND e.weight_g IS NOT NULL
                 ORDER BY e.collected_at DESC LIMIT %(size)s)
              FROM unnest(%(bins)s::uuid[]) AS b(bin_id)
            """,
            {
                "bins": [str(pk) for pk in bin_ids],
                "billable": CollectionStatus.BILLABLE.value,
                "size": WEIGHT_HISTORY_SIZE,
            },
        )
        return {uuid.UUID(bin_id): weights for bin_id, weights in cursor.fetchall() if weights}


def _event_row(
    scan: ScanSubmission,
    tag: Tag,
    *,
    collector: User,
    now: datetime,
    hold: HoldWindow,
    scales: ScaleBook,
    book: _HoldBook,
    tap_counter: int | None,
) -> dict[str, Any]:
    """The scan as it is stored (CollectionEvent's columns): its flags, and held for an
    official when any of them is a hold reason (models.HoldReason) — never billed until
    released."""
    restaurant = tag.bin.restaurant
    rules = book.rules[restaurant.municipality_id]
    flags = []
    if scan.weight_g is not None and hold.admit(tag.bin_id, scan.collected_at):
        flags.append(Flag.HOLD_WINDOW)
    distance = None
    if scan.lat is not None and scan.lng is not None and restaurant.lat is not None and restaurant.lng is not None:
        distance = distance_m(scan.lat, scan.lng, restaurant.lat, restaurant.lng)
        if far_from_restaurant(distance, gps_accuracy_m=scan.gps_accuracy_m, limit_m=rules.far_from_restaurant_m):
            flags.append(Flag.FAR_FROM_RESTAURANT)
    if scan.source == Source.MANUAL:
        flags.append(Flag.MANUAL_ENTRY)
    if scan.reader_uid and tag.nfc_uid and scan.reader_uid != tag.nfc_uid:
        flags.append(Flag.UID_MISMATCH)
    flags += scales.flags(scan, restaurant.municipality_id)
    if tag.sun_enabled and rules.sun_required and tap_counter is None:
        flags.append(Flag.SUN_MISSING)
    evidence, check = None, None
    if scan.weight_g is not None:
        check = check_weight_history(
            scan.weight_g,
            book.weights.get(tag.bin_id, []),
            z_threshold=rules.weight_z_threshold,
            min_history=rules.weight_min_history,
        )
        if check is not None and check.implausible:
            flags.append(Flag.WEIGHT_IMPLAUSIBLE)
    if scan.weight_g is None:
        status = CollectionStatus.NOT_COLLECTED
    elif any(flag in HOLD_REASONS for flag in flags):
        status = CollectionStatus.HELD
        # Kept for the official who reviews it, whatever held it; a billable scan needs none.
        evidence = None if check is None else check.as_evidence()
    else:
        status = CollectionStatus.BILLABLE
    return dict(
        id=scan.id,
        bin_id=tag.bin_id,
        tag_id=tag.id,
        restaurant_id=restaurant.id,
        collector_id=collector.pk,
        weight_g=scan.weight_g,
        exception_code=scan.exception_code,
        collected_at=scan.collected_at,
        received_at=now,
        lat=scan.lat,
        lng=scan.lng,
        distance_m=distance,
        gps_accuracy_m=scan.gps_accuracy_m,
        photo_id=scan.photo_id,
        source=scan.source,
        scale_id=scan.scale_id,
        reader_uid=scan.reader_uid,
        device_id=scan.device_id,
        flags=flags,
        status=status,
        weight_evidence=evidence,
        physically_tapped=tap_counter is not None,
        sun_counter=tap_counter,
    )


def _notify_owners_of_pickups_done(stored: list[NewEvent]) -> None:
    """One task for the batch's weighings, queued once the batch is committed
    (collection_events/notices.py says why not here)."""
    weighed = [str(new.row["id"]) for new in stored if new.row["status"] in TOLD_STATUSES]
    if weighed:
        queue_after_commit(tasks.notify_pickups_done, weighed)


def _notify_owners_of_missed_pickups(stored: list[NewEvent]) -> None:
    missed = [new.as_model() for new in stored if new.row["status"] == CollectionStatus.NOT_COLLECTED]
    if missed:
        notify_missed_pickups(events=missed)


# --- The officials' review of held scans ---------------------------------------------

#: The most held scans one decision may cover (the review page lists as many).
HELD_DECISION_MAX = 100


class HeldDecision(TextChoices):
    RELEASE = "release", _("Release for billing")
    VOID = "void", _("Void the scan")


HELD_OUTCOME = {HeldDecision.RELEASE: CollectionStatus.BILLABLE, HeldDecision.VOID: CollectionStatus.VOID}


def decide_held_scans(*, by: User, event_ids: list[uuid.UUID], decision: str, reason: str) -> int:
    """Release (bill it, in the month it was collected) or void each of the held scans
    named, with one reason; each decision is recorded (CollectionEventStatusChange: who,
    when, why, from and to). All or none: a scan another official decided meanwhile, or
    one `by` may not see, refuses the whole decision. Returns how many were decided."""
    to = HELD_OUTCOME[parse_decision(decision, HeldDecision)]
    checked_text(reason, "reason", REASON_MAX_LENGTH)
    if not reason.strip():
        raise DomainError("reason_required", _("A reason is required."), fields={"reason": ["required"]})
    wanted = set(event_ids)
    if not wanted:
        raise DomainError("nothing_chosen", _("Choose at least one held scan."), fields={"events": ["none chosen"]})
    if len(wanted) > HELD_DECISION_MAX:
        raise DomainError(
            "too_many_chosen",
            _("At most %(count)s scans at a time.") % {"count": HELD_DECISION_MAX},
            fields={"events": [f"{len(wanted)} chosen"]},
        )
    with transaction.atomic():
        # Locked in primary-key order, as ingestion locks bins: two officials deciding
        # overlapping sets wait for each other, and the second finds them decided.
        locked = list(
            CollectionEvent.objects.visible_to(by)
            .select_for_update(of=("self",))
            .filter(id__in=wanted)
            .order_by("id")
            .only("id", "status", "collected_at")
        )
        if len(locked) != len(wanted):
            raise DomainError("not_found", _("Not found."), status_code=404)
        if any(event.status != CollectionStatus.HELD for event in locked):
            raise DomainError(
                "invalid_status_change",
                _("Some of these scans are no longer held; reload the page."),
                status_code=409,
            )
        now = timezone.now()
        CollectionEventStatusChange.objects.bulk_create(
            CollectionEventStatusChange(
                event_id=event.id,
                event_collected_at=event.collected_at,
                from_status=CollectionStatus.HELD,
                to_status=to,
                changed_by=by,
                changed_at=now,
                reason=reason,
            )
            for event in locked
        )
        CollectionEvent.objects.filter(id__in=[event.id for event in locked]).update(status=to)
    return len(locked)
