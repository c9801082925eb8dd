"""The scans' table partitioned by month (collection_events/partitions.py, archive/):
each scan stored once whatever month a retry names, months made ahead, scans that
landed in the default partition moved into their month, old months archived only when
nothing can change them."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import ProtectedError

from backend.archive.services import archive_months
from backend.billing.models import Tariff
from backend.billing.periods import Period
from backend.billing.runs import bill_synchronously
from backend.collection_events import partitions
from backend.collection_events.models import CollectionEvent, CollectionStatus, ScanReceipt
from backend.collection_events.services import CREATED, DUPLICATE, record_collections
from backend.core.errors import DomainError
from backend.disputes.models import Dispute
from backend.restaurants.models import Bin
from backend.rollups.models import VolumeCell

SEOUL = ZoneInfo("Asia/Seoul")


def _home(event_id) -> str:
    """The partition a scan is stored in."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {CollectionEvent._meta.db_table} WHERE id = %s", [event_id]
        )
        return cursor.fetchone()[0]


def _rollups() -> list[tuple]:
    cells = VolumeCell.objects.filter(dimension="all", grain="day")
    return sorted(cells.values_list("period", "status", "weight_g", "scans"))


def test_the_table_is_partitioned_with_a_default_and_the_months_ahead(db):
    names = {partition.name for partition in partitions.list_partitions()}
    assert partitions.default_partition() in names
    # Made by the migration from the real clock: this month and the next three.
    this_month = partitions.month_of(datetime.now(SEOUL))
    assert partitions.partition_name(this_month) in names


@time_machine.travel(datetime(2026, 11, 30, 23, 50, tzinfo=SEOUL), tick=False)
def test_a_retry_is_stored_once_even_when_it_names_another_month(collector, tag):
    scan = {
        "id": str(uuid.uuid4()),
        "tag": tag.url,
        "weight_kg": "12.345",
        "collected_at": datetime(2026, 11, 30, 23, 45, tzinfo=SEOUL).isoformat(),
        "source": "nfc",
    }
    assert [o.result for o in record_collections(collector=collector, events=[scan])] == [CREATED]
    assert [o.result for o in record_collections(collector=collector, events=[scan, scan])] == [DUPLICATE] * 2
    # The same id with a December time would go to another partition, where the
    # table's own key (id, collected_at) could not see the November row: the receipt does.
    december = {**scan, "collected_at": datetime(2026, 12, 1, 0, 5, tzinfo=SEOUL).isoformat()}
    with time_machine.travel(datetime(2026, 12, 1, 0, 6, tzinfo=SEOUL), tick=False):
        (outcome,) = record_collections(collector=collector, events=[december])
    assert outcome.error is not None and outcome.error.code == "idempotency_conflict"
    assert CollectionEvent.objects.filter(id=scan["id"]).count() == 1
    assert ScanReceipt.objects.get(id=scan["id"]).collected_at == datetime(2026, 11, 30, 23, 45, tzinfo=SEOUL)


def test_ensure_makes_the_months_ahead_once(db):
    now = datetime(2031, 5, 20, tzinfo=SEOUL)
    made = partitions.ensure_months(months_ahead=2, now=now)
    assert made == [date(2031, 5, 1), date(2031, 6, 1), date(2031, 7, 1)]
    assert partitions.ensure_months(months_ahead=2, now=now) == []
    call_command("event_partitions", "ensure", "--months-ahead", "2")  # today's months: no error when they exist
    call_command("event_partitions", "list")


def test_scans_in_the_default_partition_move_into_their_month(f, tag):
    # March 2025 has no partition: the scans land in the default one.
    at = datetime(2025, 3, 31, 23, 59, tzinfo=SEOUL)
    kept = f.CollectionEventFactory(tag=tag, collected_at=at)
    april = f.CollectionEventFactory(tag=tag, collected_at=at + timedelta(minutes=1))
    assert _home(kept.id) == _home(april.id) == partitions.default_partition()
    xid = CollectionEvent.objects.get(id=kept.id).recorded_xid
    rollups = _rollups()

    made = partitions.ensure_months(months_ahead=0, now=at)

    assert made == [date(2025, 3, 1), date(2025, 4, 1)]
    assert _home(kept.id) == partitions.partition_name(date(2025, 3, 1))
    assert _home(april.id) == partitions.partition_name(date(2025, 4, 1))
    # The same scan, with the transaction id its billing window depends on; the rollups did not count a move.
    assert CollectionEvent.objects.get(id=kept.id).recorded_xid == xid
    assert _rollups() == rollups
    assert next(p for p in partitions.list_partitions() if p.month is None).rows == 0


@pytest.fixture
def march(f, tag, city):
    """A scan of March 2025 in its own partition, the clock in June 2025, a tariff in force."""
    Tariff.objects.create(municipality=city, effective_from=date(2025, 1, 1), price_per_kg_krw=130)
    Bin.objects.filter(id=tag.bin_id).update(created_at=datetime(2025, 1, 1, tzinfo=SEOUL))
    event = f.CollectionEventFactory(tag=tag, collected_at=datetime(2025, 3, 10, 9, tzinfo=SEOUL))
    partitions.ensure_months(months_ahead=0, now=event.collected_at)
    with time_machine.travel(datetime(2025, 6, 2, 9, tzinfo=SEOUL), tick=False):
        yield event


def _bill(city, *months: date) -> None:
    for month in months:
        bill_synchronously(municipality=city, period=Period.of_date(month))


def _refusal(before: date) -> dict:
    with pytest.raises(DomainError) as refused:
        archive_months(before=before)
    assert refused.value.code == "month_still_needed"
    return refused.value.fields


def test_a_month_waits_for_its_bills_and_the_dispute_window_after_them(march, city):
    assert _refusal(date(2025, 4, 1)) == {"2025-03": ["not_invoiced"]}
    _bill(city, date(2025, 3, 1))
    # Late scans go on April's invoices; and March's, issued today, may still be disputed.
    assert _refusal(date(2025, 4, 1)) == {"2025-03": ["not_invoiced", "dispute_window_open"]}
    _bill(city, date(2025, 4, 1))
    assert _refusal(date(2025, 4, 1)) == {"2025-03": ["dispute_window_open"]}
    with time_machine.travel(datetime(2025, 7, 1, 9, tzinfo=SEOUL), tick=False):
        archived = archive_months(before=date(2025, 4, 1))
    assert f"archive.{partitions.partition_name(date(2025, 3, 1))}" in archived


def test_held_scans_and_open_disputes_keep_a_month(march, city, f, tag, owner):
    _bill(city, date(2025, 3, 1), date(2025, 4, 1))
    held = f.CollectionEventFactory(tag=tag, collected_at=march.collected_at, status=CollectionStatus.HELD)
    Dispute.objects.create(event=march, restaurant=march.restaurant, raised_by=owner, reason="무게가 이상합니다")
    with time_machine.travel(datetime(2025, 7, 1, 9, tzinfo=SEOUL), tick=False):
        assert _refusal(date(2025, 4, 1)) == {"2025-03": ["held_scans", "open_disputes"]}
    # The scan under dispute cannot be deleted while the dispute names it (PROTECT, kept by the ORM).
    with pytest.raises(ProtectedError):
        march.delete()
    assert CollectionEvent.objects.filter(id=held.id).exists()


@time_machine.travel(datetime(2025, 6, 2, tzinfo=SEOUL), tick=False)
def test_a_month_is_archived_only_once_the_next_one_has_ended(db):
    partitions.ensure_months(months_ahead=0, now=partitions.month_start(date(2025, 5, 1)))
    assert _refusal(date(2025, 6, 1)) == {"2025-05": ["month_not_over"]}


def test_a_settled_month_is_archived_out_of_the_table(march, city):
    _bill(city, date(2025, 3, 1), date(2025, 4, 1))
    rollups = _rollups()

    with time_machine.travel(datetime(2025, 7, 1, 9, tzinfo=SEOUL), tick=False):
        call_command("event_partitions", "detach", "--before", "2025-04")

    name = partitions.partition_name(date(2025, 3, 1))
    assert not CollectionEvent.objects.filter(id=march.id).exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partitions.ARCHIVE_SCHEMA}.{name} WHERE id = %s", [march.id])
        assert cursor.fetchone()[0] == 1
    assert name not in {p.name for p in partitions.list_partitions()}
    assert _rollups() == rollups  # the reports keep the month


def test_the_rollups_check_and_rebuild_keep_an_archived_month(march, city, f, tag, capsys):
    _bill(city, date(2025, 3, 1), date(2025, 4, 1))
    with time_machine.travel(datetime(2025, 7, 1, 9, tzinfo=SEOUL), tick=False):
        call_command("event_partitions", "detach", "--before", "2025-04")
        june = f.CollectionEventFactory(tag=tag, collected_at=datetime(2025, 6, 20, 9, tzinfo=SEOUL))
    assert partitions.live_since() == date(2025, 6, 1)
    reported = _rollups()
    assert {period for period, *_ in reported} == {date(2025, 3, 10), date(2025, 6, 20)}

    # March's scans are gone from the table; the check compares June only, and passes.
    call_command("rollups", "check")
    assert "rollups match the scans" in capsys.readouterr().out
    # A rebuild recomputes June from its scan and leaves March as the reports had it.
    VolumeCell.objects.filter(period=date(2025, 6, 20), dimension="all", grain="day").update(weight_g=1)
    with pytest.raises(CommandError, match="differ from the scans"):
        call_command("rollups", "check")
    call_command("rollups", "rebuild")
    assert _rollups() == reported
    call_command("rollups", "check")
    assert june.weight_g in {weight for period, _, weight, _ in _rollups() if period == date(2025, 6, 20)}


def test_without_an_archive_every_day_is_checked(march):
    assert partitions.live_since() is None
