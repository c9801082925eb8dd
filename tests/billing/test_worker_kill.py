"""A billing run survives SIGKILL of a pool child and of the whole worker, on the real
broker with a real worker, and every invoice matches a plain SQL recompute."""

import time
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from backend.billing import runs
from backend.billing.models import BillingRun, Invoice, RunStatus, Tariff
from backend.billing.periods import Period
from backend.collection_events.models import CollectionEvent
from backend.core.errors import DomainError
from tests.celery_worker import CeleryWorker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]

SEOUL = ZoneInfo("Asia/Seoul")
RESTAURANTS, SCANS_EACH, STALE_SECONDS = 30, 20, 2
WORKER_ENV = {"BILLING_RUN_CHUNK_SIZE": "1", "BILLING_RUN_STALE_SECONDS": str(STALE_SECONDS)}


@pytest.fixture
def municipality_with_scans(f, collector, settings):
    settings.BILLING_RUN_STALE_SECONDS = STALE_SECONDS

    def build(period: Period):
        district = f.DistrictFactory()
        city = district.municipality
        Tariff.objects.create(municipality=city, effective_from=date(2020, 1, 1), price_per_kg_krw=130)
        events = []
        for n in range(RESTAURANTS):
            tag = f.TagFactory(bin=f.BinFactory(restaurant=f.RestaurantFactory(district=district)))
            for i in range(SCANS_EACH):
                day = 1 + i % 28
                events.append(
                    CollectionEvent(
                        id=uuid.uuid4(),
                        bin=tag.bin,
                        tag=tag,
                        restaurant=tag.bin.restaurant,
                        collector=collector,
                        weight_g=1_001 + 37 * n + 101 * i,
                        source="nfc",
                        status="billable",
                        collected_at=datetime(period.year, period.month, day, 23, 59, 59, tzinfo=SEOUL),
                    )
                )
        CollectionEvent.objects.bulk_create(events)
        return city

    return build


def wait_for(predicate, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}" + (f"; worker log:\n{worker.log()}" if worker else ""))


def progress(run_id) -> int:
    return BillingRun.objects.get(id=run_id).done


def assert_invoices_match_plain_sql(city, period: Period):
    start, end = period.bounds(city.zone)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.restaurant_id, floor(sum(e.weight_g)::numeric * 130 / 1000)::bigint, count(*)
              FROM collection_events_collectionevent e
              JOIN restaurants_restaurant r ON r.id = e.restaurant_id
             WHERE r.municipality_id = %s AND e.status = 'billable'
               AND e.collected_at >= %s AND e.collected_at < %s
             GROUP BY e.restaurant_id
            """,
            [city.id, start, end],
        )
        expected = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
        cursor.execute(
            """
            SELECT i.restaurant_id, i.subtotal_krw, i.total_krw, i.truncated_krw,
                   (SELECT sum(l.collections) FROM billing_invoiceline l WHERE l.invoice_id = i.id)
              FROM billing_invoice i WHERE i.municipality_id = %s AND i.period = %s
            """,
            [city.id, period.first_day],
        )
        invoices = cursor.fetchall()
    assert len(invoices) == len(expected) == RESTAURANTS  # exactly one each (the unique constraint says at most)
    for restaurant_id, subtotal, total, truncated, scans in invoices:
        assert (subtotal, scans) == expected[restaurant_id]
        assert total == subtotal - subtotal % 10 and truncated == subtotal % 10
    assert_each_scan_on_one_line(city)


def assert_each_scan_on_one_line(city):
    """Read every invoice's window back (billing/windows.py): each billable scan of
    the city is behind exactly one line, and each line's count is its scans."""
    from backend.billing import windows

    seen: dict = {}
    for invoice in Invoice.objects.filter(municipality=city).prefetch_related("lines"):
        scans = windows.scans_on_lines(invoice)
        for line in invoice.lines.all():
            assert len(scans.get(line.id, [])) == line.collections
            for scan in scans.get(line.id, []):
                assert scan["id"] not in seen, f"scan {scan['id']} on two lines"
                seen[scan["id"]] = line.id
    billable = set(
        CollectionEvent.objects.filter(restaurant__municipality=city, status="billable").values_list("id", flat=True)
    )
    assert set(seen) == billable


def test_killing_a_pool_child_mid_run_then_reconciling_bills_everyone_once(municipality_with_scans):
    period = Period(2026, 9)
    city = municipality_with_scans(period)
    with CeleryWorker(env=WORKER_ENV) as worker:
        run = runs.start_billing_run(municipality=city, period=period)
        wait_for(lambda: progress(run.id) >= 3, 30, "the run to start", worker)
        holder = BillingRun.objects.get(id=run.id).lease_holder
        assert int(holder.rsplit(":", 1)[1]) in worker.pool_children()
        worker.kill_pool_child(int(holder.rsplit(":", 1)[1]))  # the child running the run
        # The killed child's task is gone with it; the run's heartbeat goes stale.
        assert BillingRun.objects.get(id=run.id).status == RunStatus.RUNNING
        assert progress(run.id) < RESTAURANTS
        time.sleep(STALE_SECONDS + 0.5)
        assert runs.reconcile_runs() == [run.id]
        wait_for(lambda: BillingRun.objects.get(id=run.id).status == RunStatus.DONE, 30, "the run to finish", worker)
    run.refresh_from_db()
    assert run.attempts == 2 and run.done == RESTAURANTS
    assert_invoices_match_plain_sql(city, period)


def test_killing_the_whole_worker_mid_run_then_restarting_bills_everyone_once(municipality_with_scans):
    period = Period(2026, 8)
    city = municipality_with_scans(period)
    with CeleryWorker(env=WORKER_ENV) as worker:
        run = runs.start_billing_run(municipality=city, period=period)
        wait_for(lambda: progress(run.id) >= 3, 30, "the run to start", worker)
        worker.kill_main()
        stopped_at = progress(run.id)
        assert stopped_at < RESTAURANTS
        assert Invoice.objects.filter(run=run).count() == stopped_at
        worker.start()
        time.sleep(STALE_SECONDS + 0.5)
        runs.reconcile_runs()
        wait_for(lambda: BillingRun.objects.get(id=run.id).status == RunStatus.DONE, 30, "the run to finish", worker)
    assert_invoices_match_plain_sql(city, period)
    # Starting it again is refused: the month is billed, nothing is left to do.
    with pytest.raises(DomainError) as refused:
        runs.start_billing_run(municipality=city, period=period)
    assert refused.value.code == "period_already_billed"
    assert_invoices_match_plain_sql(city, period)
