"""The durable local outbox: every scan is on disk before the crew is told "saved".

SQLite in WAL mode with `synchronous=FULL`: a commit returns only after the WAL is
fsynced, so a power cut between scan and sync loses nothing (WAL with the default
NORMAL would be consistent but could lose the last commits). A scan stays in the
outbox for good: queued → synced (the server created it or already had it) or
rejected (kept with the server's reason for the crew and the office to see).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

SOURCES = ("nfc", "qr", "manual")
EXCEPTION_CODES = ("not_put_out", "contaminated", "overfilled", "bin_damaged", "no_access", "tag_unreadable")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    id TEXT PRIMARY KEY,
    tag TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('nfc', 'qr', 'manual')),
    collected_at TEXT NOT NULL,
    weight_g INTEGER CHECK (weight_g > 0),
    exception_code TEXT,
    reader_uid TEXT NOT NULL DEFAULT '',
    scale_id TEXT NOT NULL DEFAULT '',
    device_id TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'synced', 'rejected')),
    outcome TEXT NOT NULL DEFAULT '',
    error_code TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    error_fields TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    settled_at TEXT NOT NULL DEFAULT '',
    CHECK ((weight_g IS NULL) <> (exception_code IS NULL))
);
CREATE INDEX IF NOT EXISTS scans_by_state ON scans (state);
"""

_COLUMNS = "rowid, id, tag, source, collected_at, weight_g, exception_code, reader_uid, scale_id, device_id, state"


class State(StrEnum):
    QUEUED = "queued"
    SYNCED = "synced"
    REJECTED = "rejected"


def grams_to_kg_text(grams: int) -> str:
    """12345 → '12.345': the API's decimal string, with no float in between."""
    return f"{grams // 1000}.{grams % 1000:03d}"


@dataclass(frozen=True, slots=True)
class Scan:
    """One visit to one bin, as captured in the truck."""

    tag: str
    source: str
    collected_at: datetime
    weight_g: int | None = None
    exception_code: str | None = None
    reader_uid: str = ""
    scale_id: str = ""
    device_id: str = ""
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        if (self.weight_g is None) == (self.exception_code is None):
            raise ValueError("a scan has either a weight or an exception code")
        if self.exception_code is not None and self.exception_code not in EXCEPTION_CODES:
            raise ValueError(f"exception_code must be one of {EXCEPTION_CODES}")
        if self.weight_g is not None and self.weight_g <= 0:
            raise ValueError("a weight must be more than 0 g")
        if self.collected_at.utcoffset() is None:
            raise ValueError("collected_at must carry its UTC offset")

    def to_event(self) -> dict[str, str]:
        """The batch API's event for this scan."""
        event = {
            "id": str(self.id),
            "tag": self.tag,
            "source": self.source,
            "collected_at": self.collected_at.isoformat(),
        }
        if self.weight_g is not None:
            event["weight_kg"] = grams_to_kg_text(self.weight_g)
        if self.exception_code is not None:
            event["exception_code"] = self.exception_code
        for name in ("reader_uid", "scale_id", "device_id"):
            if value := getattr(self, name):
                event[name] = value
        return event


@dataclass(frozen=True, slots=True)
class QueuedScan:
    position: int  # insertion order in the outbox, for paging through the queue
    scan: Scan


@dataclass(frozen=True, slots=True)
class Rejection:
    scan: Scan
    code: str
    message: str
    fields: dict
    settled_at: datetime


@dataclass(frozen=True, slots=True)
class Counts:
    queued: int = 0
    synced: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """The server's answer for one event."""

    id: uuid.UUID
    status: str  # created | duplicate | rejected
    error_code: str = ""
    error_message: str = ""
    error_fields: dict = field(default_factory=dict)


def _scan_from_row(row: sqlite3.Row) -> Scan:
    return Scan(
        id=uuid.UUID(row["id"]),
        tag=row["tag"],
        source=row["source"],
        collected_at=datetime.fromisoformat(row["collected_at"]),
        weight_g=row["weight_g"],
        exception_code=row["exception_code"],
        reader_uid=row["reader_uid"],
        scale_id=row["scale_id"],
        device_id=row["device_id"],
    )


class Outbox:
    """Thread-safe: the crew's loop adds, the sync thread reads and settles."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so "committed" is explicit.
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add(self, scan: Scan) -> None:
        """Store a new scan durably. When this returns, the scan survives a power cut."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO scans (id, tag, source, collected_at, weight_g, exception_code,"
                " reader_uid, scale_id, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(scan.id),
                    scan.tag,
                    scan.source,
                    scan.collected_at.isoformat(),
                    scan.weight_g,
                    scan.exception_code,
                    scan.reader_uid,
                    scan.scale_id,
                    scan.device_id,
                ),
            )

    def queued(self, *, after: int = 0, limit: int = 1000) -> list[QueuedScan]:
        """Queued scans in capture order, starting after position `after`."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM scans WHERE state = 'queued' AND rowid > ? ORDER BY rowid LIMIT ?",
                (after, limit),
            ).fetchall()
        return [QueuedScan(position=row["rowid"], scan=_scan_from_row(row)) for row in rows]

    def note_attempt(self, ids: Iterable[uuid.UUID]) -> None:
        """Count a send attempt (for the office's diagnosis), one transaction for the whole batch."""
        with self._transaction():
            self._db.executemany(
                "UPDATE scans SET attempts = attempts + 1 WHERE id = ?", [(str(scan_id),) for scan_id in ids]
            )

    def settle(self, outcomes: Sequence[Outcome], *, now: datetime | None = None) -> None:
        """Record the server's answers in one transaction (one fsync for a whole batch).

        Only queued scans change: an answer never moves a scan out of synced or
        rejected, so a late duplicate answer cannot undo a settled fate.
        """
        settled_at = (now or datetime.now(UTC)).isoformat()
        synced = [(o.status, settled_at, str(o.id)) for o in outcomes if o.status in ("created", "duplicate")]
        rejected = [
            (o.error_code, o.error_message, json.dumps(o.error_fields, ensure_ascii=False), settled_at, str(o.id))
            for o in outcomes
            if o.status == "rejected"
        ]
        with self._transaction():
            self._db.executemany(
                "UPDATE scans SET state = 'synced', outcome = ?, settled_at = ? WHERE id = ? AND state = 'queued'",
                synced,
            )
            self._db.executemany(
                "UPDATE scans SET state = 'rejected', error_code = ?, error_message = ?, error_fields = ?,"
                " settled_at = ? WHERE id = ? AND state = 'queued'",
                rejected,
            )

    def counts(self) -> Counts:
        with self._lock:
            rows = self._db.execute("SELECT state, count(*) FROM scans GROUP BY state").fetchall()
        return Counts(**{state: number for state, number in rows})

    def state_of(self, scan_id: uuid.UUID) -> State | None:
        with self._lock:
            row = self._db.execute("SELECT state FROM scans WHERE id = ?", (str(scan_id),)).fetchone()
        return None if row is None else State(row["state"])

    def rejections(self, *, limit: int = 50) -> list[Rejection]:
        """Rejected scans, newest answer first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS}, error_code, error_message, error_fields, settled_at FROM scans"
                " WHERE state = 'rejected' ORDER BY settled_at DESC, rowid DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            Rejection(
                scan=_scan_from_row(row),
                code=row["error_code"],
                message=row["error_message"],
                fields=json.loads(row["error_fields"] or "{}"),
                settled_at=datetime.fromisoformat(row["settled_at"]),
            )
            for row in rows
        ]

    def requeue_rejected(self) -> int:
        """Send rejected scans again (after the office fixed the cause, e.g. registered the tag)."""
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE scans SET state = 'queued', error_code = '', error_message = '', error_fields = '',"
                " settled_at = '' WHERE state = 'rejected'"
            )
        return cursor.rowcount
