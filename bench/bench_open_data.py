"""Bench: the open data's year of a municipality, as anyone downloads it.

    DJANGO_SETTINGS_MODULE=backend.config.settings DJANGO_ENV=development \
        .venv/bin/python bench/bench_open_data.py [--restaurants 5000] [--per-month 10] [--repeat 5] [--keep]

Creates a database of its own (`bench_open_data_<pid>`) on the configured server (the
embedded one by default), migrates it, fills it with set-based SQL (20 districts, the
restaurants spread over them and over the business types (a few cells of
fewer than five), `--per-month` scans a
restaurant a month over the last twelve published months, one in ten held or void),
then in the same process times (1) the floor: one SQL GROUP BY of the same figures
(month, district, business type: distinct restaurants, weighings, grams), and (2)
`GET /api/v1/open-data/volumes/` for those twelve months as CSV and as JSON, in-process
through Django's test client (rate limit off), with the cache emptied before each
request (every month summed) and again with the months in the cache. Prints the best and median of
`--repeat` runs, the ratio against the floor, checks the published sums against the
floor's, and drops the database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import bench_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ["OPEN_DATA_RATE"] = ""  # the bench asks more often than the limit allows

CITY = "00000000-0000-4000-8000-000000000001"
DISTRICTS = 20

FLOOR = """
SELECT date_trunc('month', e.collected_at AT TIME ZONE 'Asia/Seoul')::date, r.district_id, r.business_type,
       count(DISTINCT e.restaurant_id), count(*), sum(e.weight_g)
  FROM collection_events_collectionevent e JOIN restaurants_restaurant r ON r.id = e.restaurant_id
 WHERE r.municipality_id = %(city)s AND e.status = 'billable'
   AND e.collected_at >= %(start)s AND e.collected_at < %(end)s
 GROUP BY 1, 2, 3
"""

SCANS = """
INSERT INTO collection_events_collectionevent (id, bin_id, tag_id, restaurant_id, collector_id, weight_g,
       collected_at, received_at, source, status, {extra_columns})
SELECT gen_random_uuid(), b.id, t.id, b.restaurant_id,
       (SELECT id FROM accounts_user WHERE username = 'bench-collector'),
       3000 + (b.r * 7919 + i * 104729) %% 40000,
       %(first)s::timestamptz + (i || ' days')::interval * 365.0 / %(count)s + ((b.r %% 1200) || ' minutes')::interval,
       %(first)s::timestamptz + (i || ' days')::interval * 365.0 / %(count)s + interval '3 hours',
       'nfc', CASE (b.r + i) %% 20 WHEN 0 THEN 'held' WHEN 1 THEN 'void' ELSE 'billable' END, {extra_values}
  FROM (SELECT row_number() OVER (ORDER BY id) AS r, id, restaurant_id FROM restaurants_bin) b
  JOIN tags_tag t ON t.bin_id = b.id, generate_series(0, %(count)s - 1) i
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restaurants", type=int, default=5_000)
    parser.add_argument("--per-month", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    with bench_database("bench_open_data", keep=args.keep):
        _bench(args)


def _fill(restaurants: int, per_month: int, first_month) -> int:
    from django.db import connection

    from backend.accounts.models import User
    from backend.collection_events.models import CollectionEvent
    from backend.municipalities.local_time import local_midnight
    from backend.municipalities.models import District, Hauler, Municipality
    from backend.restaurants.models import Bin, BusinessType, Restaurant
    from backend.tags.models import Tag

    city = Municipality.objects.create(id=CITY, name="벤치시", code="B0001")
    districts = District.objects.bulk_create(
        [District(municipality=city, name=f"벤치{n}동", code=f"BD{n:02d}") for n in range(DISTRICTS)]
    )
    hauler = Hauler.objects.create(municipality=city, name="벤치환경")
    User.objects.create(username="bench-collector", role="collector", hauler=hauler)
    # Per district and 250 restaurants: many Korean ones, one buffet, three "other" (their
    # cells are suppressed), five fast-food places (published when all five put something out).
    shares = {"korean": 100, "chinese": 25, "japanese": 12, "western": 12, "snack": 38, "pub": 37, "cafe": 17}
    shares |= {"fast_food": 5, "buffet": 1, "other": 3}
    types = [BusinessType(kind) for kind, count in shares.items() for _ in range(count)]
    made = Restaurant.objects.bulk_create(
        [
            Restaurant(
                municipality=city,
                district=districts[n % DISTRICTS],
                business_type=types[(n // DISTRICTS) % len(types)],
                name=f"식당 {n}",
                business_number=f"{n:010d}",
                address=f"벤치시 {n}",
            )
            for n in range(restaurants)
        ],
        batch_size=5000,
    )
    bins = Bin.objects.bulk_create(
        [Bin(restaurant=r, capacity_liters=120, label="주방 1") for r in made], batch_size=5000
    )
    Tag.objects.bulk_create([Tag(bin=b) for b in bins], batch_size=5000)

    given = {"id", "bin_id", "tag_id", "restaurant_id", "collector_id", "weight_g", "collected_at", "received_at"}
    given |= {"source", "status"}
    extra = {}
    for field in CollectionEvent._meta.concrete_fields:
        if field.column in given or field.has_db_default():
            continue
        value = None if field.null and not field.has_default() else field.get_default()
        extra[field.column] = field.get_db_prep_save(value, connection)
    sql = SCANS.format(extra_columns=", ".join(extra), extra_values=", ".join(f"%({column})s" for column in extra))
    count = per_month * 12
    with connection.cursor() as cursor:
        cursor.execute(sql, {"count": count, "first": local_midnight(first_month, city.zone), **extra})
        cursor.execute("ANALYZE")
    return restaurants * count


def _timed(repeat: int, call, before=None) -> list[float]:
    call()  # warm the database's buffers the same way for every measure
    seconds = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def _line(label: str, seconds: list[float], floor: list[float], extra: str = "") -> str:
    median = statistics.median(seconds)
    ratio = median / statistics.median(floor)
    return f"{label}: best {min(seconds):.3f} s, median {median:.3f} s{extra}; ratio to the floor (medians) {ratio:.2f}"


def _bench(args) -> None:
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from backend.analytics import open_data
    from backend.analytics.ranges import DEFAULT_MONTHS, MonthRange, add_months
    from backend.municipalities.models import Municipality

    call_command("migrate", verbosity=0)
    latest = open_data.latest_month(Municipality(code="B0001"))
    first = add_months(latest, 1 - DEFAULT_MONTHS)
    started = time.perf_counter()
    scans = _fill(args.restaurants, args.per_month, first)
    took = time.perf_counter() - started
    print(f"data: {args.restaurants:,} restaurants in {DISTRICTS} districts, {scans:,} scans in {took:.1f} s")

    city = Municipality.objects.get(code="B0001")
    start, end = MonthRange(first, latest).bounds(city.zone)
    floor_rows = []

    def floor():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR, {"city": CITY, "start": start, "end": end})
            floor_rows[:] = cursor.fetchall()

    client = Client()
    query = {"municipality": "B0001", "from": f"{first:%Y-%m}", "to": f"{latest:%Y-%m}"}
    answers = {}

    def download(fmt):
        def call():
            response = client.get("/api/v1/open-data/volumes/", {**query, "format": fmt})
            assert response.status_code == 200, response.content[:300]
            answers[fmt] = response

        return call

    from django.core.cache import cache

    floor_s = _timed(args.repeat, floor)
    print(_line("floor (one SQL GROUP BY of the same figures)", floor_s, floor_s))
    for fmt in ("csv", "json"):
        cold = _timed(args.repeat, download(fmt), before=cache.clear)
        size = f", {len(answers[fmt].content) / 1024:,.0f} KiB"
        print(_line(f"GET …/open-data/volumes/?format={fmt}, months not cached", cold, floor_s, size))
        warm = _timed(args.repeat, download(fmt))
        print(_line(f"GET …/open-data/volumes/?format={fmt}, months cached", warm, floor_s))

    rows = answers["json"].json()["rows"]
    published = [row for row in rows if not row["suppressed"]]
    floor_published = [row for row in floor_rows if row[3] >= open_data.MIN_RESTAURANTS]
    grams = sum(int(Decimal(row["collected_kg"]) * 1000) for row in published)
    assert len(published) == len(floor_published), (len(published), len(floor_published))
    assert grams == sum(row[5] for row in floor_published), (grams, sum(row[5] for row in floor_published))
    print(
        f"check: {len(rows):,} cells, {len(published):,} published, {len(rows) - len(published):,} suppressed; "
        f"published grams equal the floor's ({grams:,} g)"
    )


if __name__ == "__main__":
    main()
