"""The officials' trends and service reports over a generated city (bench_reports.py's:
25 districts, 10 haulers, about a scan a restaurant a day, one in ten not collected or
void), a year's range each, p50/p95, against a floor measured in the same run: one bare
SQL GROUP BY of the year's scans per restaurant (what the top generators and the changes
must read at least).

    .venv/bin/python bench/bench_officials_reports.py [--restaurants 2000] [--days 400]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta

import bench_reports
from bench_ingest import setup_django
from bench_reports import generate_scans, p, seed_city, timed
from databases import bench_database


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restaurants", type=int, default=2_000, help="restaurants (default 2,000)")
    parser.add_argument("--days", type=int, default=400, help="local days of scans, ending yesterday (default 400)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each report (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    with bench_database("bench_officials_reports", keep=args.keep) as url:
        setup_django(url)
        bench_reports._BENCH_URL.append(url)  # generate_scans switches the rollups' triggers off and on through it
        from django.core.management import call_command
        from django.db import connection
        from django.utils import timezone

        from backend.analytics import service, trends
        from backend.analytics.ranges import DateRange
        from backend.collection_events.models import CollectionEvent
        from backend.rollups.cells import rebuild

        call_command("migrate", verbosity=0, interactive=False)
        world = seed_city(args.restaurants, rng)
        scans, _seconds = generate_scans(world, days=args.days, rng=rng)
        rebuild()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        city = world["city"]
        last = date.today() - timedelta(days=1)
        year = DateRange(last - timedelta(days=364), last)
        start, end = year.bounds(city.zone)

        def floor():
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(CollectionEvent._meta.db_table)
                cursor.execute(
                    f"SELECT restaurant_id, SUM(weight_g) FROM {table}"
                    " WHERE collected_at >= %s AND collected_at < %s AND status IN ('billable', 'held')"
                    " GROUP BY restaurant_id",
                    [start, end],
                )
                return cursor.fetchall()

        now = timezone.now()
        cases = {
            "floor: GROUP BY restaurant, a year": floor,
            "trends, a year (every part)": lambda: trends.trends(
                municipality=city, days=year, limit=20, idle_days=14, now=now
            ),
            "  kg/restaurant/day by district": lambda: trends.intensity(municipality=city, days=year, group="district"),
            "  top generators": lambda: trends.top_generators(municipality=city, days=year, limit=20),
            "  changes against a year earlier": lambda: trends.biggest_changes(municipality=city, days=year, limit=20),
            "  no collection for 14 days": lambda: trends.idle_restaurants(municipality=city, idle_days=14, now=now),
            "service, a year": lambda: service.service(municipality=city, days=year),
        }
        results = {label: timed(run, args.repeat)[0] for label, run in cases.items()}
    base = p(results["floor: GROUP BY restaurant, a year"], 0.5)
    print(f"\n{args.restaurants:,} restaurants, {args.days} days, {scans:,} scans")
    print(f"{'case':40}{'p50':>10}{'p95':>10}{'× floor':>10}")
    for label, values in results.items():
        print(f"{label:40}{p(values, 0.5):>8.1f}ms{p(values, 0.95):>8.1f}ms{p(values, 0.5) / base:>9.1f}×")
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.0f} s in all)")
    sys.exit(code)
