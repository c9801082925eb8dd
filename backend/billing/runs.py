"""Billing runs: invoicing a municipality's restaurants for one month, set-based.

This module is the orchestration: the run's lease, its chunks and their order.
A run walks the municipality's restaurants in id order, a chunk per transaction.
Each chunk locks its restaurants (in id order), skips those already invoiced for
the month, and then, in three steps with one job each:

1. reads (billing/selectors.py): in ONE statement, what they pay for now — this
   month's billable scans, late scans of months already invoiced and the billed scans
   voided since (credited), summed per (restaurant, bin, tariff, month). What a
   new invoice covers is a window of commit order: what its statement's snapshot
   saw and its restaurant's previous invoice's snapshot did not (billing/windows.py);
2. prices (billing/invoicing.py, with the pure functions of pricing.py): the ~one
   row per bin becomes invoice, line and ledger records (billing/records.py);
3. writes (billing/writer.py): the records with COPY, each field to its column.

The chunk's last act moves the run's cursor and heartbeat, so a worker killed at
any point leaves either a whole chunk or nothing; whoever takes the run over next
continues after the cursor (docs/decisions/0002-billing-runs.md).
"""

import gc
import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.billing import selectors, writer
from backend.billing.billed import refuse_if_billed
from backend.billing.invoicing import ChunkTerms, InvoiceDraft, draft_invoices
from backend.billing.models import BillingRun, RunStatus
from backend.billing.notices import notify_invoices_issued
from backend.billing.periods import Period, due_date
from backend.core.errors import DomainError
from backend.core.queueing import queue_after_commit
from backend.municipalities.local_time import local_midnight
from backend.municipalities.models import Municipality
from backend.restaurants.models import Restaurant
from backend.restaurants.selectors import RestaurantOnInvoice, lock_one, lock_range

logger = logging.getLogger(__name__)

CHUNK_RETRIES = 3


def start_billing_run(*, municipality: Municipality, period: Period, requested_by=None, now=None) -> BillingRun:
    """Queue a run for a month that has ended; the run already queued or running for
    that month is returned instead of a second one, and a month already billed is
    refused (`period_already_billed`, billed.py). The task is sent after commit."""
    now = now or timezone.now()
    if not period.has_ended(now, municipality.zone):
        raise DomainError(
            "period_not_closed",
            _("%(period)s has not ended yet.") % {"period": period},
            fields={"period": ["not ended"]},
        )
    refuse_if_billed(municipality_id=municipality.id, period=period)
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(
                municipality=municipality, period=period.first_day, requested_by=requested_by, created_at=now
            )
    except IntegrityError:
        active = BillingRun.objects.filter(
            municipality=municipality, period=period.first_day, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        ).first()
        if active is None:  # finished between our insert and this read: try once more
            return start_billing_run(municipality=municipality, period=period, requested_by=requested_by, now=now)
        return active
    _enqueue_after_commit(run.id)
    return run


def _enqueue_after_commit(run_id) -> None:
    from backend.billing.tasks import execute_billing_run

    queue_after_commit(execute_billing_run, str(run_id))


def claim_run(run_id, *, now=None) -> uuid.UUID | None:
    """Take the run's lease with a conditional UPDATE: a queued run, or a running one
    whose holder stopped beating. None if someone else holds it or it is finished."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.BILLING_RUN_STALE_SECONDS)
    token = uuid.uuid4()
    claimed = (
        BillingRun.objects.filter(id=run_id)
        .filter(Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale))
        .update(
            status=RunStatus.RUNNING,
            lease_token=token,
            lease_holder=f"{socket.gethostname()}:{os.getpid()}",
            heartbeat_at=now,
            started_at=Coalesce(F("started_at"), now),
            attempts=F("attempts") + 1,
        )
    )
    return token if claimed else None


def execute_billing_run(*, run_id, chunk_size: int | None = None, max_chunks: int | None = None) -> str:
    """Work a run to the end (or `max_chunks` chunks). Safe to call any number of
    times, from any number of workers: only the lease holder writes."""
    token = claim_run(run_id)
    if token is None:
        status = BillingRun.objects.filter(id=run_id).values_list("status", flat=True).first()
        return status or "missing"  # a message for a run that no longer exists (e.g. a wiped test database)
    run = BillingRun.objects.select_related("municipality").get(id=run_id)
    if run.total is None:
        total = Restaurant.objects.filter(municipality_id=run.municipality_id).count()
        BillingRun.objects.filter(id=run.id, lease_token=token).update(total=total)
    chunk_size = chunk_size or settings.BILLING_RUN_CHUNK_SIZE
    chunks = 0
    while max_chunks is None or chunks < max_chunks:
        cursor_id = BillingRun.objects.filter(id=run.id).values_list("cursor", flat=True).first()
        plan = _plan_chunks(run, cursor_id, chunk_size, None if max_chunks is None else max_chunks - chunks)
        if not plan:
            BillingRun.objects.filter(id=run.id, lease_token=token).update(
                status=RunStatus.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now()
            )
            return RunStatus.DONE
        try:
            _bill_chunks(run, token=token, plan=plan)
        except LeaseLost:
            logger.info("billing run %s: lease taken over by another worker", run.id)
            return RunStatus.RUNNING
        except Exception as error:
            BillingRun.objects.filter(id=run.id, lease_token=token).update(
                status=RunStatus.FAILED, finished_at=timezone.now(), last_error=repr(error)[:2000]
            )
            raise
        chunks += len(plan)
    return RunStatus.RUNNING


class LeaseLost(Exception):
    pass


class ChunkAbandoned(Exception):
    """An earlier chunk of the same plan failed: this one must not commit after it."""


@dataclass(frozen=True)
class _Chunk:
    """Restaurants with `after` < id <= `through`, in id order: a range rather than a
    list, so that committing it moves the cursor from exactly `after` to `through`."""

    after: uuid.UUID | None
    through: uuid.UUID


def _plan_chunks(run: BillingRun, cursor_id, chunk_size: int, limit: int | None) -> list[_Chunk]:
    """The next chunks after the cursor (at most `limit`). Restaurants added after
    this read in a planned range are billed with it; beyond the last, by the next plan."""
    restaurants = Restaurant.objects.filter(municipality_id=run.municipality_id)
    if cursor_id is not None:
        restaurants = restaurants.filter(id__gt=cursor_id)
    ordered = restaurants.order_by("id").values_list("id", flat=True)
    ids = list(ordered if limit is None else ordered[: limit * chunk_size])
    plan, after = [], cursor_id
    for index in range(0, len(ids), chunk_size):
        through = ids[min(index + chunk_size, len(ids)) - 1]
        plan.append(_Chunk(after, through))
        after = through
    return plan


def _connections_per_run() -> int:
    return max(1, settings.BILLING_RUN_CONNECTIONS)


def _bill_chunks(run: BillingRun, *, token, plan: list[_Chunk]) -> None:
    """Bill the planned chunks, on `BILLING_RUN_CONNECTIONS` connections at once.

    Chunks are independent (disjoint restaurants, each locked by its own chunk), so
    they read, price and write in parallel; only their commits keep plan order: a
    chunk numbers its invoices and moves the cursor after the chunk before it has
    committed (`_Turn`). The cursor therefore never passes an uncommitted chunk, and a
    worker killed at any point leaves a prefix of the plan committed, as when chunks
    ran one by one. Inside a caller's transaction (tests, a shell) other
    connections could not see its data, so the chunks run there, one by one."""
    with _fewer_young_collections():
        _bill_chunks_in_order(run, token=token, plan=plan)


@contextmanager
def _fewer_young_collections():
    """A chunk makes ~8,000 records that live until they are written; with the default
    threshold (700 allocations) the garbage collector scans them ~40 times per chunk,
    ~0.15 s of a run's ~1.1 s of Python. Raised as in the web workers
    (config/gunicorn.conf.py) for the run's duration, then restored."""
    previous = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _bill_chunks_in_order(run: BillingRun, *, token, plan: list[_Chunk]) -> None:
    workers = _connections_per_run()
    if workers == 1 or len(plan) == 1 or connection.in_atomic_block:
        for chunk in plan:
            _chunk_with_retries(run, token=token, chunk=chunk, turn=None)
        return
    turns = [_Turn() for _step in plan]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="billing-chunk") as pool:
        futures = [
            pool.submit(
                _chunk_on_own_connection,
                run,
                token=token,
                chunk=chunk,
                turn=turns[index - 1] if index else None,
                mine=turns[index],
            )
            for index, chunk in enumerate(plan)
        ]
        errors = [future.exception() for future in futures]
    failures = [error for error in errors if error is not None]
    if failures:
        raise next((error for error in failures if not isinstance(error, ChunkAbandoned)), failures[0])


class _Turn:
    """Set when a chunk has committed (or given up): the next chunk's commit waits for it."""

    def __init__(self) -> None:
        self._finished = threading.Event()
        self._committed = False

    def finish(self, *, committed: bool) -> None:
        self._committed = committed
        self._finished.set()

    def wait(self) -> None:
        self._finished.wait()
        if not self._committed:
            raise ChunkAbandoned()


def _chunk_on_own_connection(run: BillingRun, *, token, chunk: _Chunk, turn: "_Turn | None", mine: _Turn) -> None:
    committed = False
    try:
        _chunk_with_retries(run, token=token, chunk=chunk, turn=turn)
        committed = True
    finally:
        mine.finish(committed=committed)
        connection.close()  # this thread's own connection


def _chunk_with_retries(run: BillingRun, *, token, chunk: _Chunk, turn: "_Turn | None") -> None:
    for attempt in range(CHUNK_RETRIES):
        try:
            return _bill_chunk(run, token=token, chunk=chunk, turn=turn)
        except (IntegrityError, DatabaseError) as error:
            # A concurrent run for another month of the same restaurant, a deadlock:
            # the chunk rolled back whole; do it again.
            if attempt == CHUNK_RETRIES - 1:
                raise
            logger.warning("billing run %s: chunk retried after %r", run.id, error)
    raise AssertionError("unreachable")


def _bill_chunk(run: BillingRun, *, token, chunk: _Chunk, turn: "_Turn | None") -> None:
    """Invoice one chunk of restaurants in one transaction, ending with the move of
    the run's cursor from `chunk.after` to `chunk.through` (LeaseLost if the lease
    went to another worker meanwhile: the chunk then rolls back)."""
    period = run.billing_period
    with transaction.atomic():
        if not BillingRun.objects.filter(id=run.id, lease_token=token, status=RunStatus.RUNNING).exists():
            raise LeaseLost()
        with connection.cursor() as cursor:
            # The chunk's scans are hashed and grouped in memory rather than spilled to disk.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        locked = lock_range(
            run.municipality_id,
            after=chunk.after,
            through=chunk.through,
            until=period.bounds(run.municipality.zone)[1],
        )
        invoiced = selectors.invoiced_restaurants([r.id for r in locked], period)
        drafts = _draft_chunk(run.municipality, [r for r in locked if r.id not in invoiced], period, run_id=str(run.id))
        # Lines and ledger entries point at invoices written below: the foreign keys
        # are checked at commit, so they need not wait for this chunk's turn.
        writer.write_lines_and_ledger(drafts)
        if turn is not None:
            turn.wait()
        issued = writer.write_invoices(
            drafts, municipality_id=run.municipality_id, municipality_code=run.municipality.code, period=period
        )
        moved = BillingRun.objects.filter(
            id=run.id, lease_token=token, status=RunStatus.RUNNING, cursor=chunk.after
        ).update(
            cursor=chunk.through,
            done=F("done") + len(locked),
            invoices_issued=F("invoices_issued") + len(issued),
            heartbeat_at=timezone.now(),
        )
        if not moved:
            raise LeaseLost()  # another worker holds the run now, and may have moved its cursor
        if issued:
            notify_invoices_issued(invoice_ids=issued)


def _draft_chunk(
    municipality: Municipality,
    to_bill: list[RestaurantOnInvoice],
    period: Period,
    *,
    run_id: str | None,
    last_day: date | None = None,
) -> list[InvoiceDraft]:
    """Read the chunk's window (selectors) and price it into invoices (invoicing).
    With `last_day`, a final invoice for an owner's part of the month ending that day:
    this month's scans up to it, and no base fee or minimum charge (the month's
    invoice, to whoever holds the restaurant at its end, carries those)."""
    if not to_bill:
        return []
    zone = municipality.zone
    start, end = period.bounds(zone)
    ids = [restaurant.id for restaurant in to_bill]
    bins = selectors.bins_in_service(ids, start=start, end=end, first_day=period.first_day)
    heads = selectors.chain_heads(ids)
    window = selectors.read_window(
        ids,
        heads,
        municipality_id=municipality.id,
        zone=municipality.time_zone,
        start=start,
        end=end,
        lookback_start=period.plus_months(-settings.BILLING_LATE_LOOKBACK_MONTHS).bounds(zone)[0],
        owners_since={r.id: r.owner_since for r in to_bill if r.owner_since is not None},
        until=None if last_day is None else local_midnight(last_day + timedelta(days=1), zone),
    )
    if last_day is not None:
        bins = {}
    labels = {bin.id: bin.label for in_service in bins.values() for bin in in_service}
    unlabelled = {row.bin_id for rows in window.usage.values() for row in rows} - labels.keys()
    if unlabelled:  # late lines of a bin no longer in service this month
        labels.update(selectors.bin_labels(unlabelled))
    tariff = selectors.tariff_at_month_end(municipality.id, period)
    now = timezone.now()
    due = due_date(
        period,
        months_after=settings.INVOICE_DUE_MONTHS_AFTER_PERIOD,
        issued_on=now.astimezone(zone).date(),
        min_days=settings.INVOICE_DUE_MIN_DAYS,
    )
    terms = ChunkTerms(
        run_id=run_id,
        municipality_id=str(municipality.id),
        municipality_name=municipality.name,
        time_zone=municipality.time_zone,
        period=str(period),
        month=period.first_day.isoformat(),
        base_fee_per_bin_krw=tariff.base_fee_per_bin_krw if tariff and last_day is None else 0,
        minimum_charge_krw=tariff.minimum_charge_krw if tariff and last_day is None else 0,
        issued_at=now.isoformat(),
        due_date=due.isoformat(),
        snapshot=window.snapshot,
        last_day=None if last_day is None else last_day.isoformat(),
    )
    owners = {restaurant.id: restaurant.owner_id for restaurant in to_bill}  # the accounts billed
    draws = selectors.prepaid_draws(
        owners,
        heads,
        zone=municipality.time_zone,
        start=start,
        end=end,
        lookback_start=period.plus_months(-settings.BILLING_LATE_LOOKBACK_MONTHS).bounds(zone)[0],
    )
    return draft_invoices(
        to_bill,
        window,
        bins=bins,
        heads=heads,
        balances=selectors.balances(owners),
        labels=labels,
        terms=terms,
        draws=draws,
    )


def issue_final_invoice(*, restaurant: Restaurant, last_day: date) -> str | None:
    """Bill the restaurant's current owner up to `last_day` (local), now: at a handover
    (the new owner's part starts the day after) or a closing. In the restaurant's chain
    like any invoice, under the same lock as a run's chunk, so the two never bill one
    scan twice (docs/billing.md, "Handover"). Its month is `last_day`'s; when that is
    the month's last day or the restaurant closes, it is that month's invoice (base fee
    and minimum charge included) and the month's run skips the restaurant; otherwise a
    part-month invoice (`last_day` set) and the run bills the rest of the month to the
    new owner. Returns the invoice id, or None when there was nothing to bill (or the
    month's invoice had billed it already). A month already invoiced cannot be split:
    `handover_month_billed`."""
    municipality = restaurant.municipality
    zone = municipality.zone
    period = Period.of_date(last_day)
    until = local_midnight(last_day + timedelta(days=1), zone)
    month_invoice = last_day == period.last_day or restaurant.closed_on is not None
    with transaction.atomic():
        locked = lock_one(restaurant.id, until=until)
        if selectors.invoiced_restaurants([locked.id], period):
            if month_invoice:
                return None  # the month's run has billed the owner through that day already
            raise DomainError(
                "handover_month_billed",
                _("%(period)s is already invoiced; choose a date after it.") % {"period": period},
                fields={"effective_on": ["month already invoiced"]},
                status_code=409,
            )
        drafts = _draft_chunk(municipality, [locked], period, run_id=None, last_day=None if month_invoice else last_day)
        writer.write_lines_and_ledger(drafts)
        issued = writer.write_invoices(
            drafts, municipality_id=municipality.id, municipality_code=municipality.code, period=period
        )
        if issued:
            notify_invoices_issued(invoice_ids=issued)
    return issued[0] if issued else None


def bill_synchronously(*, municipality: Municipality, period: Period) -> BillingRun:
    """Run a month's billing in this process (demo data, a command line): the same
    run as the worker's, so it is just as idempotent. A month already billed by a
    finished run is left alone."""
    done = BillingRun.objects.filter(municipality=municipality, period=period.first_day, status=RunStatus.DONE)
    finished = done.first()
    if finished is not None:
        return finished
    if not period.has_ended(timezone.now(), municipality.zone):
        raise DomainError("period_not_closed", _("%(period)s has not ended yet.") % {"period": period})
    run = BillingRun.objects.filter(
        municipality=municipality, period=period.first_day, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).first()
    if run is None:
        try:
            with transaction.atomic():
                run = BillingRun.objects.create(municipality=municipality, period=period.first_day)
        except IntegrityError:  # someone queued one just now: work that one
            return bill_synchronously(municipality=municipality, period=period)
    execute_billing_run(run_id=run.id)
    return BillingRun.objects.get(id=run.id)


def reconcile_runs(*, now=None) -> list[uuid.UUID]:
    """Send again every run the broker may have lost: queued for a while, or
    running with a stale heartbeat (its worker was killed). Claiming is
    conditional, so sending a live run again does no harm."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.BILLING_RUN_STALE_SECONDS)
    run_ids = list(
        BillingRun.objects.filter(
            Q(status=RunStatus.QUEUED, created_at__lt=stale) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale)
        ).values_list("id", flat=True)
    )
    for run_id in run_ids:
        _enqueue_after_commit(run_id)
    return run_ids


def start_due_runs(*, now=None) -> list[BillingRun]:
    """On the 1st from 02:00 local, start last month's run in each municipality that
    has none finished or under way (the beat calls this hourly)."""
    now = now or timezone.now()
    started = []
    for municipality in Municipality.objects.all():
        local = now.astimezone(municipality.zone)
        if local.day == 1 and local.hour < 2:
            continue
        period = Period.of_date(local.date()).previous()
        if BillingRun.objects.filter(
            municipality=municipality,
            period=period.first_day,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.DONE],
        ).exists():
            continue
        started.append(start_billing_run(municipality=municipality, period=period, now=now))
    return started
