"""Scan-ingest benchmark: the batch endpoint against PostgreSQL's COPY floor.

    .venv/bin/python bench/bench_ingest.py                  # 100,000 events, batches of 1,000
    .venv/bin/python bench/bench_ingest.py --quick          # 10,000 events, 500 single posts
    .venv/bin/python bench/bench_ingest.py --servers 2x1,2x4 --json var/bench_ingest.json

What it does, in a database of its own (`bench_ingest` on the same server as
DATABASE_URL, or the checkout's embedded server) so that demo data is never touched:

1. create the database, migrate, seed a municipality, a hauler serving one district,
   a collector, and restaurants with bins and active tags;
2. for each gunicorn configuration (`WxT` = W workers × T threads; T > 1 uses the
   gthread worker), start the server on a free loopback port and
   - POST every event through `/api/v1/collections/batch/` over real HTTP with token auth,
   - (first configuration only) dump what the API stored, empty the tables and COPY the
     same rows back: the floor the API is compared with,
   - replay the same batches: every answer must be "duplicate" and no row may be added,
   - POST single events from concurrent keep-alive clients: throughput, p50, p99;
3. profile batches in-process (wall, CPU, SQL timings, cProfile) to show where the
   API's time goes, with the garbage collector as configured and frozen;
4. drop the database (unless --keep). Exit status 1 when a correctness check fails.

Every rate comes with the CPU time spent per 1,000 events by gunicorn's workers, the
PostgreSQL backends serving them and this client (read from /proc): on a shared 2-core
machine wall-clock rates move with whatever else runs, CPU per event much less so.
gunicorn's sync worker closes the connection after each response, so "keep-alive"
clients reconnect there; gthread keeps connections open.

Times of day are spread so that the hold-window rule leaves almost every weighing
billable: each bin is scanned at most every few hours in each phase.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import os
import pstats
import random
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg2
import requests
from databases import drop_database, recreate_database, server_url, with_database  # bench/databases.py
from psycopg2 import sql
from waiting import NotAnswering, until_answered  # bench/waiting.py, beside this script

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEOUL = ZoneInfo("Asia/Seoul")
EVENTS_TABLE = "collection_events_collectionevent"
RECEIPTS_TABLE = "collection_events_scanreceipt"
COLLECTOR_USERNAME = "bench-collector"
COLLECTOR_PASSWORD = "bench-collector-password"  # a throwaway database, dropped at the end


# --- Options ------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSpec:
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> ServerSpec:
        workers, _, threads = text.strip().lower().partition("x")
        return cls(int(workers), int(threads or 1))

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"

    def __str__(self) -> str:
        return f"{self.worker_class} {self.workers}w×{self.threads}t"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="events posted in batches (default 100,000)")
    parser.add_argument("--batch", type=int, default=1_000, help="events per batch (default 1,000)")
    parser.add_argument("--uploaders", type=int, default=2, help="batches in flight at once (default 2)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent single-event clients (default 20)")
    parser.add_argument("--single", type=int, default=3_000, help="single-event posts (default 3,000)")
    parser.add_argument("--single-seconds", type=float, default=120.0, help="stop single posts after this long")
    parser.add_argument("--bins", type=int, default=5_000, help="bins with an active tag (default 5,000)")
    parser.add_argument(
        "--servers", default="2x1", help="gunicorn configs, WORKERSxTHREADS, comma-separated (default 2x1 = sync)"
    )
    parser.add_argument(
        "--gunicorn-args", default="", help='extra gunicorn options, e.g. "-c var/gunicorn.conf.py" (quoted)'
    )
    parser.add_argument("--database", default="bench_ingest", help="database created and dropped by the run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process profile")
    parser.add_argument("--profile-out", type=Path, help="also write the full cProfile listing here")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--quick", action="store_true", help="a fast check: 10,000 events, 500 single posts")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--rollups",
        choices=["on", "off"],
        default="on",
        help="keep the volume rollups current as the API stores scans (on, as in production) or not, to see their cost",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.events, args.single = min(args.events, 10_000), min(args.single, 500)
    args.server_specs = [ServerSpec.parse(part) for part in args.servers.split(",") if part.strip()]
    return args


# --- The database -------------------------------------------------------------------


@contextmanager
def _autocommit(url: str) -> Iterator[Any]:
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def setup_django(bench_url: str) -> None:
    """Point this process at the bench database, as the server will be."""
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_ENV"] = "development"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The bench is one crew sending far more than a shift: the per-crew scan limits off.
    os.environ.setdefault("SCAN_RATE", "")
    os.environ.setdefault("SCAN_EVENTS_RATE", "")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings"
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()


# What the ingest path reads and writes; enough when another app's migration cannot run here.
INGEST_APPS = [
    "contenttypes", "auth", "sessions", "knox", "accounts", "municipalities", "restaurants", "tags",
    "collection_events", "notifications", "rollups",
]  # fmt: skip


def migrate() -> str | None:
    """Migrate everything; if some app's migration fails, only the apps the ingest path needs.

    Returns why the full migration failed, for the report.
    """
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        call_command("migrate", verbosity=0, interactive=False)
        return None
    except DatabaseError as error:
        for app in INGEST_APPS:
            call_command("migrate", app, verbosity=0, interactive=False)
        return " ".join(str(error).split())


# --- Seeding ------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchTag:
    """What a crew's device knows about a bin's tag: the references it may send."""

    url: str
    code: str
    manual_code_display: str
    nfc_uid: str
    lat: str
    lng: str


SCALES = 40  # the scales the scans name


def scale_serial(n: int) -> str:
    return f"SCALE-{n:02d}"


def seed(*, bins: int, rng: random.Random) -> list[BenchTag]:
    """One municipality, one district served by one hauler, a collector, `bins` tagged bins,
    and the hauler's scales that the scans name, registered and inspected as a city's are
    (a weighing from an unregistered scale is flagged for review: not the steady state)."""
    from datetime import date
    from decimal import Decimal

    from django.db import transaction

    from backend.accounts.models import Role, User
    from backend.collection_events.models import Scale
    from backend.municipalities.models import District, Hauler, Municipality
    from backend.restaurants import business_numbers
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    with transaction.atomic():
        city = Municipality.objects.create(name="벤치시", code="99999")
        district = District.objects.create(municipality=city, name="벤치동", code="9999900000")
        hauler = Hauler.objects.create(municipality=city, name="벤치환경(주)")
        hauler.districts.set([district])
        collector = User(username=COLLECTOR_USERNAME, role=Role.COLLECTOR, hauler=hauler, first_name="벤치수거")
        collector.set_password(COLLECTOR_PASSWORD)
        collector.save()
        Scale.objects.bulk_create(
            Scale(municipality=city, hauler=hauler, serial=scale_serial(n), inspected_on=date.today())
            for n in range(SCALES)
        )

        restaurant_count = (bins + 1) // 2  # two bins each
        restaurants = []
        for n in range(restaurant_count):
            first_nine = f"{100000000 + n:09d}"
            restaurants.append(
                Restaurant(
                    municipality=city,
                    district=district,
                    name=f"벤치식당 {n}",
                    business_number=first_nine + str(business_numbers.check_digit(first_nine)),
                    address=f"벤치시 벤치동 {n}",
                    lat=Decimal("37.500000") + Decimal(rng.randint(0, 100_000)) / 1_000_000,
                    lng=Decimal("126.900000") + Decimal(rng.randint(0, 100_000)) / 1_000_000,
                )
            )
        Restaurant.objects.bulk_create(restaurants, batch_size=1_000)
        bin_rows = [
            Bin(restaurant=restaurants[n // 2], capacity_liters=rng.choice([60, 120]), label=f"주방 {n % 2 + 1}")
            for n in range(bins)
        ]
        Bin.objects.bulk_create(bin_rows, batch_size=1_000)
        tags = [Tag(bin=bin, nfc_uid=f"04{rng.getrandbits(48):012X}") for bin in bin_rows]
        Tag.objects.bulk_create(tags, batch_size=1_000)
    return [
        BenchTag(tag.url, tag.code, tag.manual_code_display, tag.nfc_uid, str(place.lat), str(place.lng))
        for tag, place in ((tag, tag.bin.restaurant) for tag in tags)
    ]


# --- Events -------------------------------------------------------------------------


def make_events(
    tags: list[BenchTag], count: int, *, start: datetime, end: datetime, rng: random.Random
) -> list[dict[str, Any]]:
    """`count` scans across the bins between start and end, time-major (a truck's round).

    Each bin's scans are at least `(end - start) / rounds` apart; the caller keeps that
    above the 30-minute hold window. About 2 % are visits with an exception, 5 % typed
    manual codes, 15 % QR scans, the rest NFC taps (URL plus the chip UID).
    """
    rounds = max(1, -(-count // len(tags)))
    spacing = (end - start) / rounds
    spread = min(timedelta(hours=2), max(timedelta(0), spacing - timedelta(minutes=31)))
    events = []
    for k in range(count):
        slot, index = divmod(k, len(tags))
        tag = tags[index]
        collected_at = start + slot * spacing + spread * (index / len(tags))
        event: dict[str, Any] = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4))}
        roll = rng.random()
        if roll < 0.05:
            event.update(tag=tag.manual_code_display, source="manual")
        elif roll < 0.20:
            event.update(tag=tag.url, source="qr")
        else:
            event.update(tag=tag.url, source="nfc", reader_uid=tag.nfc_uid)
        if k % 50 == 49:
            event["exception_code"] = "not_put_out"
        else:
            event["weight_kg"] = f"{rng.randint(1_000, 50_000) / 1000:.3f}"
        event.update(
            collected_at=collected_at.astimezone(SEOUL).isoformat(timespec="seconds"),
            lat=tag.lat,
            lng=tag.lng,
            scale_id=scale_serial(index % SCALES),
        )
        events.append(event)
    return events


def batch_bodies(events: list[dict[str, Any]], size: int) -> list[bytes]:
    """Encoded once, before any clock starts: the client's JSON work is not the server's."""
    return [json.dumps({"events": events[i : i + size]}).encode() for i in range(0, len(events), size)]


# --- The server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Server:
    base: str
    pid: int


@contextmanager
def gunicorn(spec: ServerSpec, *, bench_url: str, log: Path, extra: list[str]) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_ENV": "development",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        # One connection per worker for the whole run, so that the CPU accounting sees
        # every backend (a reconnect a minute, the default, costs nothing measurable).
        "DB_CONN_MAX_AGE": "3600",
    }
    command = [
        sys.executable, "-m", "gunicorn", "backend.config.wsgi", "-c", "backend/config/gunicorn.conf.py",
        "-b", f"127.0.0.1:{port}", "-w", str(spec.workers), "--threads", str(spec.threads),
        "-k", spec.worker_class, "--timeout", "300", "--keep-alive", "30", "--log-level", "warning", *extra,
    ]  # fmt: skip
    with log.open("ab") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log)
        yield Server(base, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    def still_running() -> None:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")

    try:
        until_answered(
            lambda timeout: requests.get(f"{base}/healthz", timeout=timeout),
            what="gunicorn's /healthz",
            within=120,
            still_running=still_running,
        )
    except NotAnswering as exc:
        raise RuntimeError(f"{exc}:\n{log.read_text()[-3000:]}") from None


def obtain_token(base: str) -> str:
    answer = requests.post(
        f"{base}/api/v1/auth/token/", json={"username": COLLECTOR_USERNAME, "password": COLLECTOR_PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()["token"]


def client(token: str) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {token}", "Content-Type": "application/json"})
    return session


def warm_up(base: str, token: str, spec: ServerSpec) -> None:
    """Every worker loads the URLconf and opens its database connection before the clock starts."""
    sessions = [client(token) for _ in range(spec.workers * spec.threads * 2)]
    with ThreadPoolExecutor(len(sessions)) as pool:
        list(
            pool.map(
                lambda s: until_answered(
                    lambda timeout: s.get(f"{base}/api/v1/me/", timeout=timeout), what="/api/v1/me/", first_timeout=30
                ),
                sessions * 3,
            )
        )


# --- CPU accounting -----------------------------------------------------------------
# Wall-clock rates on a shared 2-core machine move with whatever else runs; the CPU time
# each party spends per event barely does, so it is reported next to every rate.

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Cpu:
    """CPU seconds: gunicorn's workers, the PostgreSQL backends serving them, this process."""

    server: float = 0.0
    database: float = 0.0
    client: float = 0.0


def process_cpu(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
    return found


def backends(url: str) -> list[int]:
    """The server processes of every other connection to the bench database."""
    with _autocommit(url) as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        return [pid for (pid,) in cursor.fetchall()]


@contextmanager
def cpu_spent(*, url: str, server_pid: int | None = None, backend_pid: int | None = None) -> Iterator[Cpu]:
    """CPU spent inside the block; filled in when the block ends.

    A process that appears during the block counts from zero; one that ends inside it
    is missed (gunicorn's workers and their persistent connections live throughout).
    """

    def snapshot() -> tuple[dict[int, float], dict[int, float]]:
        workers = children(server_pid) if server_pid else []
        pids = [backend_pid] if backend_pid else backends(url)
        return {pid: process_cpu(pid) for pid in workers}, {pid: process_cpu(pid) for pid in pids}

    spent = Cpu()
    workers_before, backends_before = snapshot()
    client_before = time.process_time()
    yield spent
    spent.client = time.process_time() - client_before
    workers_after, backends_after = snapshot()
    spent.server = sum(cpu - workers_before.get(pid, 0.0) for pid, cpu in workers_after.items())
    spent.database = sum(cpu - backends_before.get(pid, 0.0) for pid, cpu in backends_after.items())


# --- The measurements ---------------------------------------------------------------


@dataclass
class Rate:
    rows: int
    seconds: float
    cpu: Cpu | None = None

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def cpu_ms_per(self, rows: int) -> Cpu | None:
        if self.cpu is None or not self.rows:
            return None
        scale = 1000 * rows / self.rows
        return Cpu(self.cpu.server * scale, self.cpu.database * scale, self.cpu.client * scale)


@dataclass
class BatchRun:
    rate: Rate
    statuses: dict[str, int]
    sample_errors: list[dict[str, Any]] = field(default_factory=list)


def post_batches(base: str, token: str, bodies: list[bytes], *, uploaders: int) -> BatchRun:
    url = f"{base}/api/v1/collections/batch/"
    local = threading.local()
    statuses: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    lock = threading.Lock()

    def post(body: bytes) -> None:
        if not hasattr(local, "session"):
            local.session = client(token)
        answer = local.session.post(url, data=body, timeout=300)
        if answer.status_code != 200:
            raise RuntimeError(f"batch answered {answer.status_code}: {answer.text[:500]}")
        results = answer.json()["results"]
        with lock:
            statuses.update(result["status"] for result in results)
            errors.extend(result for result in results if result["status"] == "rejected" and len(errors) < 5)

    events = sum(len(json.loads(body)["events"]) for body in bodies)
    started = time.perf_counter()
    with ThreadPoolExecutor(uploaders) as pool:
        list(pool.map(post, bodies))
    return BatchRun(Rate(events, time.perf_counter() - started), dict(statuses), errors[:5])


@dataclass
class SingleRun:
    rate: Rate
    statuses: dict[str, int]
    p50_ms: float
    p99_ms: float
    max_ms: float


def post_singles(base: str, token: str, events: list[dict[str, Any]], *, clients: int, seconds: float) -> SingleRun:
    url = f"{base}/api/v1/collections/"
    bodies = [json.dumps(event).encode() for event in events]
    next_index = itertools.count()  # next() on a count is atomic under the GIL
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run_client() -> None:
        session = client(token)
        mine, codes = [], Counter()
        while time.monotonic() < deadline:
            index = next(next_index)
            if index >= len(bodies):
                break
            sent = time.perf_counter()
            answer = session.post(url, data=bodies[index], timeout=60)
            mine.append(time.perf_counter() - sent)
            codes[answer.status_code] += 1
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    started = time.perf_counter()
    threads = [threading.Thread(target=run_client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return SingleRun(
        rate=Rate(len(ordered), elapsed),
        statuses={str(code): n for code, n in statuses.items()},
        p50_ms=1000 * statistics.median(ordered),
        p99_ms=1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        max_ms=1000 * ordered[-1],
    )


def count_rows(url: str) -> dict[str, int]:
    with _autocommit(url) as cursor:
        counts = {}
        for table in (EVENTS_TABLE, RECEIPTS_TABLE):
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]
        return counts


def empty_scan_tables(url: str) -> None:
    with _autocommit(url) as cursor:
        cursor.execute(
            sql.SQL("TRUNCATE {}, {} CASCADE").format(sql.Identifier(EVENTS_TABLE), sql.Identifier(RECEIPTS_TABLE))
        )
    analyze_scan_tables(url)


def analyze_scan_tables(url: str) -> None:
    """Fresh planner statistics after a bulk change, as a long-lived table has them, so
    that the next phase does not depend on whether autovacuum has come by yet."""
    with _autocommit(url) as cursor:
        cursor.execute(sql.SQL("ANALYZE {}, {}").format(sql.Identifier(EVENTS_TABLE), sql.Identifier(RECEIPTS_TABLE)))


@dataclass
class CopyRun:
    events: Rate
    receipts: Rate

    @property
    def both(self) -> Rate:
        parts = (self.events.cpu, self.receipts.cpu)
        cpu = Cpu(*(sum(getattr(part, name) for part in parts) for name in ("server", "database", "client")))
        return Rate(self.events.rows, self.events.seconds + self.receipts.seconds, cpu)


def create_broker_tables() -> None:
    """Open one channel of the database broker here, which creates kombu's tables: left to
    gunicorn's workers, two first batches create them at once and one fails on the other's
    table (a 500 on a fresh database)."""
    from backend.config.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel  # noqa: B018 - opening it is the point


ROLLUP_TRIGGERS = (
    "rollups_cells_inserted",
    "rollups_cells_updated",
    "rollups_cells_deleted",
)


def set_rollups(url: str, *, on: bool) -> None:
    """Switch the triggers that keep the volume rollups current (backend/rollups) on or off."""
    with _autocommit(url) as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s)", [list(ROLLUP_TRIGGERS)])
        for (name,) in cursor.fetchall():
            action = sql.SQL("ENABLE" if on else "DISABLE")
            cursor.execute(
                sql.SQL("ALTER TABLE {} {} TRIGGER {}").format(
                    sql.Identifier(EVENTS_TABLE), action, sql.Identifier(name)
                )
            )


def copy_floor(url: str, *, rollups: bool) -> CopyRun:
    """Dump the rows the API stored, empty both tables, COPY the same rows back (timed),
    with the rollups' triggers off: the floor is the table alone.

    Leaves the tables as the API left them, so the replay that follows meets the same state.
    """
    dumps = {}
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            columns_of = {table: _columns(cursor, table) for table in (EVENTS_TABLE, RECEIPTS_TABLE)}
            for table, columns in columns_of.items():
                buffer = io.StringIO()
                cursor.copy_expert(
                    sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT")
                    .format(sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table))
                    .as_string(connection),
                    buffer,
                )
                dumps[table] = buffer
        connection.commit()
        empty_scan_tables(url)
        set_rollups(url, on=False)
        rates = {}
        with connection.cursor() as cursor:
            backend_pid = connection.get_backend_pid()
            for table, columns in columns_of.items():
                dumps[table].seek(0)
                with cpu_spent(url=url, backend_pid=backend_pid) as cpu:
                    started = time.perf_counter()
                    cursor.copy_expert(
                        sql.SQL("COPY {} ({}) FROM STDIN")
                        .format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
                        .as_string(connection),
                        dumps[table],
                    )
                    connection.commit()
                    seconds = time.perf_counter() - started
                rates[table] = Rate(cursor.rowcount, seconds, cpu)
    finally:
        connection.close()
        set_rollups(url, on=rollups)
    return CopyRun(events=rates[EVENTS_TABLE], receipts=rates[RECEIPTS_TABLE])


def _columns(cursor, table: str) -> list[str]:
    """Every column, read from the database: the COPY moves whole rows whatever the model grows."""
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position", [table]
    )
    return [name for (name,) in cursor.fetchall()]


@dataclass
class ServerResult:
    server: str
    ingest: BatchRun
    rows_after_ingest: dict[str, int]
    replay: BatchRun
    replay_rows_inserted: int
    single: SingleRun


def measure_server(
    spec: ServerSpec, *, args: argparse.Namespace, bench_url: str, bodies: list[bytes], singles: list[dict[str, Any]],
    log: Path, copy_runs: list[CopyRun],
) -> ServerResult:  # fmt: skip
    empty_scan_tables(bench_url)
    with gunicorn(spec, bench_url=bench_url, log=log, extra=shlex.split(args.gunicorn_args)) as server:
        base, token = server.base, obtain_token(server.base)
        warm_up(base, token, spec)
        print(f"  [{spec}] posting {args.events:,} events in batches of {args.batch:,} ...", flush=True)
        with cpu_spent(url=bench_url, server_pid=server.pid) as cpu:
            ingest = post_batches(base, token, bodies, uploaders=args.uploaders)
        ingest.rate.cpu = cpu
        rows_after_ingest = count_rows(bench_url)
        if not copy_runs:
            print(f"  [{spec}] COPY floor ...", flush=True)
            copy_runs.append(copy_floor(bench_url, rollups=args.rollups == "on"))
        analyze_scan_tables(bench_url)
        print(f"  [{spec}] replaying the same batches ...", flush=True)
        before = count_rows(bench_url)
        with cpu_spent(url=bench_url, server_pid=server.pid) as cpu:
            replay = post_batches(base, token, bodies, uploaders=args.uploaders)
        replay.rate.cpu = cpu
        after = count_rows(bench_url)
        inserted = sum(after.values()) - sum(before.values())
        print(f"  [{spec}] {len(singles):,} single posts from {args.clients} clients ...", flush=True)
        with cpu_spent(url=bench_url, server_pid=server.pid) as cpu:
            single = post_singles(base, token, singles, clients=args.clients, seconds=args.single_seconds)
        single.rate.cpu = cpu
    return ServerResult(str(spec), ingest, rows_after_ingest, replay, inserted, single)


# --- The profile --------------------------------------------------------------------


@dataclass
class BatchCost:
    wall_ms: float
    python_ms: float  # this process's CPU
    postgres_ms: float  # the backend's CPU


@dataclass
class Profile:
    batch: BatchCost
    batch_gc_frozen: BatchCost
    replay: BatchCost
    sql_ms: float
    queries: int
    slowest_sql: list[tuple[float, str]]
    single_request_ms: float
    top_project: list[tuple[str, float, int]]
    top_own: list[tuple[str, float, int]]


class SqlClock:
    """Times every statement Django sends (connection.execute_wrapper)."""

    def __init__(self) -> None:
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, statement, params, many, context):
        started = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            self.statements.append((time.perf_counter() - started, statement))

    @property
    def seconds(self) -> float:
        return sum(seconds for seconds, _ in self.statements)


def profile_batch(tags: list[BenchTag], *, batch: int, rng: random.Random, out: Path | None) -> Profile:
    """Batches through the whole Django stack in this process: timed, with the collector's
    heap frozen as a tuned worker would have it, replayed, then one profiled."""
    from django.db import connection
    from django.test import Client

    from backend.accounts.models import User
    from backend.accounts.tokens import issue_token

    now = datetime.now(SEOUL)
    repeats = 3
    events = make_events(
        tags,
        10 + (2 * repeats + 1) * batch + 200,
        start=now - timedelta(hours=20),
        end=now - timedelta(hours=12),
        rng=rng,
    )
    chunks = [events[10 + i * batch : 10 + (i + 1) * batch] for i in range(2 * repeats + 1)]
    warm, singles = events[:10], events[10 + (2 * repeats + 1) * batch :]
    timed, frozen, profiled = chunks[:repeats], chunks[repeats : 2 * repeats], chunks[2 * repeats]
    collector = User.objects.get(username=COLLECTOR_USERNAME)
    token, _expires_at = issue_token(collector)
    web = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def post(chunk: list[dict[str, Any]]) -> BatchCost:
        body = json.dumps({"events": chunk})
        backend_before, python_before, started = process_cpu(backend), time.process_time(), time.perf_counter()
        answer = web.post("/api/v1/collections/batch/", data=body, content_type="application/json")
        cost = BatchCost(
            1000 * (time.perf_counter() - started),
            1000 * (time.process_time() - python_before),
            1000 * (process_cpu(backend) - backend_before),
        )
        assert answer.status_code == 200, answer.content[:500]
        return cost

    connection.ensure_connection()
    backend = connection.connection.get_backend_pid()
    post(warm)
    clock = SqlClock()
    with connection.execute_wrapper(clock):
        plain = [post(chunk) for chunk in timed]
    replay = _median_cost([post(chunk) for chunk in timed])
    single_started = time.perf_counter()
    for event in singles:
        answer = web.post("/api/v1/collections/", data=json.dumps(event), content_type="application/json")
        assert answer.status_code == 201, answer.content[:500]
    single_ms = 1000 * (time.perf_counter() - single_started) / len(singles)

    # The collector's sweeps land on whichever function allocates and blur the profile;
    # their cost is the difference between the first two lines of the report.
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        tuned = _median_cost([post(chunk) for chunk in frozen])
        profiler = cProfile.Profile()
        profiler.enable()
        post(profiled)
        profiler.disable()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    stats = pstats.Stats(profiler)
    if out is not None:
        listing = io.StringIO()
        pstats.Stats(profiler, stream=listing).sort_stats("cumulative").print_stats(120)
        out.write_text(listing.getvalue())
    return Profile(
        batch=_median_cost(plain),
        batch_gc_frozen=tuned,
        replay=replay,
        sql_ms=1000 * clock.seconds / repeats,
        queries=len(clock.statements) // repeats,
        slowest_sql=[
            (1000 * s, " ".join(q.split())[:100]) for s, q in sorted(clock.statements, reverse=True)[: 2 * repeats]
        ],
        single_request_ms=single_ms,
        top_project=_top(stats, "cumtime", only="backend/"),
        top_own=_top(stats, "tottime"),
    )


def _median_cost(costs: list[BatchCost]) -> BatchCost:
    return BatchCost(
        *(statistics.median(getattr(c, name) for c in costs) for name in ("wall_ms", "python_ms", "postgres_ms"))
    )


def _top(stats: pstats.Stats, key: str, *, only: str = "", limit: int = 20) -> list[tuple[str, float, int]]:
    rows = []
    for (filename, line, function), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = _short(filename, line, function)
        if name.startswith(only):
            rows.append((name, tottime if key == "tottime" else cumtime, calls))
    rows.sort(key=lambda row: row[1], reverse=True)
    return [(name, round(1000 * seconds, 1), calls) for name, seconds, calls in rows[:limit]]


def _short(filename: str, line: int, function: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{filename}:{line}({function})" if filename != "~" else function


# --- Report -------------------------------------------------------------------------


def print_report(args, results: list[ServerResult], copy: CopyRun) -> None:
    line = "─" * 100
    print(f"\n{line}\n스캔 수집 벤치마크 / Scan-ingest benchmark")
    print(
        f"{args.events:,} events in batches of {args.batch:,} ({args.uploaders} in flight), {args.bins:,} bins, "
        f"{args.single:,} single posts from {args.clients} clients; volume rollups kept current: {args.rollups};\n"
        f"{os.cpu_count()} cores shared by gunicorn, PostgreSQL, this client and whatever else runs "
        f"(load average at the end: {os.getloadavg()[0]:.1f})"
    )
    print(line)
    print(f"{'wall clock':44}{'rows':>12}{'seconds':>10}{'events/s':>12}{'vs COPY':>10}")
    floor = copy.events.per_second
    print(_row("COPY events table (the floor)", copy.events, floor))
    print(_row("COPY receipts table", copy.receipts, None))
    print(_row("COPY events + receipts", copy.both, floor))
    for result in results:
        print(f"gunicorn {result.server}")
        for label, run in (("  API batch ingest", result.ingest), ("  API replay (same batches)", result.replay)):
            print(_row(label, run.rate, floor) + f"   {_statuses(run.statuses)}")
        print(f"  {'replay: rows inserted (events + receipts)':42}{result.replay_rows_inserted:>12}")
        single = result.single
        print(
            _row(f"  single POST, {args.clients} clients (req/s)", single.rate, None)
            + f" p50 {single.p50_ms:.0f} ms  p99 {single.p99_ms:.0f} ms  max {single.max_ms:.0f} ms"
            + f"  {_statuses(single.statuses)}"
        )
        for error in result.ingest.sample_errors:
            print(f"  rejected: {error}")
    print(line)
    print_cpu(results, copy)
    print(line)
    print("The API writes two rows per scan (the event and its idempotency receipt); COPY of the events")
    print("table alone is the floor asked for, 'events + receipts' is the like-for-like figure.", flush=True)


def print_cpu(results: list[ServerResult], copy: CopyRun) -> None:
    """CPU per 1,000 events, and what the machine's cores could sustain at that cost."""
    cores = os.cpu_count() or 1
    print(f"{'CPU ms per 1,000 events (or requests)':44}{'gunicorn':>10}{'postgres':>10}{'client':>10}{'vs COPY':>10}"
          f"{f'ceiling on {cores} cores':>22}")  # fmt: skip
    floor = copy.events.cpu_ms_per(1000)
    print(_cpu_row("COPY events table", floor, floor, cores))
    print(_cpu_row("COPY events + receipts", copy.both.cpu_ms_per(1000), floor, cores))
    for result in results:
        print(f"gunicorn {result.server}")
        print(_cpu_row("  API batch ingest", result.ingest.rate.cpu_ms_per(1000), floor, cores))
        print(_cpu_row("  API replay", result.replay.rate.cpu_ms_per(1000), floor, cores))
        print(_cpu_row("  single POST", result.single.rate.cpu_ms_per(1000), None, cores, unit="req/s"))
    print("'ceiling' = cores ÷ (gunicorn + postgres CPU per event): the rate if nothing else ran, client excluded.")


def _cpu_row(label: str, cpu: Cpu | None, floor: Cpu | None, cores: int, unit: str = "events/s") -> str:
    if cpu is None:
        return f"{label:44}{'n/a':>10}"
    spent = cpu.server + cpu.database
    share = f"{100 * (floor.server + floor.database) / spent:>9.1f}%" if floor and spent else " " * 10
    ceiling = f"{cores * 1_000_000 / spent:,.0f} {unit}" if spent else ""
    return f"{label:44}{cpu.server:>10.0f}{cpu.database:>10.0f}{cpu.client:>10.0f}{share}{ceiling:>22}"


def _row(label: str, rate: Rate, floor: float | None) -> str:
    share = f"{100 * rate.per_second / floor:>9.1f}%" if floor else " " * 10
    return f"{label:44}{rate.rows:>12,}{rate.seconds:>10.2f}{rate.per_second:>12,.0f}{share}"


def _statuses(statuses: dict[str, int]) -> str:
    return " ".join(f"{name}={count:,}" for name, count in sorted(statuses.items()))


def print_profile(profile: Profile, batch: int) -> None:
    print("─" * 100)
    print(f"In-process profile, {batch:,}-event batches (Django test client against the bench database)")
    for label, cost in (
        ("batch, collector as configured", profile.batch),
        ("batch, gc.freeze() + threshold 50,000", profile.batch_gc_frozen),
        ("replay of a batch (all duplicates)", profile.replay),
    ):
        print(
            f"  {label:40} wall {cost.wall_ms:5.0f} ms   Python CPU {cost.python_ms:5.0f} ms   "
            f"PostgreSQL CPU {cost.postgres_ms:4.0f} ms"
        )
    print(
        f"  SQL wall time {profile.sql_ms:.0f} ms in {profile.queries} statements per batch; "
        f"one single-event POST, sequential: {profile.single_request_ms:.1f} ms"
    )
    print("  slowest statements:")
    for ms, statement in profile.slowest_sql:
        print(f"    {ms:7.1f} ms  {statement}")
    print("  cProfile of one batch, collector frozen (profiling inflates times: compare them with each other)")
    print("  project functions, cumulative (ms, calls):")
    for name, ms, calls in profile.top_project:
        print(f"    {ms:8.1f} {calls:>8}  {name}")
    print("  own time, everything (ms, calls):")
    for name, ms, calls in profile.top_own:
        print(f"    {ms:8.1f} {calls:>8}  {name}")


def figures(args, results: list[ServerResult], copy: CopyRun, profile: Profile | None, seconds: float) -> dict:
    floor = copy.events.per_second
    return {
        "options": {k: v for k, v in vars(args).items() if k not in ("server_specs", "json", "profile_out")},
        "copy": {
            "events_per_s": copy.events.per_second,
            "events_seconds": copy.events.seconds,
            "receipts_seconds": copy.receipts.seconds,
            "events_and_receipts_per_s": copy.both.per_second,
            "events_cpu_ms_per_1000": _asdict(copy.events.cpu_ms_per(1000)),
            "events_and_receipts_cpu_ms_per_1000": _asdict(copy.both.cpu_ms_per(1000)),
        },
        "servers": [
            {
                "server": r.server,
                "api_events_per_s": r.ingest.rate.per_second,
                "api_seconds": r.ingest.rate.seconds,
                "api_vs_copy": r.ingest.rate.per_second / floor,
                "api_vs_copy_with_receipts": r.ingest.rate.per_second / copy.both.per_second,
                "api_cpu_ms_per_1000": _asdict(r.ingest.rate.cpu_ms_per(1000)),
                "replay_cpu_ms_per_1000": _asdict(r.replay.rate.cpu_ms_per(1000)),
                "ingest_statuses": r.ingest.statuses,
                "rows_after_ingest": r.rows_after_ingest,
                "replay_events_per_s": r.replay.rate.per_second,
                "replay_statuses": r.replay.statuses,
                "replay_rows_inserted": r.replay_rows_inserted,
                "single": {
                    "per_s": r.single.rate.per_second,
                    "requests": r.single.rate.rows,
                    "p50_ms": r.single.p50_ms,
                    "p99_ms": r.single.p99_ms,
                    "max_ms": r.single.max_ms,
                    "statuses": r.single.statuses,
                    "cpu_ms_per_1000": _asdict(r.single.rate.cpu_ms_per(1000)),
                },
            }
            for r in results
        ],
        "profile": asdict(profile) if profile else None,
        "run_seconds": seconds,
    }


def _asdict(cpu: Cpu | None) -> dict | None:
    return asdict(cpu) if cpu else None


def correctness_problems(result: ServerResult, args: argparse.Namespace) -> list[str]:
    """What must hold whatever the speed: every scan stored once, retries answered, nothing lost."""
    problems = []
    if result.ingest.statuses != {"created": args.events}:
        problems.append(f"{result.server}: ingest answered {result.ingest.statuses}, expected {args.events:,} created")
    if result.replay.statuses != {"duplicate": args.events}:
        problems.append(f"{result.server}: replay answered {result.replay.statuses}, expected all duplicate")
    if result.replay_rows_inserted:
        problems.append(f"{result.server}: replay inserted {result.replay_rows_inserted} rows")
    if set(result.single.statuses) != {"201"}:
        problems.append(f"{result.server}: single posts answered {result.single.statuses}")
    return problems


# --- Main ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    rng = random.Random(args.seed)
    admin_url = server_url()
    bench_url = with_database(admin_url, args.database)
    log = PROJECT_ROOT / "var" / "bench_ingest_gunicorn.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")

    print(f"database {args.database} on {urlsplit(admin_url).hostname or admin_url.split('host=')[-1]}", flush=True)
    recreate_database(admin_url, args.database)
    try:
        setup_django(bench_url)
        print("  migrating ...", flush=True)
        migrate_failure = migrate()
        if migrate_failure:
            print(f"  full migrate failed ({migrate_failure}); migrated {', '.join(INGEST_APPS)} only", flush=True)
        print(f"  seeding {args.bins:,} tagged bins ...", flush=True)
        tags = seed(bins=args.bins, rng=rng)
        set_rollups(bench_url, on=args.rollups == "on")
        create_broker_tables()
        now = datetime.now(SEOUL)
        bodies = batch_bodies(
            make_events(tags, args.events, start=now - timedelta(days=10), end=now - timedelta(days=1), rng=rng),
            args.batch,
        )
        singles = make_events(tags, args.single, start=now - timedelta(hours=6), end=now - timedelta(hours=1), rng=rng)
        from django.db import connection

        connection.close()  # the server gets the database to itself while it is measured

        copy_runs: list[CopyRun] = []
        results = [
            measure_server(
                spec, args=args, bench_url=bench_url, bodies=bodies, singles=singles, log=log, copy_runs=copy_runs
            )
            for spec in args.server_specs
        ]
        print_report(args, results, copy_runs[0])
        del bodies, singles  # a worker's heap does not hold them: the collector's sweeps would cost more here
        gc.collect()
        profile = None
        if not args.no_profile:
            print("  profiling one batch in-process ...", flush=True)
            try:
                profile = profile_batch(tags, batch=args.batch, rng=rng, out=args.profile_out)
            except Exception as error:  # the HTTP figures above still stand
                print(f"profile failed: {error!r}")
            else:
                print_profile(profile, args.batch)
        seconds = time.perf_counter() - started
        print(f"{'─' * 100}\nwhole run: {seconds:.0f} s")
        if args.json:
            args.json.write_text(json.dumps(figures(args, results, copy_runs[0], profile, seconds), indent=2))
            print(f"figures written to {args.json}")
        problems = [problem for result in results for problem in correctness_problems(result, args)]
        for problem in problems:
            print(f"FAILED: {problem}")
        return 1 if problems else 0
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep:
            print(f"kept database {args.database}: DATABASE_URL={bench_url}")
        else:
            drop_database(admin_url, args.database)


if __name__ == "__main__":
    sys.exit(main())
