"""Bench: the owner's home and pickups pages with three years of history.

    .venv/bin/python bench/bench_owner_pages.py [--restaurants 2] [--bins 2] [--years 3] [--others 100]
        [--requests 50] [--keep]

Creates a database of its own (`bench_owner_<pid>`) on the configured server (the embedded
one by default), migrates it and fills it with one owner's `--restaurants` restaurants of
`--bins` bins each, and `--others` other owners' restaurants of one bin (so the owner's rows
are a slice of a bigger table), each bin picked up about once a day for `--years` years
(≈1,000 pickups a bin over three years; one in fifty held, one in forty a visit with an
exception), under three tariffs. Then, in this process, through Django's test client
(middleware, view, SQL and template: the server's time, without the network), each page
`--requests` times: p50 / p95 / max and the queries per request. The floor: the page's
rows as one bare SELECT (the newest page of pickups; the month's sums for the home page).
"""

import argparse
import os
import random
import sys
import time
import uuid
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import bench_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 15:00 in Seoul


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restaurants", type=int, default=2, help="the owner's restaurants")
    parser.add_argument("--bins", type=int, default=2, help="bins per restaurant of the owner")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--others", type=int, default=100, help="other owners' restaurants (one bin each)")
    parser.add_argument("--requests", type=int, default=50, help="requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    with bench_database("bench_owner", keep=args.keep):
        _bench(args)


def _fill(args):
    from backend.accounts.models import Role, User
    from backend.billing.models import Tariff
    from backend.collection_events.models import CollectionEvent
    from backend.municipalities.models import District, Hauler, Municipality
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    rng = random.Random(11)
    city = Municipality.objects.create(name="벤치구", code="B0002")
    district = District.objects.create(municipality=city, name="도화동", code="D1")
    hauler = Hauler.objects.create(municipality=city, name="벤치 수거")
    hauler.districts.add(district)
    official = User.objects.create_user(username="bench-official", password="x", role=Role.OFFICIAL, municipality=city)
    crew = User.objects.create_user(username="bench-crew", password="x", role=Role.COLLECTOR, hauler=hauler)
    owner = User.objects.create_user(username="bench-owner", password="x", role=Role.OWNER)
    for first, last, price in ((date(2023, 1, 1), date(2024, 6, 30), 110), (date(2024, 7, 1), date(2025, 12, 31), 130)):
        Tariff.objects.create(municipality=city, effective_from=first, effective_to=last, price_per_kg_krw=price)
    Tariff.objects.create(municipality=city, effective_from=date(2026, 1, 1), price_per_kg_krw=150)

    restaurants = []
    for n in range(args.restaurants + args.others):
        mine = n < args.restaurants
        restaurants.append(
            Restaurant(
                municipality=city,
                district=district,
                owner=owner if mine else None,
                name=f"{'내' if mine else '이웃'} 식당 {n}",
                address=f"서울특별시 벤치구 도화동 {n}",
                business_number=f"{n:010d}",
            )
        )
    # Restaurants' bulk_create opens each owner's period (OwnershipPeriod.follow_owners),
    # as save() does: what an owner may see is decided by these periods.
    restaurants = Restaurant.objects.bulk_create(restaurants)
    bins = []
    for n, restaurant in enumerate(restaurants):
        for b in range(args.bins if n < args.restaurants else 1):
            bins.append(Bin(restaurant=restaurant, capacity_liters=120, label=f"주방 {b + 1}"))
    bins = Bin.objects.bulk_create(bins)
    tags = Tag.objects.bulk_create([Tag(bin=bin, issued_by=official) for bin in bins])

    days = args.years * 365
    rows = 0
    batch = []
    for tag in tags:
        bin = tag.bin
        for day in range(days, -1, -1):
            moment = NOW - timedelta(days=day, hours=rng.randrange(0, 6), minutes=rng.randrange(60))
            if day == 0 and rng.random() < 0.5:
                continue  # some bins not collected yet today
            roll = rng.random()
            exception = roll < 1 / 40
            held = not exception and roll < 1 / 40 + 1 / 50
            batch.append(
                CollectionEvent(
                    id=uuid.uuid4(),
                    bin=bin,
                    tag=tag,
                    restaurant_id=bin.restaurant_id,
                    collector=crew,
                    weight_g=None if exception else rng.randrange(2_000, 40_000),
                    exception_code="not_put_out" if exception else "",
                    collected_at=moment,
                    received_at=moment,
                    source=rng.choice(["nfc", "qr", "manual"]),
                    scale_id="SC-1",
                    status="not_collected" if exception else "held" if held else "billable",
                )
            )
            if len(batch) >= 20_000:
                CollectionEvent.objects.bulk_create(batch)
                rows += len(batch)
                batch = []
    CollectionEvent.objects.bulk_create(batch)
    rows += len(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return owner, rows, [bin for bin in bins if bin.restaurant.owner_id == owner.id]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _measure(client, requests: int, url: str, params: dict) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries = [], 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, params, response.status_code)
        queries = len(captured)
    return timings, queries


def _bench(args) -> None:
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from backend.collection_events.models import CollectionEvent
    from backend.restaurants.models import Restaurant

    setup_test_environment()
    warnings.filterwarnings("ignore", message="No directory at")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    owner, rows, my_bins = _fill(args)
    mine = CollectionEvent.objects.filter(restaurant__owner=owner).count()
    print(
        f"filled {rows:,} pickups ({mine:,} of the owner's {len(my_bins)} bins, "
        f"{mine // max(1, len(my_bins)):,} a bin) in {time.perf_counter() - started:.1f} s"
    )

    with time_machine.travel(NOW, tick=True):
        client = Client()
        client.force_login(owner)
        deep = {}
        for _ in range(20):  # twenty pages back: row 600
            page = client.get("/my/pickups/", deep).context["page"]
            deep = {"before": page.older}
        cases = {
            "home (month so far, invoices)": ("/", {}),
            "pickups: newest page": ("/my/pickups/", {}),
            "pickups: 20 pages back (keyset)": ("/my/pickups/", deep),
            "pickups: one month two years ago": ("/my/pickups/", {"month": "2024-11"}),
            "pickups: one bin": ("/my/pickups/", {"bin": str(my_bins[-1].id)}),
            "my bins and tags": ("/my/bins/", {}),
        }
        print(f"\nowner pages, {args.requests} requests each, ms")
        print(f"{'page':40} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}")
        for case, (url, params) in cases.items():
            client.get(url, params)  # warm: templates compiled, caches filled
            timings, queries = _measure(client, args.requests, url, params)
            p50, p95 = _percentile(timings, 0.5), _percentile(timings, 0.95)
            print(f"{case:40} {p50:7.1f} {p95:7.1f} {max(timings):7.1f} {queries:8}")

    ids = [str(r) for r in Restaurant.objects.filter(owner=owner).values_list("id", flat=True)]
    events = CollectionEvent._meta.db_table
    floors = {
        "floor: newest page as one bare SELECT": (
            f"SELECT * FROM {events} WHERE restaurant_id = ANY(%s::uuid[])"
            " ORDER BY collected_at DESC, id DESC LIMIT 31",
            [ids],
        ),
        "floor: the month's sums as one bare SELECT": (
            f"SELECT restaurant_id, count(*), sum(weight_g) FROM {events} "
            "WHERE restaurant_id = ANY(%s::uuid[]) AND collected_at >= %s GROUP BY restaurant_id",
            [ids, datetime(2026, 10, 31, 15, tzinfo=UTC)],
        ),
    }
    with connection.cursor() as cursor:
        for case, (statement, params) in floors.items():
            timings = []
            for _ in range(args.requests):
                began = time.perf_counter()
                cursor.execute(statement, params)
                cursor.fetchall()
                timings.append((time.perf_counter() - began) * 1000)
            print(f"{case:40} {_percentile(timings, 0.5):7.1f} {_percentile(timings, 0.95):7.1f} {max(timings):7.1f}")


if __name__ == "__main__":
    main()
