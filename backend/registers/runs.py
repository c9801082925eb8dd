"""Writing a confirmed register import, a chunk of 관리번호 per transaction.

The worker reads the stored file again and walks its rows in 관리번호 order. Each
chunk compares its rows with the restaurants already imported, upserts those that
change on (municipality, register_id) — INSERT … ON CONFLICT DO UPDATE, which locks
each row it writes — and moves the import's cursor in the same transaction, so a worker killed at any
point leaves whole chunks or nothing; whoever runs the import next continues after
the cursor, and a chunk done twice writes the same values again (no duplicates).
Only one process works an import at a time: it holds a PostgreSQL advisory lock on
the import's id for as long as its connection lives, so a dead worker's lock goes
with it.
"""

import io
import logging
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from backend.registers import planning, reading
from backend.registers.models import ImportStatus, RegisterImport
from backend.registers.places import places_of
from backend.restaurants.models import NUMBER_SEQUENCE, Restaurant

logger = logging.getLogger(__name__)

BUSY = "busy"


def _lock_key(import_id) -> int:
    return int.from_bytes(uuid.UUID(str(import_id)).bytes[:8], "big", signed=True)


@contextmanager
def _sole_worker(import_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(import_id)])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(import_id)])


def existing_restaurants(municipality_id, register_ids=None) -> dict[str, dict]:
    """FIELDS of the municipality's imported restaurants, by 관리번호."""
    rows = Restaurant.objects.filter(municipality_id=municipality_id, register_id__isnull=False)
    if register_ids is not None:
        rows = rows.filter(register_id__in=register_ids)
    return {row["register_id"]: row for row in rows.values("register_id", *planning.FIELDS)}


def prepared_rows(register_import: RegisterImport):
    register = reading.read_register(bytes(register_import.content))
    register_import.file_format = register.format
    municipality = register_import.municipality
    return planning.prepare(
        register,
        places=places_of(municipality),
        source_crs=settings.REGISTER_SOURCE_CRS or "EPSG:2097",
        today=timezone.localdate(timezone=municipality.zone),
    )


def run_import(*, import_id, chunk_size: int | None = None, max_chunks: int | None = None) -> str:
    """Work a confirmed import to the end (or `max_chunks` chunks). Safe to call any
    number of times from any number of workers; returns the import's status."""
    with _sole_worker(import_id) as locked:
        if not locked:
            return BUSY
        register_import = RegisterImport.objects.select_related("municipality").get(id=import_id)
        if register_import.status != ImportStatus.RUNNING:
            return register_import.status
        try:
            return _run(register_import, chunk_size or settings.REGISTER_IMPORT_CHUNK_SIZE, max_chunks)
        except Exception as error:
            RegisterImport.objects.filter(id=import_id).update(
                status=ImportStatus.FAILED, finished_at=timezone.now(), last_error=repr(error)[:2000]
            )
            raise


def _run(register_import: RegisterImport, chunk_size: int, max_chunks: int | None) -> str:
    prepared, _refused, _warnings = prepared_rows(register_import)
    RegisterImport.objects.filter(id=register_import.id).update(total=len(prepared), heartbeat_at=timezone.now())
    written = {action: register_import.written.get(action, 0) for action in planning.ACTIONS}
    start = next((i for i, row in enumerate(prepared) if row.register_id > register_import.cursor), len(prepared))
    for chunks, begin in enumerate(range(start, len(prepared), chunk_size)):
        if max_chunks is not None and chunks >= max_chunks:
            return ImportStatus.RUNNING
        chunk = prepared[begin : begin + chunk_size]
        with transaction.atomic():
            _write_chunk(register_import, chunk, written)
            RegisterImport.objects.filter(id=register_import.id).update(
                cursor=chunk[-1].register_id,
                done=begin + len(chunk),
                written=written,
                heartbeat_at=timezone.now(),
            )
    # The file is no longer needed (what it did is in `written`, `refused` and `warnings`):
    # a Seoul-sized register is ~40 MB, every month.
    RegisterImport.objects.filter(id=register_import.id).update(
        status=ImportStatus.DONE,
        done=len(prepared),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        content=b"",
    )
    return ImportStatus.DONE


def _write_chunk(register_import: RegisterImport, chunk: list[planning.Prepared], written: dict) -> None:
    municipality_id = register_import.municipality_id
    # Not locked: most rows of a monthly file are unchanged, and locking them would
    # write every one (a row lock is a write in PostgreSQL). The upsert locks each row it
    # changes, and what it writes comes from the register, not from what we read.
    existing = existing_restaurants(municipality_id, [row.register_id for row in chunk])
    upserts = []
    for row in chunk:
        action, values = planning.decide(row, existing.get(row.register_id))
        written[action] += 1
        if action in (planning.CREATE, planning.UPDATE, planning.CLOSE):
            upserts.append((row.register_id, values))
    _upsert(municipality_id, upserts)


# Columns a new restaurant needs besides FIELDS; an existing one keeps its own.
_NEW_ONLY = ("id", "municipality_id", "register_id", "business_number", "created_at")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_cell(value) -> str:
    return "\\N" if value is None else str(value).translate(_COPY_ESCAPES)


def _upsert(municipality_id, upserts: list[tuple[str, dict]]) -> None:
    """Insert new restaurants and update imported ones in one statement: the rows go
    through COPY into a session-local staging table (a multi-row INSERT formats every
    parameter in Python), then INSERT … ON CONFLICT (municipality, 관리번호) DO UPDATE."""
    if not upserts:
        return
    now = timezone.now().isoformat()
    lines = []
    for register_id, values in upserts:
        cells = [uuid.uuid4(), municipality_id, register_id, "", now, *(values[field] for field in planning.FIELDS)]
        lines.append("\t".join(_copy_cell(cell) for cell in cells) + "\n")
    columns = ", ".join((*_NEW_ONLY, *planning.FIELDS))
    table = connection.ops.quote_name(Restaurant._meta.db_table)
    # updated_at: the crews' directory resends the restaurant's bins (routes/selectors.py).
    updates = ", ".join([*(f"{field} = EXCLUDED.{field}" for field in planning.FIELDS), "updated_at = now()"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS registers_staging (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
        )
        # A restaurant's number is its bit in the rollups (restaurants served), so none is
        # spent on a row that is not a new restaurant: not on the staged rows, and not on
        # the rows that update a restaurant (a default is taken before ON CONFLICT finds
        # the row). Every monthly run would otherwise leave gaps twice the register's size.
        cursor.execute(
            "ALTER TABLE registers_staging ALTER COLUMN number DROP DEFAULT, ALTER COLUMN number DROP NOT NULL"
        )
        cursor.execute("TRUNCATE registers_staging")  # a chunk before this one in the same transaction
        cursor.cursor.copy_expert(f"COPY registers_staging ({columns}) FROM STDIN", io.StringIO("".join(lines)))
        cursor.execute(
            f"INSERT INTO {table} ({columns}, number) "
            f"SELECT {columns}, CASE WHEN EXISTS (SELECT FROM {table} r WHERE r.municipality_id = s.municipality_id "
            f"AND r.register_id = s.register_id) THEN 0 ELSE nextval('{NUMBER_SEQUENCE}') END "
            f"FROM registers_staging s ORDER BY register_id "
            f"ON CONFLICT (municipality_id, register_id) DO UPDATE SET {updates}"
        )
