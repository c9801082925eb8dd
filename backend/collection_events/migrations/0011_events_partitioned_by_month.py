"""The scans' table becomes a table partitioned by month (PARTITION BY RANGE
(collected_at)), one partition per calendar month of Asia/Seoul, the municipality's
zone, plus a DEFAULT partition that takes whatever no month partition covers, so no
scan is ever refused for lack of a partition. A billing month then reads one
partition; old months can be detached and archived (docs/operations.md,
"Scan partitions").

PostgreSQL requires a partitioned table's primary key to contain the partition key,
so the database's key is (id, collected_at). Django's state keeps `id` alone as the
primary key (this migration changes nothing in the state): the ORM addresses a scan
by id, and an id is still unique across partitions because every scan is stored
through its ScanReceipt, whose primary key is the id (services.record_collections).
No foreign key can name a scan by id alone any more; 0010 and its siblings in
billing, disputes and pickup_requests dropped those constraints first.

The rows are copied as they are, recorded_xid included: billing windows compare it
with invoice snapshots (docs/decisions/0002-billing-runs.md), so a scan must keep
the transaction id that first wrote it. The rollups' statement triggers
(rollups/migrations/0002) are created again on the new table, with the same names
and function; PostgreSQL allows statement triggers with transition tables on a
partitioned table (from version 10; the embedded server is 18, the shared one 15),
and their transition tables hold the rows of every partition a statement touched.
The copy happens before they exist, so the rollups do not count the scans twice.

Frozen SQL, as migrations must be: backend/collection_events/partitions.py creates
the later months the same way.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import migrations

TABLE = "collection_events_collectionevent"
ZONE = ZoneInfo("Asia/Seoul")
MONTHS_AHEAD = 3

INDEXES = {
    "collection_events_collectionevent_bin_id_a1ed4dbf": "bin_id",
    "collection_events_collectionevent_collector_id_37a45403": "collector_id",
    "collection_events_collectionevent_restaurant_id_d6473ee7": "restaurant_id",
    "collection_events_collectionevent_tag_id_78793148": "tag_id",
    "event_bin_time": "bin_id, collected_at",
    "event_collector_time": "collector_id, collected_at",
    "event_restaurant_time": "restaurant_id, collected_at",
}
FOREIGN_KEYS = {
    "collection_events_co_bin_id_a1ed4dbf_fk_restauran": ("bin_id", "restaurants_bin"),
    "collection_events_co_collector_id_37a45403_fk_accounts_": ("collector_id", "accounts_user"),
    "collection_events_co_restaurant_id_d6473ee7_fk_restauran": ("restaurant_id", "restaurants_restaurant"),
    "collection_events_co_tag_id_78793148_fk_tags_tag_": ("tag_id", "tags_tag"),
}
TRIGGERS = f"""
CREATE TRIGGER rollups_scans_inserted AFTER INSERT ON {TABLE}
  REFERENCING NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_scans_changed();
CREATE TRIGGER rollups_scans_updated AFTER UPDATE ON {TABLE}
  REFERENCING OLD TABLE AS old_scans NEW TABLE AS new_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_scans_changed();
CREATE TRIGGER rollups_scans_deleted AFTER DELETE ON {TABLE}
  REFERENCING OLD TABLE AS old_scans FOR EACH STATEMENT EXECUTE FUNCTION rollups_scans_changed();
"""


def _keys_indexes_and_triggers(primary_key: str) -> list[str]:
    """Everything the scans' table carries besides its columns and checks (which
    CREATE TABLE … LIKE copies), created after the rows are in: one index build per
    partition instead of one insert per row into each index."""
    return [
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({primary_key})",
        *(f"CREATE INDEX {name} ON {TABLE} ({columns})" for name, columns in INDEXES.items()),
        *(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target} (id)"
            " DEFERRABLE INITIALLY DEFERRED"
            for name, (column, target) in FOREIGN_KEYS.items()
        ),
        TRIGGERS,
    ]


def _month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=ZONE)


def _next(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months(schema_editor) -> list[date]:
    """The months of the scans stored, from the first to the last; last month (a scan
    may arrive up to SCAN_MAX_AGE_DAYS late), this month and the next MONTHS_AHEAD
    (later ones are made by the daily `ensure`)."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT min(collected_at AT TIME ZONE %s)::date, max(collected_at AT TIME ZONE %s)::date, "
            f"(now() AT TIME ZONE %s)::date FROM {TABLE}_unpartitioned",
            [ZONE.key] * 3,
        )
        first, last, today = cursor.fetchone()
    ahead = date(today.year, today.month, 1)
    for _ in range(MONTHS_AHEAD):
        ahead = _next(ahead)
    month = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)
    month = min(month, date(first.year, first.month, 1)) if first else month
    last = max(ahead, date(last.year, last.month, 1)) if last else ahead
    months = []
    while month <= last:
        months.append(month)
        month = _next(month)
    return months


def partition(schema_editor) -> None:
    execute = schema_editor.execute
    execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_unpartitioned")
    execute(
        f"CREATE TABLE {TABLE} (LIKE {TABLE}_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        " PARTITION BY RANGE (collected_at)"
    )
    execute(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
    for month in _months(schema_editor):
        execute(
            f"CREATE TABLE {TABLE}_{month:%Y_%m} PARTITION OF {TABLE}"
            f" FOR VALUES FROM ('{_month_start(month).isoformat()}') TO ('{_month_start(_next(month)).isoformat()}')"
        )
    # Same columns in the same order (LIKE), recorded_xid included.
    execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_unpartitioned")
    # Takes the old table's triggers, indexes and outgoing keys with it; refuses if a
    # foreign key still pointed at it.
    execute(f"DROP TABLE {TABLE}_unpartitioned")
    for statement in _keys_indexes_and_triggers("id, collected_at"):
        execute(statement)


def unpartition(schema_editor) -> None:
    """Back to one plain table keyed by id (months detached to the archive stay there)."""
    execute = schema_editor.execute
    execute(f"ALTER TABLE {TABLE} RENAME TO {TABLE}_partitioned")
    execute(f"CREATE TABLE {TABLE} (LIKE {TABLE}_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE}_partitioned")
    execute(f"DROP TABLE {TABLE}_partitioned")
    for statement in _keys_indexes_and_triggers("id"):
        execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("collection_events", "0010_scan_keys_without_database_constraint"),
        ("billing", "0010_scan_keys_without_database_constraint"),
        ("disputes", "0004_scan_keys_without_database_constraint"),
        ("pickup_requests", "0003_scan_key_without_database_constraint"),
        ("rollups", "0002_kept_by_triggers"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: partition(schema_editor),
            lambda apps, schema_editor: unpartition(schema_editor),
        )
    ]
