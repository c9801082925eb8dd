"""Billing runs through the service: what gets invoiced, once, and how."""

from datetime import date

import pytest

from backend.billing import windows
from backend.billing.models import Invoice, LedgerEntry, LineKind, RunStatus, Tariff
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db
# A billing window is a span of commit order: tests that bill, then add or change
# scans, then bill again must commit in between, as workers and crews do.
separate_commits = pytest.mark.django_db(transaction=True)


def lines(invoice, kind=None):
    qs = invoice.lines.order_by("position")
    return list(qs.filter(kind=kind) if kind else qs)


def test_one_invoice_per_restaurant_with_the_exact_sum_truncated_to_10_won(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5, 0), 12_345)  # 1604.85
    scan(old_bin, seoul(2026, 10, 20, 5, 0), 7_003)  # 910.39
    run = bill("2026-10")
    assert run.status == RunStatus.DONE
    invoice = Invoice.objects.get()
    assert invoice.subtotal_krw == 2515  # floor(2515.24)
    assert (invoice.total_krw, invoice.truncated_krw) == (2510, 5)
    (line,) = lines(invoice)
    assert (line.weight_g, line.collections, line.amount_krw) == (19_348, 2, 2515)
    assert (line.first_date, line.last_date) == (date(2026, 10, 3), date(2026, 10, 20))
    assert invoice.restaurant_name == old_bin.restaurant.name
    assert LedgerEntry.objects.get().amount_krw == 2510


@separate_commits
def test_held_and_void_scans_are_not_billed(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    scan(old_bin, seoul(2026, 10, 4, 5), 50_000, status="held")
    scan(old_bin, seoul(2026, 10, 5, 5), 50_000, status="void")
    bill("2026-10")
    invoice = Invoice.objects.get()
    assert invoice.subtotal_krw == 1300
    assert [[scan["weight_g"] for scan in scans] for scans in windows.scans_on_lines(invoice).values()] == [[10_000]]


def test_starting_a_billed_month_again_is_refused_and_changes_nothing(tariff, old_bin, scan, bill):
    from backend.billing.models import BillingRun
    from backend.core.errors import DomainError

    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    first = bill("2026-10")
    before = list(Invoice.objects.values_list("id", "total_krw"))
    with pytest.raises(DomainError) as refused:
        bill("2026-10")
    assert (refused.value.code, refused.value.fields["run"]) == ("period_already_billed", [str(first.id)])
    assert BillingRun.objects.count() == 1
    assert list(Invoice.objects.values_list("id", "total_krw")) == before


def test_a_restaurant_registered_after_the_run_is_billed_by_a_second_one(f, tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    bill("2026-10")
    newcomer = f.BinFactory(restaurant=f.RestaurantFactory(district=old_bin.restaurant.district))
    scan(newcomer, seoul(2026, 10, 5, 5), 5_000)
    second = bill("2026-10")
    assert second.invoices_issued == 1
    assert Invoice.objects.filter(period=date(2026, 10, 1), restaurant=newcomer.restaurant).exists()


def test_local_midnight_decides_the_month_whatever_the_offset_sent(tariff, old_bin, scan, bill):
    from datetime import UTC, timedelta, timezone

    # 23:59:59 on 31 Oct in Seoul, sent as UTC and as UTC-5: October's.
    scan(old_bin, seoul(2026, 10, 31, 23, 59, 59).astimezone(UTC), 1_000)
    scan(old_bin, seoul(2026, 10, 31, 23, 59, 59).astimezone(timezone(timedelta(hours=-5))), 2_000)
    # 00:00:00 on 1 Nov in Seoul, sent as UTC: November's.
    scan(old_bin, seoul(2026, 11, 1, 0, 0, 0).astimezone(UTC), 4_000)
    bill("2026-10")
    (line,) = lines(Invoice.objects.get())
    assert line.weight_g == 3_000


def test_a_tariff_change_inside_the_month_splits_the_line(city, old_bin, scan, bill):
    Tariff.objects.create(
        municipality=city, effective_from=date(2026, 1, 1), effective_to=date(2026, 10, 15), price_per_kg_krw=100
    )
    Tariff.objects.create(municipality=city, effective_from=date(2026, 10, 16), price_per_kg_krw=150)
    scan(old_bin, seoul(2026, 10, 15, 23, 30), 10_000)  # still the old price, local date 15th
    scan(old_bin, seoul(2026, 10, 16, 0, 30), 10_000)
    bill("2026-10")
    invoice = Invoice.objects.get()
    assert [(line.price_per_kg_krw, line.weight_g, line.amount_krw) for line in lines(invoice)] == [
        (100, 10_000, 1000),
        (150, 10_000, 1500),
    ]
    assert invoice.total_krw == 2500


def test_a_day_no_tariff_covers_is_not_billed_and_the_next_tariff_starts_at_local_midnight(city, old_bin, scan, bill):
    Tariff.objects.create(
        municipality=city, effective_from=date(2026, 1, 1), effective_to=date(2026, 10, 9), price_per_kg_krw=100
    )
    Tariff.objects.create(municipality=city, effective_from=date(2026, 10, 12), price_per_kg_krw=150)
    scan(old_bin, seoul(2026, 10, 9, 23, 59, 59), 1_000)  # last second of the old tariff
    scan(old_bin, seoul(2026, 10, 10, 0, 0, 0), 2_000)  # 10th and 11th: no tariff in force
    scan(old_bin, seoul(2026, 10, 11, 23, 59, 59), 4_000)
    scan(old_bin, seoul(2026, 10, 12, 0, 0, 0), 8_000)  # first second of the new one
    scan(old_bin, seoul(2026, 10, 31, 23, 59, 59), 16_000)
    bill("2026-10")
    invoice = Invoice.objects.get()
    assert [
        (line.price_per_kg_krw, line.weight_g, line.collections, line.first_date, line.last_date)
        for line in lines(invoice)
    ] == [
        (100, 1_000, 1, date(2026, 10, 9), date(2026, 10, 9)),
        (150, 24_000, 2, date(2026, 10, 12), date(2026, 10, 31)),
    ]


def test_names_and_labels_with_tabs_backslashes_and_newlines_reach_the_invoice_unchanged(tariff, old_bin, scan, bill):
    from backend.restaurants.models import Bin, Restaurant

    name, address, label = "김밥\t천국 \\N", "1층\n\\뒤편\r", "주방\t1 \\"
    Restaurant.objects.filter(id=old_bin.restaurant_id).update(name=name, address=address)
    Bin.objects.filter(id=old_bin.id).update(label=label)
    scan(old_bin, seoul(2026, 10, 3, 5, 0), 1_000)
    bill("2026-10")
    invoice = Invoice.objects.get()
    assert (invoice.restaurant_name, invoice.restaurant_address) == (name, address)
    (line,) = lines(invoice)
    assert line.bin_label == label
    assert line.description.startswith(label + " 10/03–10/03 1회 1.000kg")


def test_base_fee_per_active_bin_and_minimum_charge(city, f, restaurant, old_bin, scan, bill):
    Tariff.objects.create(
        municipality=city,
        effective_from=date(2026, 1, 1),
        price_per_kg_krw=130,
        base_fee_per_bin_krw=1000,
        minimum_charge_krw=5000,
    )
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)  # 1300
    bill("2026-10")
    invoice = Invoice.objects.get()
    assert [line.kind for line in lines(invoice)] == [LineKind.USAGE, LineKind.BASE_FEE, LineKind.MINIMUM]
    assert (invoice.subtotal_krw, invoice.minimum_adjustment_krw, invoice.total_krw) == (2300, 2700, 5000)


def test_a_restaurant_with_an_active_bin_and_no_scans_gets_its_base_fee(city, old_bin, bill):
    Tariff.objects.create(
        municipality=city, effective_from=date(2026, 1, 1), price_per_kg_krw=130, base_fee_per_bin_krw=2000
    )
    bill("2026-10")
    assert Invoice.objects.get().total_krw == 2000


def test_a_bin_created_after_the_month_is_not_billed_for_it(tariff, bin, bill):
    bill("2026-10")  # `bin` was created now, after October
    assert not Invoice.objects.exists()


@separate_commits
def test_a_late_scan_goes_on_the_next_invoice_as_a_prior_period_line_once(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 8, 10, 5), 10_000)
    bill("2026-08")
    late = scan(old_bin, seoul(2026, 8, 28, 5), 3_000)  # synced after August was invoiced
    scan(old_bin, seoul(2026, 9, 2, 5), 1_000)
    bill("2026-09")
    august, september = Invoice.objects.order_by("period")
    assert august.subtotal_krw == 1300  # unchanged
    prior = lines(september, LineKind.PRIOR_PERIOD)
    assert [(line.service_period, line.weight_g) for line in prior] == [(date(2026, 8, 1), 3_000)]
    assert [scan["id"] for scan in windows.scans_on_lines(september)[prior[0].id]] == [late.id]
    assert windows.billed_on(late.id) == september.number
    assert september.subtotal_krw == 390 + 130
    scan(old_bin, seoul(2026, 10, 2, 5), 1_000)
    bill("2026-10")  # billed once: not again on October's invoice
    october = Invoice.objects.get(period=date(2026, 10, 1))
    assert [line.kind for line in lines(october)] == [LineKind.USAGE]


@separate_commits
def test_scans_of_a_month_never_invoiced_wait_for_that_months_run(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 9, 10, 5), 10_000)
    scan(old_bin, seoul(2026, 10, 2, 5), 1_000)
    bill("2026-10")
    assert Invoice.objects.get().subtotal_krw == 130
    bill("2026-09")
    assert Invoice.objects.get(period=date(2026, 9, 1)).subtotal_krw == 1300


@separate_commits
def test_a_voided_billed_scan_is_credited_on_the_next_invoice(tariff, old_bin, scan, bill, official):
    wrong = scan(old_bin, seoul(2026, 8, 10, 5), 10_000)
    scan(old_bin, seoul(2026, 8, 11, 5), 20_000)
    bill("2026-08")
    wrong.change_status(to="void", by=official, reason="scale fault")
    scan(old_bin, seoul(2026, 9, 2, 5), 30_000)
    bill("2026-09")
    august, september = Invoice.objects.order_by("period")
    assert august.total_krw == 3900
    (credit,) = lines(september, LineKind.CREDIT)
    assert credit.amount_krw == -1300
    assert (september.credits_krw, september.total_krw) == (-1300, 3900 - 1300)
    assert credit.credited_event_id == wrong.id
    assert windows.billed_on(wrong.id) == august.number
    bill("2026-10")  # credited once only
    assert not Invoice.objects.filter(period=date(2026, 10, 1), lines__kind=LineKind.CREDIT).exists()


def test_other_municipalities_are_not_touched(tariff, old_bin, scan, bill, f, other_city):
    from backend.billing.models import Tariff as T

    T.objects.create(municipality=other_city, effective_from=date(2026, 1, 1), price_per_kg_krw=50)
    elsewhere = f.BinFactory(restaurant=f.RestaurantFactory(district=f.DistrictFactory(municipality=other_city)))
    scan(elsewhere, seoul(2026, 10, 3, 5), 10_000)
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    bill("2026-10")
    assert list(Invoice.objects.values_list("restaurant_id", flat=True)) == [old_bin.restaurant_id]


def test_a_run_stopped_between_chunks_is_resumed_by_whoever_claims_it_next(tariff, f, district, scan, official):
    from datetime import timedelta

    from django.utils import timezone

    from backend.billing import runs
    from backend.billing.models import BillingRun
    from backend.billing.periods import Period

    bins = [f.BinFactory(restaurant=f.RestaurantFactory(district=district)) for _ in range(5)]
    for b in bins:
        scan(b, seoul(2026, 10, 3, 5), 10_000)
    run = runs.start_billing_run(municipality=official.municipality, period=Period.parse("2026-10"))
    runs.execute_billing_run(run_id=run.id, chunk_size=2, max_chunks=1)  # then the worker "dies"
    assert Invoice.objects.count() == 2
    assert runs.claim_run(run.id) is None  # its heartbeat is fresh: nobody else may take it
    BillingRun.objects.filter(id=run.id).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert runs.reconcile_runs() == [run.id]
    runs.execute_billing_run(run_id=run.id, chunk_size=2)
    run.refresh_from_db()
    assert (run.status, run.done, run.total, run.invoices_issued) == (RunStatus.DONE, 5, 5, 5)
    assert Invoice.objects.count() == 5
    assert len(set(Invoice.objects.values_list("number", flat=True))) == 5


def test_an_unfinished_month_is_refused(official):
    from backend.billing import runs
    from backend.billing.periods import Period
    from backend.core.errors import DomainError

    with pytest.raises(DomainError) as error:
        runs.start_billing_run(municipality=official.municipality, period=Period.parse("2099-01"))
    assert error.value.code == "period_not_closed"


@separate_commits
def test_a_scan_committed_after_the_runs_snapshot_is_billed_next_time_although_received_before(
    tariff, old_bin, scan, bill, f, collector
):
    """The hazard of any clock-based cutoff: a crew's batch is received (received_at
    set by the app server) before the run reads, but commits after it. Neither lost
    nor billed twice: it goes on the next invoice."""
    import threading
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from backend.collection_events.models import CollectionEvent

    scan(old_bin, seoul(2026, 8, 10, 5), 10_000)
    slow_id, inserted, commit = uuid.uuid4(), threading.Event(), threading.Event()

    def slow_batch():
        try:
            with transaction.atomic():
                f.CollectionEventFactory(
                    id=slow_id,
                    tag=old_bin.tags.first(),
                    collector=collector,
                    weight_g=4_000,
                    collected_at=seoul(2026, 8, 20, 5),
                    received_at=timezone.now(),
                )
                inserted.set()
                commit.wait(30)
        finally:
            connection.close()

    batch = threading.Thread(target=slow_batch)
    batch.start()
    assert inserted.wait(30)
    bill("2026-08")  # reads while the batch is still open
    commit.set()
    batch.join(30)
    august = Invoice.objects.get()
    assert august.subtotal_krw == 1300
    assert CollectionEvent.objects.get(id=slow_id).received_at < august.issued_at
    assert windows.billed_on(slow_id) is None
    bill("2026-09")
    september = Invoice.objects.get(period=date(2026, 9, 1))
    (prior,) = lines(september, LineKind.PRIOR_PERIOD)
    assert (prior.weight_g, prior.amount_krw) == (4_000, 520)
    assert windows.billed_on(slow_id) == september.number
    bill("2026-10")
    assert not Invoice.objects.filter(period=date(2026, 10, 1), lines__kind=LineKind.PRIOR_PERIOD).exists()


@separate_commits
def test_two_invoices_can_never_extend_a_restaurants_chain_from_the_same_invoice(tariff, old_bin, scan, bill):
    from django.db import IntegrityError

    scan(old_bin, seoul(2026, 8, 10, 5), 10_000)
    bill("2026-08")
    august = Invoice.objects.get()
    assert august.window_number == 1
    second = Invoice.objects.filter(id=august.id).values()[0] | {"period": date(2026, 9, 1)}
    second.pop("id")
    second["number"] += "-x"
    with pytest.raises(IntegrityError):
        Invoice.objects.create(**second)  # window 1 again: its window would overlap August's


@separate_commits
def test_chunks_on_two_connections_commit_in_order_and_resume_after_a_stop(
    tariff, f, district, scan, official, settings
):
    """Chunks are billed on two connections at once, but commit in restaurant order:
    invoice numbers follow the restaurants, and a run stopped after some chunks has
    exactly those invoiced and its cursor at the last of them."""
    from backend.billing import runs
    from backend.billing.models import BillingRun
    from backend.billing.periods import Period

    settings.BILLING_RUN_CONNECTIONS = 2
    bins = sorted(
        (f.BinFactory(restaurant=f.RestaurantFactory(district=district)) for _ in range(7)),
        key=lambda b: b.restaurant_id,
    )
    for n, b in enumerate(bins):
        scan(b, seoul(2026, 10, 3, 5), 10_000 + n)
    run = runs.start_billing_run(municipality=official.municipality, period=Period.parse("2026-10"))
    assert runs.execute_billing_run(run_id=run.id, chunk_size=1, max_chunks=4) == RunStatus.RUNNING
    run.refresh_from_db()
    assert (run.done, run.invoices_issued, run.cursor) == (4, 4, bins[3].restaurant_id)
    assert set(Invoice.objects.values_list("restaurant_id", flat=True)) == {b.restaurant_id for b in bins[:4]}
    BillingRun.objects.filter(id=run.id).update(status=RunStatus.QUEUED)  # hand it to the next worker
    assert runs.execute_billing_run(run_id=run.id, chunk_size=2) == RunStatus.DONE
    run.refresh_from_db()
    assert (run.done, run.invoices_issued, run.total) == (7, 7, 7)
    numbers = [Invoice.objects.get(restaurant_id=b.restaurant_id).number for b in bins]
    assert numbers == sorted(numbers) and [number[-6:] for number in numbers] == [f"{n:06d}" for n in range(1, 8)]
    assert [Invoice.objects.get(restaurant_id=b.restaurant_id).subtotal_krw for b in bins] == [
        (10_000 + n) * 130 // 1000 for n in range(7)
    ]


@separate_commits
def test_a_restaurant_closed_before_the_month_is_not_billed_for_it(tariff, old_bin, scan, bill):
    """폐업: no new bills after the closing day, though nobody retired its bins; the
    month it closed in is billed as usual (its base fee and minimum included)."""
    from backend.restaurants.models import Restaurant

    Tariff.objects.filter(id=tariff.id).update(base_fee_per_bin_krw=1_000, minimum_charge_krw=3_000)
    scan(old_bin, seoul(2026, 9, 3, 5), 10_000)
    Restaurant.objects.filter(id=old_bin.restaurant_id).update(status="closed", closed_on=date(2026, 9, 20))
    bill("2026-09")
    september = Invoice.objects.get(period=date(2026, 9, 1))
    assert september.total_krw == 3_000  # 1,300 of waste and a 1,000 base fee, raised to the minimum
    bill("2026-10")
    assert not Invoice.objects.filter(period=date(2026, 10, 1)).exists()
