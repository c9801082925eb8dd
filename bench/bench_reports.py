"""Volume reports from the daily rollups against the same answers from the scans.

    .venv/bin/python bench/bench_reports.py                      # 2,000 restaurants, 2 years (~1.4 M scans)
    .venv/bin/python bench/bench_reports.py --restaurants 500    # a quick look
    .venv/bin/python bench/bench_reports.py --restaurants 100000 --days 365   # Seoul-sized (see --help)

What it does, in a database of its own (`bench_reports` on the configured server, or the
checkout's embedded one), dropped at the end unless --keep:

1. generate a city in the real schema: 25 districts (구), 10 haulers serving two or three
   districts each with 3 crews each, `--restaurants` restaurants spread over the districts
   with business types (업태) in a city's proportions, a bin and a tag each, and about one
   scan per restaurant and day over `--days` local days ending yesterday (mornings mostly,
   some just before and after local midnight; 93 % billable, 2 % held, 2 % void, 3 % visits
   without a weighing). Scans go in by COPY with the rollups' triggers off; the rate is
   printed, with what it means for a Seoul-sized city;
2. rebuild the rollups from the scans (`rollups rebuild`, timed) and check them (timed);
3. each report (range × group), `--repeat` times: from the rollups (what the API runs)
   and the same figures from the scans (the pre-rollup queries: grouped in the local time
   zone, this range and the same days a year earlier); p50/p95 of each and their ratio.
   Both answers must agree, or the bench fails;
4. ingest: batches of 1,000 scans through `record_collections` (the batch endpoint's
   service, in this process) with the rollups kept current and without, against COPY of
   1,000 rows with no trigger: the floor. bench_ingest.py measures the same over HTTP.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

from bench_ingest import set_rollups, setup_django
from databases import drop_database, recreate_database, server_url

SEOUL = ZoneInfo("Asia/Seoul")
EVENTS_TABLE = "collection_events_collectionevent"
DISTRICTS, HAULERS, CREWS_PER_HAULER = 25, 10, 3
# A city's mix of 업태 (weights): Korean restaurants most, then pubs, cafés, snack bars.
BUSINESS_TYPES = {
    "korean": 40, "pub": 14, "cafe": 12, "snack": 9, "chinese": 6, "japanese": 5,
    "western": 5, "fast_food": 4, "buffet": 1, "other": 4,
}  # fmt: skip
SEOUL_RESTAURANTS, SEOUL_SCANS = 100_000, 36_000_000
STATUSES, STATUS_WEIGHTS = ["billable", "held", "void", "not_collected"], [93, 2, 2, 3]
# The scans' columns the generator writes; the rest take their defaults (NULL, the transaction id).
COPY_COLUMNS = (
    "id, bin_id, tag_id, restaurant_id, collector_id, weight_g, exception_code, collected_at, received_at, "
    "source, scale_id, device_id, reader_uid, flags, status, physically_tapped"
)


def scan_line(*, tag, crew_id, weight, exception: str, at: datetime, status: str) -> str:
    """One scan as a line of COPY text."""
    moment = at.isoformat()
    return (
        f"{uuid.uuid4()}\t{tag[1]}\t{tag[0]}\t{tag[2]}\t{crew_id}\t{weight}\t{exception}\t{moment}\t{moment}"
        f"\tnfc\t\t\t\t{{}}\t{status}\tf\n"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restaurants", type=int, default=2_000, help="restaurants (default 2,000)")
    parser.add_argument("--days", type=int, default=730, help="local days of scans, ending yesterday (default 730)")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each report (default 7)")
    parser.add_argument("--batches", type=int, default=9, help="1,000-scan batches per ingest case (default 9)")
    parser.add_argument("--database", default="bench_reports", help="database created and dropped by the run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


# --- The city ------------------------------------------------------------------------


def seed_city(restaurants: int, rng: random.Random) -> dict[str, Any]:
    from django.db import transaction

    from backend.accounts.models import Role, User
    from backend.municipalities.models import District, Hauler, Municipality
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    with transaction.atomic():
        city = Municipality.objects.create(name="벤치특별시", code="99998")
        official = User.objects.create(username="bench-official", role=Role.OFFICIAL, municipality=city)
        districts = District.objects.bulk_create(
            District(municipality=city, name=f"벤치{n + 1:02d}구", code=f"99{n:08d}") for n in range(DISTRICTS)
        )
        haulers, crews = [], []
        for n in range(HAULERS):
            hauler = Hauler.objects.create(municipality=city, name=f"벤치환경 {n + 1:02d}")
            hauler.districts.set(districts[n * DISTRICTS // HAULERS : (n + 1) * DISTRICTS // HAULERS])
            haulers.append(hauler)
            crews += [
                User.objects.create(username=f"bench-crew-{n}-{k}", role=Role.COLLECTOR, hauler=hauler)
                for k in range(CREWS_PER_HAULER)
            ]
        types, weights = list(BUSINESS_TYPES), list(BUSINESS_TYPES.values())
        rows = Restaurant.objects.bulk_create(
            (
                Restaurant(
                    municipality=city,
                    district=districts[rng.randrange(DISTRICTS)],
                    name=f"벤치식당 {n:06d}",
                    business_type=rng.choices(types, weights)[0],
                    address=f"벤치특별시 {n}",
                )
                for n in range(restaurants)
            ),
            batch_size=2_000,
        )
        bins = Bin.objects.bulk_create(
            (Bin(restaurant=r, capacity_liters=60, label="주방") for r in rows), batch_size=2_000
        )
        tags = Tag.objects.bulk_create(
            (Tag(bin=b, nfc_uid=f"04{rng.getrandbits(48):012X}", issued_by=official) for b in bins), batch_size=2_000
        )
    crew_of_district = {}
    for crew in crews:
        for district in crew.hauler.districts.all():
            crew_of_district.setdefault(district.id, []).append(crew)
    return {"city": city, "official": official, "tags": tags, "crews": crew_of_district, "restaurants": rows}


def generate_scans(world: dict[str, Any], *, days: int, rng: random.Random) -> tuple[int, float]:
    """About one scan a restaurant a local day, COPYed a month at a time; (rows, seconds)."""
    from django.db import connection

    last = date.today() - timedelta(days=1)
    first = last - timedelta(days=days - 1)
    plan = [
        (
            str(tag.id),
            str(tag.bin_id),
            str(tag.bin.restaurant_id),
            [str(c.id) for c in world["crews"][tag.bin.restaurant.district_id]],
        )
        for tag in world["tags"]
    ]
    rows, started = 0, time.perf_counter()
    set_rollups(_url(), on=False)
    day = first
    with connection.cursor() as cursor:
        while day <= last:
            buffer = io.StringIO()
            for _ in range(31):
                if day > last:
                    break
                for tag_id, bin_id, restaurant_id, crews in plan:
                    if rng.random() < 0.015:  # closed that day, or nothing put out
                        continue
                    # 05:00–11:00 mostly; one in forty around local midnight.
                    minute = (
                        rng.randrange(23 * 60 + 30, 24 * 60 + 30) if rng.random() < 0.025 else rng.randrange(300, 660)
                    )
                    at = datetime.combine(day, clock_time.min, tzinfo=SEOUL) + timedelta(
                        minutes=minute, seconds=rng.randrange(60)
                    )
                    status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
                    weight, exception = (
                        (r"\N", "not_put_out") if status == "not_collected" else (rng.randint(500, 40_000), "")
                    )
                    buffer.write(
                        scan_line(
                            tag=(tag_id, bin_id, restaurant_id),
                            crew_id=rng.choice(crews),
                            weight=weight,
                            exception=exception,
                            at=at,
                            status=status,
                        )
                    )
                    rows += 1
                day += timedelta(days=1)
            buffer.seek(0)
            cursor.copy_expert(f"COPY {EVENTS_TABLE} ({COPY_COLUMNS}) FROM STDIN", buffer)
    seconds = time.perf_counter() - started
    set_rollups(_url(), on=True)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {EVENTS_TABLE}")
    return rows, seconds


_BENCH_URL: list[str] = []


def _url() -> str:
    return _BENCH_URL[0]


# --- The same answers from the scans ----------------------------------------------------


def raw_volume(municipality, days, group: str) -> dict:
    """{key: (billable g, held g, collections, visits not collected)} for `days` and the same
    days a year earlier, as the reports answered before the rollups: grouped from the scans."""
    from django.db.models import Count, DateField, Q, Sum
    from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek, TruncYear

    from backend.analytics import selectors
    from backend.collection_events.models import CollectionEvent

    zone = municipality.zone
    buckets = {
        selectors.MONTH: TruncMonth("collected_at", tzinfo=zone, output_field=DateField()),
        selectors.WEEK: TruncWeek("collected_at", tzinfo=zone, output_field=DateField()),
        selectors.YEAR: TruncYear("collected_at", tzinfo=zone, output_field=DateField()),
        selectors.DAY: TruncDate("collected_at", tzinfo=zone),
        selectors.DISTRICT: "restaurant__district_id",
        selectors.BUSINESS_TYPE: "restaurant__business_type",
        selectors.HAULER: "collector__hauler_id",
        selectors.RESTAURANT: "restaurant_id",
    }
    measures = {
        "billable_g": Coalesce(Sum("weight_g", filter=Q(status="billable")), 0),
        "held_g": Coalesce(Sum("weight_g", filter=Q(status="held")), 0),
        "collections": Count("id", filter=Q(status__in=["billable", "held"])),
        "visits_not_collected": Count("id", filter=Q(status="not_collected")),
    }
    answers = {}
    for name, span in (("now", days), ("then", days.year_earlier(weeks=group == selectors.WEEK))):
        start, end = span.bounds(zone)
        events = CollectionEvent.objects.filter(
            restaurant__municipality_id=municipality.id, collected_at__gte=start, collected_at__lt=end
        )
        bucket = buckets[group]
        grouped = events.annotate(bucket=bucket) if not isinstance(bucket, str) else events.annotate(bucket=_f(bucket))
        answers[name] = {
            row["bucket"]: tuple(row[m] for m in measures)
            for row in grouped.values("bucket").annotate(**measures).order_by()
        }
    return answers


def _f(path: str):
    from django.db.models import F

    return F(path)


def rollup_answer(report) -> dict:
    """The report's figures keyed as raw_volume keys them, zero rows left out."""
    from backend.analytics import selectors

    def figures(row) -> tuple:
        return (row.billable_g, row.held_g, row.collections, row.visits_not_collected)

    def bucket(key: str | None):
        if key is None or report.group in (selectors.BUSINESS_TYPE,):
            return key
        if report.group in (selectors.DISTRICT, selectors.HAULER, selectors.RESTAURANT):
            return uuid.UUID(key)
        if report.group == selectors.WEEK:
            return datetime.strptime(key + "-1", "%G-W%V-%u").date()
        return date.fromisoformat({selectors.MONTH: key + "-01", selectors.YEAR: key + "-01-01"}.get(report.group, key))

    now = {bucket(row.key): figures(row) for row in report.rows if any(figures(row))}
    then = {bucket(row.previous.key): figures(row.previous) for row in report.rows if any(figures(row.previous))}
    return {"now": now, "then": then}


# --- Timing -------------------------------------------------------------------------------


def timed(run: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(1000 * (time.perf_counter() - started))
    return times, result


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure_reports(city, *, days_of_data: int, repeat: int) -> list[tuple[str, list[float], list[float], int]]:
    from backend.analytics import selectors
    from backend.analytics.ranges import DateRange

    last = date.today() - timedelta(days=1)
    year = DateRange(last - timedelta(days=364), last)
    month = DateRange(last - timedelta(days=29), last)
    cases = [
        ("30 days by district", month, selectors.DISTRICT),
        ("a year by district", year, selectors.DISTRICT),
        ("a year by business type", year, selectors.BUSINESS_TYPE),
        ("a year by hauler", year, selectors.HAULER),
        ("a year by month", year, selectors.MONTH),
        ("a year by week", year, selectors.WEEK),
        ("a year by day", year, selectors.DAY),
    ]
    if days_of_data > 400:
        everything = DateRange(last - timedelta(days=days_of_data - 1), last)
        cases.append((f"{days_of_data} days by month", everything, selectors.MONTH))
    results = []
    for label, days, group in cases:
        fast, report = timed(lambda d=days, g=group: selectors.volume(municipality=city, days=d, group=g), repeat)
        slow, raw = timed(lambda d=days, g=group: raw_volume(city, d, g), max(2, repeat // 2))
        if rollup_answer(report) != raw:
            raise SystemExit(f"{label}: the rollups' answer differs from the scans'")
        results.append((label, fast, slow, len(report.rows)))
    # The per-restaurant view: one page from the scans (index per restaurant) against every
    # restaurant grouped from the scans, as the unpaged report did.
    fast, report = timed(lambda: selectors.volume(municipality=city, days=year, group=selectors.RESTAURANT), repeat)
    slow, raw = timed(lambda: raw_volume(city, year, selectors.RESTAURANT), max(2, repeat // 2))
    page = rollup_answer(report)["now"]
    if any(raw["now"].get(key) != value for key, value in page.items()):
        raise SystemExit("a year by restaurant: the page differs from the scans' answer")
    results.append(("a year by restaurant, one page of 500", fast, slow, len(report.rows)))
    return results


# --- Ingest -------------------------------------------------------------------------------


class InsertClock:
    """Time spent in the statement that stores a batch's scans (and, with the rollups on,
    runs their trigger's delta upsert)."""

    def __init__(self) -> None:
        self.ms = 0.0

    def __call__(self, execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            if statement.startswith(f"INSERT INTO {EVENTS_TABLE}"):
                self.ms += 1000 * (time.perf_counter() - started)


def measure_ingest(world: dict[str, Any], *, batches: int, rng: random.Random) -> dict[str, float]:
    """Median ms per 1,000-scan batch through record_collections, rollups on and off, and
    COPY of 1,000 rows without triggers. Each batch scans 1,000 bins of one hauler's
    districts, the last hours before now."""
    from django.db import connection, transaction

    from backend.collection_events.services import CREATED, record_collections

    crew = next(iter(world["crews"].values()))[0]
    served = set(crew.hauler.districts.values_list("id", flat=True))
    tags = [tag for tag in world["tags"] if tag.bin.restaurant.district_id in served]
    if len(tags) < 1_000:  # a small city: 1,000 more restaurants in this crew's districts
        tags += _more_tags(world, crew.hauler.districts.first(), 1_000 - len(tags), rng)
    now = datetime.now(SEOUL)

    def batch(hours_ago: float) -> list[dict[str, Any]]:
        at = (now - timedelta(hours=hours_ago)).isoformat()
        return [
            {"id": str(uuid.uuid4()), "tag": tag.url, "weight_kg": f"{rng.randint(500, 40_000) / 1000:.3f}",
             "collected_at": at, "source": "nfc"}
            for tag in rng.sample(tags, 1_000)
        ]  # fmt: skip

    hours = iter(range(1, 4 * batches + 10))
    record_collections(collector=crew, events=batch(next(hours)))  # warm
    times: dict[str, list[float]] = {"rollups off": [], "rollups on": []}
    inserts: dict[str, list[float]] = {"rollups off": [], "rollups on": []}
    for _ in range(batches):  # alternately, so that the machine's load falls on both alike
        for case, on in (("rollups off", False), ("rollups on", True)):
            set_rollups(_url(), on=on)
            body, clock = batch(next(hours)), InsertClock()
            with connection.execute_wrapper(clock):
                started = time.perf_counter()
                outcomes = record_collections(collector=crew, events=body)
                times[case].append(1000 * (time.perf_counter() - started))
            inserts[case].append(clock.ms)
            assert all(o.result == CREATED for o in outcomes), [o.error for o in outcomes if o.error][:3]
    costs = {case: statistics.median(values) for case, values in times.items()}
    costs |= {f"{case}: the scans' INSERT": statistics.median(values) for case, values in inserts.items()}
    set_rollups(_url(), on=False)
    copy_times = []
    for n in range(batches):
        at = now - timedelta(days=20, hours=n)
        buffer = io.StringIO(
            "".join(
                scan_line(
                    tag=(t.id, t.bin_id, t.bin.restaurant_id),
                    crew_id=crew.id,
                    weight=rng.randint(500, 40_000),
                    exception="",
                    at=at,
                    status="billable",
                )
                for t in rng.sample(tags, 1_000)
            )
        )
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.copy_expert(f"COPY {EVENTS_TABLE} ({COPY_COLUMNS}) FROM STDIN", buffer)
        copy_times.append(1000 * (time.perf_counter() - started))
    set_rollups(_url(), on=True)
    costs["COPY (floor)"] = statistics.median(copy_times)
    return costs


def _more_tags(world: dict[str, Any], district, count: int, rng: random.Random) -> list:
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    restaurants = Restaurant.objects.bulk_create(
        Restaurant(municipality=world["city"], district=district, name=f"벤치식당 추가 {n}", address="벤치특별시")
        for n in range(count)
    )
    bins = Bin.objects.bulk_create(Bin(restaurant=r, capacity_liters=60, label="주방") for r in restaurants)
    return Tag.objects.bulk_create(
        Tag(bin=b, nfc_uid=f"04{rng.getrandbits(48):012X}", issued_by=world["official"]) for b in bins
    )


# --- Main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    server = server_url()
    bench_url = recreate_database(server, args.database)
    _BENCH_URL.append(bench_url)
    try:
        setup_django(bench_url)
        from django.core.management import call_command

        from backend.rollups.cells import differences, rebuild

        print("migrating ...", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        print(f"seeding {args.restaurants:,} restaurants ...", flush=True)
        started = time.perf_counter()
        world = seed_city(args.restaurants, rng)
        seed_seconds = time.perf_counter() - started
        print(f"generating {args.days} days of scans ...", flush=True)
        scans, scan_seconds = generate_scans(world, days=args.days, rng=rng)
        started = time.perf_counter()
        cells = rebuild()
        rebuild_seconds = time.perf_counter() - started
        started = time.perf_counter()
        wrong = differences()
        check_seconds = time.perf_counter() - started
        if wrong:
            raise SystemExit(f"{len(wrong)} cells differ right after a rebuild")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE rollups_dailyvolume")
        print("timing the reports ...", flush=True)
        reports = measure_reports(world["city"], days_of_data=args.days, repeat=args.repeat)
        print("timing 1,000-scan batches ...", flush=True)
        ingest = measure_ingest(world, batches=args.batches, rng=rng)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server, args.database)

    rate = scans / scan_seconds
    line = "─" * 100
    print(f"\n{line}\n보고서 벤치마크 / Volume reports: rollups against the scans")
    print(
        f"{args.restaurants:,} restaurants, {args.days} days, {scans:,} scans; {cells:,} rollup cells "
        f"({scans / max(cells, 1):.0f} scans a cell)"
    )
    print(line)
    print(f"seed (restaurants, bins, tags)  {seed_seconds:8.1f} s")
    print(f"scans generated and COPYed      {scan_seconds:8.1f} s   {rate:,.0f} scans/s")
    print(
        f"  a Seoul-sized year ({SEOUL_RESTAURANTS:,} restaurants, {SEOUL_SCANS / 1e6:.0f} M scans) at this rate: "
        f"{SEOUL_SCANS / rate / 60:.0f} min "
        f"(+ seeding ≈ {seed_seconds * SEOUL_RESTAURANTS / args.restaurants / 60:.1f} min)"
    )
    print(f"rollups rebuild                 {rebuild_seconds:8.1f} s   {scans / rebuild_seconds:,.0f} scans/s")
    print(f"rollups check                   {check_seconds:8.1f} s")
    print(line)
    print(
        f"{'report (this range and a year earlier)':40}{'rows':>7}{'rollups p50':>13}{'p95':>9}"
        f"{'scans p50':>12}{'p95':>9}{'× faster':>10}"
    )
    for label, fast, slow, rows in reports:
        print(
            f"{label:40}{rows:>7,}{p(fast, 0.5):>11.1f}ms{p(fast, 0.95):>7.1f}ms"
            f"{p(slow, 0.5):>10.1f}ms{p(slow, 0.95):>7.1f}ms{p(slow, 0.5) / p(fast, 0.5):>9.0f}×"
        )
    print(line)
    floor = ingest["COPY (floor)"]
    print(f"{'1,000-scan batch (record_collections, in process)':52}{'ms':>8}{'scans/s':>10}{'vs COPY':>10}")
    for case in ("COPY (floor)", "rollups off", "rollups on"):
        print(f"{case:52}{ingest[case]:>8.1f}{1_000_000 / ingest[case]:>10,.0f}{floor / ingest[case]:>9.0%}")
    off, on = ingest["rollups off: the scans' INSERT"], ingest["rollups on: the scans' INSERT"]
    print(
        f"the scans' INSERT statement alone (median): {off:.1f} ms without the rollups, {on:.1f} ms with them "
        f"(the trigger's delta upsert: {on - off:+.1f} ms a batch)"
    )
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
