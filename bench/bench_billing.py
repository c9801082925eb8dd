"""Bench: a billing run for 20,000 restaurants × 30 collections (600,000 scans).

    DJANGO_SETTINGS_MODULE=backend.config.settings DJANGO_ENV=development \
        .venv/bin/python bench/bench_billing.py [--restaurants 20000] [--per-restaurant 30] [--keep]

Creates a database of its own (`bench_billing_<pid>`) on the configured server (the
embedded one by default), migrates it, fills it with set-based SQL, then in the same
process times (1) the floor: one SQL aggregate of the same sums the run computes,
per (restaurant, bin, tariff), and (2) the billing run itself, end to end
(reading each chunk's window, invoices, lines, ledger). Prints seconds, scans/s
and the ratio, checks the run's totals against the floor, and drops the database.
"""

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import drop_database, recreate_database, server_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")


FILL = """
INSERT INTO municipalities_municipality (id, name, code, time_zone, contact_phone, dispute_window_working_days,
                                         missed_pickup_window_working_days)
     VALUES ('00000000-0000-4000-8000-000000000001', '벤치시', 'B0001', 'Asia/Seoul', '', 2, 2);
INSERT INTO municipalities_district (id, municipality_id, name, code)
     VALUES ('00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', '벤치동', 'BD1');
INSERT INTO municipalities_hauler (id, municipality_id, name)
     VALUES ('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000001', '벤치환경');
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, role, hauler_id, phone, language)
     VALUES ('!', false, 'bench-collector', '', '', '', false, true, now(), 'collector',
             '00000000-0000-4000-8000-000000000003', '', 'ko');
INSERT INTO billing_tariff (id, municipality_id, effective_from, effective_to, price_per_kg_krw, base_fee_per_bin_krw,
                            minimum_charge_krw, created_at)
VALUES (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', '2026-01-01', '2026-10-15', 130, 0, 0, now()),
       (gen_random_uuid(), '00000000-0000-4000-8000-000000000001', '2026-10-16', NULL, 150, 0, 0, now());
ANALYZE;
"""

FLOOR = """
SELECT count(*), sum(floor_krw) FROM (
  SELECT e.restaurant_id, sum(floor(g * price / 1000.0)) AS floor_krw FROM (
    SELECT e.restaurant_id, e.bin_id, t.id, t.price_per_kg_krw AS price, sum(e.weight_g)::numeric AS g
      FROM collection_events_collectionevent e
      JOIN billing_tariff t ON t.municipality_id = '00000000-0000-4000-8000-000000000001'
       AND t.effective_from <= (e.collected_at AT TIME ZONE 'Asia/Seoul')::date
       AND (t.effective_to IS NULL OR (e.collected_at AT TIME ZONE 'Asia/Seoul')::date <= t.effective_to)
     WHERE e.status = 'billable' AND e.collected_at >= %(start)s AND e.collected_at < %(end)s
     GROUP BY 1, 2, 3, 4) e
  GROUP BY 1) per_restaurant
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restaurants", type=int, default=20_000)
    parser.add_argument("--per-restaurant", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    server = server_url()
    name = f"bench_billing_{os.getpid()}"
    bench_url = recreate_database(server, name)
    os.environ["DATABASE_URL"] = bench_url
    try:
        _bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server, name)


def _fill_restaurants(count: int) -> None:
    """Restaurants, bins and tags through the ORM (20,000 each is quick), so that
    the bench follows their models as they grow; the 600,000 scans are one INSERT."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    long_ago = datetime(2025, 1, 1, tzinfo=ZoneInfo("Asia/Seoul"))
    restaurants = Restaurant.objects.bulk_create(
        [
            Restaurant(
                municipality_id=BENCH_CITY,
                district_id=BENCH_DISTRICT,
                name=f"식당 {n}",
                business_number=f"{n:010d}",
                address=f"벤치시 벤치동 {n}",
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    bins = Bin.objects.bulk_create(
        [Bin(restaurant=r, capacity_liters=120, label="주방 1") for r in restaurants], batch_size=5000
    )
    Bin.objects.update(created_at=long_ago)
    Tag.objects.bulk_create([Tag(bin=b) for b in bins], batch_size=5000)


SCANS = """
INSERT INTO collection_events_collectionevent (id, bin_id, tag_id, restaurant_id, collector_id, weight_g,
       collected_at, received_at, source, status, {extra_columns})
SELECT gen_random_uuid(), b.id, t.id, b.restaurant_id,
       (SELECT id FROM accounts_user WHERE username = 'bench-collector'),
       3000 + (b.r * 7919 + i * 104729) %% 40000,
       timestamptz '2026-10-01 05:00+09' + ((i %% 31) || ' days')::interval + ((b.r %% 120) || ' minutes')::interval,
       timestamptz '2026-10-01 05:00+09' + ((i %% 31) || ' days')::interval + interval '3 hours',
       'nfc', 'billable', {extra_values}
  FROM (SELECT row_number() OVER (ORDER BY id) AS r, id, restaurant_id FROM restaurants_bin) b
  JOIN tags_tag t ON t.bin_id = b.id, generate_series(0, %(per)s - 1) i
"""


def _fill_scans(per_restaurant: int) -> None:
    """One INSERT ... SELECT generate_series; every other column gets its model default,
    so the bench keeps working as the scan model gains fields."""
    from django.db import connection

    from backend.collection_events.models import CollectionEvent

    given = {
        "id",
        "bin_id",
        "tag_id",
        "restaurant_id",
        "collector_id",
        "weight_g",
        "collected_at",
        "received_at",
        "source",
        "status",
    }
    extra = {}
    for field in CollectionEvent._meta.concrete_fields:
        if field.column in given or field.has_db_default():
            continue
        value = None if field.null and not field.has_default() else field.get_default()
        extra[field.column] = field.get_db_prep_save(value, connection)
    sql = SCANS.format(extra_columns=", ".join(extra), extra_values=", ".join(f"%({column})s" for column in extra))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"per": per_restaurant, **extra})
        cursor.execute("ANALYZE")


BENCH_CITY = "00000000-0000-4000-8000-000000000001"
BENCH_DISTRICT = "00000000-0000-4000-8000-000000000002"


def _bench(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from backend.billing import runs
    from backend.billing.models import BillingRun, Invoice
    from backend.billing.periods import Period
    from backend.collection_events import partitions
    from backend.municipalities.models import Municipality

    call_command("migrate", verbosity=0)
    # The month billed gets its own partition, as the daily job makes it ahead of time in
    # production (docs/operations.md, "Scan partitions"); else its scans would sit in the
    # default partition.
    partitions.ensure_months(months_ahead=0, now=datetime(2026, 10, 1, tzinfo=ZoneInfo("Asia/Seoul")))
    scans = args.restaurants * args.per_restaurant
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FILL)
    _fill_restaurants(args.restaurants)
    _fill_scans(args.per_restaurant)
    print(f"data: {args.restaurants:,} restaurants, {scans:,} scans in {time.perf_counter() - started:.1f} s")

    municipality = Municipality.objects.get(code="B0001")
    period = Period(2026, 10)
    start, end = period.bounds(municipality.zone)
    with connection.cursor() as cursor:
        cursor.execute(FLOOR, {"start": start, "end": end})  # warm the cache the same way for both
        started = time.perf_counter()
        cursor.execute(FLOOR, {"start": start, "end": end})
        floor_seconds = time.perf_counter() - started
        floor_restaurants, floor_sum = cursor.fetchone()

    from django.db import transaction

    with transaction.atomic():
        run = BillingRun.objects.create(municipality=municipality, period=period.first_day)
    started = time.perf_counter()
    status = runs.execute_billing_run(run_id=run.id)
    run_seconds = time.perf_counter() - started

    invoices = Invoice.objects.filter(run=run)
    from django.db.models import Sum

    subtotal = invoices.aggregate(s=Sum("subtotal_krw"))["s"]
    print(f"floor (one SQL aggregate of the same sums): {floor_seconds:.2f} s")
    print(
        f"billing run: {run_seconds:.2f} s, {scans / run_seconds:,.0f} scans/s, status {status}, "
        f"{invoices.count():,} invoices"
    )
    print(f"ratio run / floor: {run_seconds / floor_seconds:.2f}")
    # The run floors once per invoice and the floor query once per line (a restaurant's
    # scans here fall in two tariff lines): the run may be up to a won per line higher.
    assert invoices.count() == floor_restaurants, (invoices.count(), floor_restaurants)
    assert 0 <= subtotal - int(floor_sum) <= 2 * floor_restaurants, (subtotal, floor_sum)
    print(f"check: {floor_restaurants:,} invoices; Σ subtotal {subtotal:,} KRW vs Σ floor-per-line {int(floor_sum):,}")


if __name__ == "__main__":
    main()
