"""Volume reports from the rollups against the same answers from the scans, side by side.

    .venv/bin/python bench/bench_reports.py                                # 100,000 restaurants, 365 days, 36 M scans
    .venv/bin/python bench/bench_reports.py --restaurants 5000 --days 120  # a quick look
    .venv/bin/python bench/bench_reports.py --share 0.2                    # every restaurant, a fifth of the scans

What it does, in a database of its own (bench_database(), dropped at the end unless --keep):

1. generate a Seoul-sized city in the real schema with bench/seoul.py (set-based SQL:
   25 districts of 16 동, 10 haulers, 100 crew members, `--restaurants` restaurants with
   business types and routes, about one scan a restaurant and local day for `--days`
   days ending yesterday, `--share` of the restaurant-days), then `rollups rebuild`
   (timed) and `rollups check` (timed);
2. each report (range × group): from the rollups (what the API runs) and the same
   figures from the scans (grouped in the local time zone, this range and the same days
   a year earlier, restaurants served as COUNT(DISTINCT)); p50/p95 of each and their
   ratio. Both answers must agree, or the bench fails;
3. ingest: batches of 1,000 scans through `record_collections` (the batch endpoint's
   service, in this process) with the rollups' triggers on and off, against COPY of
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
from typing import Any
from zoneinfo import ZoneInfo

import seoul
from bench_ingest import set_rollups, setup_django
from databases import bench_database

SEOUL = ZoneInfo("Asia/Seoul")
EVENTS_TABLE = "collection_events_collectionevent"
# The scans' columns COPY writes for the floor; the rest take their defaults.
COPY_COLUMNS = (
    "id, bin_id, tag_id, restaurant_id, collector_id, weight_g, exception_code, collected_at, received_at, "
    "source, scale_id, device_id, reader_uid, flags, status, physically_tapped"
)
P95_TARGET_MS, RATIO_TARGET = 100, 100


def scan_line(*, tag, crew_id, weight, exception: str, at: datetime, status: str) -> str:
    """One scan as a line of COPY text."""
    moment = at.isoformat()
    return (
        f"{uuid.uuid4()}\t{tag[1]}\t{tag[0]}\t{tag[2]}\t{crew_id}\t{weight}\t{exception}\t{moment}\t{moment}"
        f"\tnfc\t\t\t\t{{}}\t{status}\tf\n"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restaurants", type=int, default=seoul.SEOUL_RESTAURANTS, help="restaurants (100,000)")
    parser.add_argument("--days", type=int, default=365, help="local days of scans, ending yesterday (365)")
    parser.add_argument("--share", type=float, default=seoul.SCAN_SHARE, help="restaurant-days with a scan (0.986)")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each report from the rollups (20)")
    parser.add_argument("--raw-repeat", type=int, default=3, help="runs of each report from the scans (3)")
    parser.add_argument("--batches", type=int, default=9, help="1,000-scan batches per ingest case (9)")
    parser.add_argument("--no-check", action="store_true", help="skip `rollups check` (as long as the rebuild)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


_BENCH_URL: list[str] = []


def _url() -> str:
    return _BENCH_URL[0]


# --- The same answers from the scans ----------------------------------------------------


def raw_volume(municipality, days, group: str) -> dict:
    """{key: (billable g, held g, collections, visits not collected[, restaurants served])}
    for `days` and the same days a year earlier, as the reports answered before the
    rollups: grouped from the scans, restaurants served as COUNT(DISTINCT)."""
    from django.db.models import CharField, Count, DateField, F, Q, Sum, Value
    from django.db.models.functions import Cast, Coalesce, Concat, TruncDate, TruncMonth, TruncWeek, TruncYear

    from backend.analytics import selectors
    from backend.collection_events.models import CollectionEvent

    zone = municipality.zone
    buckets = {
        selectors.MONTH: TruncMonth("collected_at", tzinfo=zone, output_field=DateField()),
        selectors.WEEK: TruncWeek("collected_at", tzinfo=zone, output_field=DateField()),
        selectors.YEAR: TruncYear("collected_at", tzinfo=zone, output_field=DateField()),
        selectors.DAY: TruncDate("collected_at", tzinfo=zone),
        selectors.DISTRICT: F("restaurant__district_id"),
        selectors.DONG: Concat(
            Cast("restaurant__district_id", CharField()), Value(" "), "restaurant__dong", output_field=CharField()
        ),
        selectors.BUSINESS_TYPE: F("restaurant__business_type"),
        selectors.HAULER: F("collector__hauler_id"),
        selectors.CREW: F("collector_id"),
        selectors.RESTAURANT: F("restaurant_id"),
    }
    weighed = Q(status__in=["billable", "held"])
    measures = {
        "billable_g": Coalesce(Sum("weight_g", filter=Q(status="billable")), 0),
        "held_g": Coalesce(Sum("weight_g", filter=Q(status="held")), 0),
        "collections": Count("id", filter=weighed),
        "visits_not_collected": Count("id", filter=Q(status="not_collected")),
    }
    served = group in SERVED_GROUPS
    if served:
        measures["restaurants_served"] = Count("restaurant_id", distinct=True, filter=weighed)
    answers = {}
    for name, span in (("now", days), ("then", days.year_earlier(weeks=group == selectors.WEEK))):
        start, end = span.bounds(zone)
        events = CollectionEvent.objects.filter(
            restaurant__municipality_id=municipality.id, collected_at__gte=start, collected_at__lt=end
        )
        rows = events.annotate(bucket=buckets[group]).values("bucket").annotate(**measures).order_by()
        answers[name] = {row["bucket"]: tuple(row[m] for m in measures) for row in rows}
        if served:  # the whole range's restaurants, each once
            answers[f"{name} served"] = events.aggregate(n=measures["restaurants_served"])["n"]
    return answers


SERVED_GROUPS = {"district", "dong", "business_type", "day", "week", "month", "year"}


def rollup_answer(report) -> dict:
    """The report's figures keyed as raw_volume keys them, zero rows left out."""
    from backend.analytics import selectors

    served = report.group in SERVED_GROUPS

    def figures(row) -> tuple:
        return (row.billable_g, row.held_g, row.collections, row.visits_not_collected) + (
            (row.restaurants_served,) if served else ()
        )

    def bucket(key: str | None):
        if key is None or report.group in (selectors.BUSINESS_TYPE, selectors.DONG):
            return key
        if report.group == selectors.CREW:
            return int(key)  # users have integer ids
        if report.group in (selectors.DISTRICT, selectors.HAULER, selectors.RESTAURANT):
            return uuid.UUID(key)
        if report.group == selectors.WEEK:
            return datetime.strptime(key + "-1", "%G-W%V-%u").date()
        return date.fromisoformat({selectors.MONTH: key + "-01", selectors.YEAR: key + "-01-01"}.get(report.group, key))

    answer = {
        "now": {bucket(row.key): figures(row) for row in report.rows if any(figures(row))},
        "then": {bucket(row.previous.key): figures(row.previous) for row in report.rows if any(figures(row.previous))},
    }
    if served:
        answer |= {
            "now served": report.totals.restaurants_served,
            "then served": report.totals.previous.restaurants_served,
        }
    return answer


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


def measure_reports(city, *, repeat: int, raw_repeat: int) -> list[tuple[str, list[float], list[float], int]]:
    from backend.analytics import selectors
    from backend.analytics.ranges import DateRange, add_months

    last = date.today() - timedelta(days=1)
    year = DateRange(last - timedelta(days=364), last)  # from and to mid-month: part-months at both ends
    this_month = last.replace(day=1)
    months = DateRange(add_months(this_month, -12), this_month - timedelta(days=1))  # twelve whole months
    month = DateRange(last - timedelta(days=29), last)
    cases = [("30 days by district", month, selectors.DISTRICT)]
    for group in (
        selectors.DISTRICT, selectors.DONG, selectors.BUSINESS_TYPE, selectors.HAULER, selectors.CREW,
        selectors.MONTH, selectors.WEEK, selectors.DAY, selectors.YEAR,
    ):  # fmt: skip
        cases.append((f"365 days by {group}", year, group))
    cases += [
        ("12 whole months by dong", months, selectors.DONG),
        ("12 whole months by month", months, selectors.MONTH),
    ]
    results = []
    for label, days, group in cases:
        print(f"  {label} ...", flush=True)
        fast, report = timed(lambda d=days, g=group: selectors.volume(municipality=city, days=d, group=g), repeat)
        slow, raw = timed(lambda d=days, g=group: raw_volume(city, d, g), raw_repeat)
        if rollup_answer(report) != raw:
            raise SystemExit(f"{label}: the rollups' answer differs from the scans'")
        results.append((label, fast, slow, len(report.rows)))
    # The per-restaurant view: one page from the scans (index per restaurant) against every
    # restaurant grouped from the scans, as the unpaged report did.
    print("  365 days by restaurant ...", flush=True)
    fast, report = timed(lambda: selectors.volume(municipality=city, days=year, group=selectors.RESTAURANT), repeat)
    slow, raw = timed(lambda: raw_volume(city, year, selectors.RESTAURANT), raw_repeat)
    page = rollup_answer(report)["now"]
    if any(raw["now"].get(key) != value for key, value in page.items()):
        raise SystemExit("a year by restaurant: the page differs from the scans' answer")
    label = f"365 days by restaurant, a page of {selectors.RESTAURANT_PAGE_ROWS}"
    results.append((label, fast, slow, len(report.rows)))
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

    from backend.accounts.models import User
    from backend.collection_events.services import CREATED, record_collections
    from backend.tags.models import Tag

    crew = User.objects.filter(hauler__municipality=world["city"]).select_related("hauler").order_by("username")[0]
    served = set(crew.hauler.districts.values_list("id", flat=True))
    tags = list(Tag.objects.filter(bin__restaurant__district_id__in=served).select_related("bin__restaurant")[:5_000])
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
    with bench_database("bench_reports", keep=args.keep) as bench_url:
        _BENCH_URL.append(bench_url)
        setup_django(bench_url)
        from django.core.management import call_command
        from django.db import connection

        from backend.rollups.cells import differences

        print("migrating ...", flush=True)
        call_command("migrate", verbosity=0, interactive=False)
        seoul.SCAN_SHARE = args.share
        world = seoul.generate(bench_url, restaurants=args.restaurants, days=args.days)
        started = time.perf_counter()
        wrong = [] if args.no_check else differences()
        check_seconds = time.perf_counter() - started
        if wrong:
            raise SystemExit(f"{len(wrong)} rollup rows differ right after a rebuild")
        with connection.cursor() as cursor:
            # A partitioned table holds nothing itself: its months do.
            cursor.execute(
                "SELECT pg_size_pretty(sum(pg_total_relation_size(relid))) FROM pg_partition_tree(%s)", [EVENTS_TABLE]
            )
            scans_size = cursor.fetchone()[0]
            cursor.execute(
                "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                "WHERE c.relname IN ('rollups_volumecell', 'rollups_servedday', 'rollups_grouprestaurants')"
            )
            rollups_size = cursor.fetchone()[0]
        print("timing the reports ...", flush=True)
        reports = measure_reports(world["city"], repeat=args.repeat, raw_repeat=args.raw_repeat)
        print("timing 1,000-scan batches ...", flush=True)
        ingest = measure_ingest(world, batches=args.batches, rng=rng)

    scans = world["scans"]
    line = "─" * 104
    print(f"\n{line}\n보고서 벤치마크 / Volume reports: rollups against the scans")
    print(
        f"{args.restaurants:,} restaurants, {args.days} days, {scans:,} scans ({scans_size} with indexes); "
        f"rollups {rollups_size}: " + ", ".join(f"{n:,} {name}" for name, n in world["rebuilt"].items())
    )
    print(line)
    print(f"city (restaurants, bins, tags)  {world['seconds']:8.1f} s")
    print(
        f"scans INSERT … SELECT           {world['scan_seconds']:8.1f} s   {scans / world['scan_seconds']:,.0f} scans/s"
    )
    print(
        f"rollups rebuild                 {world['rebuild_seconds']:8.1f} s"
        f"   {scans / world['rebuild_seconds']:,.0f} scans/s"
    )
    print(f"rollups check                   {check_seconds:8.1f} s")
    print(line)
    print(
        f"{'report (this range and a year earlier)':40}{'rows':>7}{'rollups p50':>13}{'p95':>9}"
        f"{'scans p50':>12}{'p95':>10}{'× faster':>10}  target"
    )
    for label, fast, slow, rows in reports:
        ratio = p(slow, 0.5) / p(fast, 0.5)
        met = "met" if p(fast, 0.95) < P95_TARGET_MS and ratio >= RATIO_TARGET else "MISSED"
        print(
            f"{label:40}{rows:>7,}{p(fast, 0.5):>11.1f}ms{p(fast, 0.95):>7.1f}ms"
            f"{p(slow, 0.5):>10.0f}ms{p(slow, 0.95):>8.0f}ms{ratio:>9.0f}×  {met}"
        )
    print(f"(target: p95 < {P95_TARGET_MS} ms from the rollups and ≥ {RATIO_TARGET}× faster than the scans)")
    print(line)
    floor = ingest["COPY (floor)"]
    print(f"{'1,000-scan batch (record_collections, in process)':52}{'ms':>8}{'scans/s':>10}{'COPY / this':>13}")
    for case in ("COPY (floor)", "rollups off", "rollups on"):
        print(f"{case:52}{ingest[case]:>8.1f}{1_000_000 / ingest[case]:>10,.0f}{floor / ingest[case]:>12.0%}")
    off, on = ingest["rollups off: the scans' INSERT"], ingest["rollups on: the scans' INSERT"]
    print(
        f"the scans' INSERT statement alone (median): {off:.1f} ms without the rollups, {on:.1f} ms with them "
        f"(the triggers' delta upserts: {on - off:+.1f} ms a batch, {(on - off) / floor:.1f}× a COPY of the batch)"
    )
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
