"""The monthly partitions of the scans' table (migrations/0011; docs/operations.md,
"Scan partitions").

One partition per calendar month of the municipality's zone, named
`collection_events_collectionevent_YYYY_MM`, plus `…_default`, which takes any scan
no month covers, so none is ever refused. `ensure_months` makes the coming months
ahead of time and moves whatever landed in the default partition into its month;
`detach_month` takes a month out of the table into the `archive` schema (the rule for
when that is allowed lives in backend/archive, which can see billing and disputes).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from backend.collection_events.models import CollectionEvent

ARCHIVE_SCHEMA = "archive"
# The zone whose months bound the partitions: Asia/Seoul (settings.TIME_ZONE). A
# municipality elsewhere would read two partitions for one of its months.
ZONE = ZoneInfo(settings.TIME_ZONE)
_MONTH_NAME = re.compile(r"_(\d{4})_(\d{2})$")


def _table() -> str:
    return CollectionEvent._meta.db_table


def default_partition() -> str:
    return f"{_table()}_default"


def partition_name(month: date) -> str:
    return f"{_table()}_{month:%Y_%m}"


def month_start(month: date) -> datetime:
    """The first moment of `month` in the partitions' zone."""
    return datetime(month.year, month.month, 1, tzinfo=ZONE)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_of(moment: datetime) -> date:
    local = moment.astimezone(ZONE)
    return date(local.year, local.month, 1)


@dataclass(frozen=True)
class Partition:
    name: str
    month: date | None  # None for the default partition
    rows: int  # the planner's estimate, except for the default partition (counted)


def list_partitions() -> list[Partition]:
    """The partitions attached to the scans' table, months in order, the default last."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = %s::regclass
            """,
            [_table()],
        )
        rows = cursor.fetchall()
        months, default = [], []
        for name, estimate, is_default in rows:
            if is_default:
                cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(name)}")
                default.append(Partition(name=name, month=None, rows=cursor.fetchone()[0]))
                continue
            found = _MONTH_NAME.search(name)
            month = date(int(found.group(1)), int(found.group(2)), 1) if found else None
            months.append(Partition(name=name, month=month, rows=max(estimate, 0)))
    return sorted(months, key=lambda p: (p.month or date.min, p.name)) + default


def live_since() -> date | None:
    """Once months have been archived (the archive schema exists): the first month whose
    scans are all still in the scans' table, the earliest attached month or an earlier
    one of a scan waiting in the default partition. Every month before it was archived
    (and its table may since have been dropped after a dump), or never had scans. None
    when no month was ever archived: every scan is in the table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regnamespace(%s) IS NOT NULL", [ARCHIVE_SCHEMA])
        if not cursor.fetchone()[0]:
            return None
        cursor.execute(f"SELECT min(collected_at) FROM {default_partition()}")
        oldest_waiting = cursor.fetchone()[0]
    months = [p.month for p in list_partitions() if p.month is not None]
    if oldest_waiting is not None:
        months.append(month_of(oldest_waiting))
    return min(months, default=None)


def ensure_months(*, months_ahead: int | None = None, now: datetime | None = None) -> list[date]:
    """Make the partitions of the months a scan may still arrive for (from
    SCAN_MAX_AGE_DAYS ago), this month and the next `months_ahead`
    (EVENT_PARTITION_MONTHS_AHEAD), and of every month with scans in the default
    partition, moving those scans into it. Idempotent; returns the months made."""
    ahead = settings.EVENT_PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    now = now or timezone.now()
    month = month_of(now - timedelta(days=settings.SCAN_MAX_AGE_DAYS))
    last = month_of(now)
    for _ in range(ahead):
        last = next_month(last)
    wanted = set()
    while month <= last:
        wanted.add(month)
        month = next_month(month)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT date_trunc('month', collected_at AT TIME ZONE %s)::date FROM {default_partition()}",
            [ZONE.key],
        )
        wanted.update(row[0] for row in cursor.fetchall())
    made = []
    for month in sorted(wanted):
        if make_month(month):
            made.append(month)
    return made


def make_month(month: date) -> bool:
    """Attach the partition of `month`, with the default partition's scans of that month
    moved into it, in one transaction; False if it exists already.

    PostgreSQL refuses to attach a month while the default partition holds rows of it,
    so the rows go first: copied into a plain table built like the scans' table
    (every column as it is, recorded_xid included), deleted from the default partition,
    and the table attached. The default partition stays locked until commit, so no
    scan of that month can land there in between. Statement triggers fire only on the
    table a statement names, so the rollups on the scans' table see no change: the
    scans only move."""
    table, default, name = _table(), default_partition(), partition_name(month)
    start, end = month_start(month).isoformat(), month_start(next_month(month)).isoformat()
    columns = ", ".join(
        connection.ops.quote_name(field.column or field.attname) for field in CollectionEvent._meta.concrete_fields
    )
    with transaction.atomic(), connection.cursor() as cursor:
        # One maker at a time (the beat job and an operator's command may meet).
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        cursor.execute(f"LOCK TABLE ONLY {table} IN SHARE UPDATE EXCLUSIVE MODE")
        cursor.execute(f"LOCK TABLE {default} IN ACCESS EXCLUSIVE MODE")
        cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} WHERE collected_at >= %s AND collected_at < %s RETURNING {columns})"
            f" INSERT INTO {name} ({columns}) SELECT {columns} FROM moved",
            [start, end],
        )
        # Builds the partition's indexes and keys from the table's.
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{start}') TO ('{end}')")
    return True


def detach_month(month: date) -> str:
    """Take the month's partition out of the scans' table into the archive schema;
    returns its archived name. The caller has checked that the month may go."""
    table, name = _table(), partition_name(month)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {ARCHIVE_SCHEMA}")
        cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {name}")
        cursor.execute(f"ALTER TABLE {name} SET SCHEMA {ARCHIVE_SCHEMA}")
    return f"{ARCHIVE_SCHEMA}.{name}"
