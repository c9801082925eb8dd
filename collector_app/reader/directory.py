"""A local copy of the bins the crew serves: which restaurant a tag belongs to.

The server identifies the tag; the reader only needs this to show the crew whose
bin they just weighed, and it must work with no network, so it is kept on disk and
refreshed by the sync thread. An unknown tag is still recorded (the server decides).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Tag URL: {PUBLIC_BASE_URL}/t/{code}, code = 16 chars of lowercase RFC 4648 base32.
_TAG_CODE = re.compile(r"^[a-z2-7]{16}$")
_TAG_URL = re.compile(r"/t/([a-z2-7]{16})(?:[/?#]|$)")
# Manual code: 8 random symbols + 1 check symbol from a 31-symbol alphabet (no I, L, O, U, V);
# the check makes Σ (i+1)·cᵢ ≡ 0 (mod 31). Same rule as the server's backend/tags/codes.py.
MANUAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTWXYZ"
_MANUAL_VALUE = {symbol: value for value, symbol in enumerate(MANUAL_ALPHABET)}
_MANUAL_CODE = re.compile(rf"^[{MANUAL_ALPHABET}]{{9}}$")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})  # what people type for the missing letters

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bin_directory (
    key TEXT PRIMARY KEY,
    restaurant_name TEXT NOT NULL,
    bin_label TEXT NOT NULL,
    capacity_liters INTEGER
);
"""


def tag_code_from_url(text: str) -> str | None:
    """'https://x.kr/t/abcdefghijklmnop?sun=…' or the bare code → 'abcdefghijklmnop'."""
    text = text.strip()
    if _TAG_CODE.match(text):
        return text
    match = _TAG_URL.search(text)
    return match.group(1) if match else None


def normalize_manual_code(text: str) -> str | None:
    """'abcd-efgh-k' → 'ABCDEFGHK' (O/I/L read as 0/1); None if it is not shaped like a manual code."""
    compact = re.sub(r"[\s-]", "", text).upper().translate(_LOOKALIKES)
    return compact if _MANUAL_CODE.match(compact) else None


def manual_code_checks_out(code: str) -> bool:
    """The check symbol matches: catches any one wrong symbol and any swap of two neighbours."""
    return sum((i + 1) * _MANUAL_VALUE[symbol] for i, symbol in enumerate(code)) % len(MANUAL_ALPHABET) == 0


def display_manual_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


@dataclass(frozen=True, slots=True)
class BinInfo:
    restaurant_name: str
    bin_label: str
    capacity_liters: int | None

    def describe(self) -> str:
        size = f" {self.capacity_liters}L" if self.capacity_liters else ""
        return f"{self.restaurant_name} / {self.bin_label}{size}".strip()


def _keys(entry: dict[str, Any]) -> list[str]:
    tag = entry.get("active_tag") or {}
    keys = []
    if code := tag_code_from_url(str(tag.get("code") or "")):
        keys.append(code)
    if manual := normalize_manual_code(str(tag.get("manual_code") or "")):
        keys.append(manual)
    return keys


class BinDirectory:
    def __init__(self, path: str | Path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def replace(self, bins: Iterable[dict[str, Any]]) -> int:
        """Replace the whole directory with the API's bin list (`GET /api/v1/bins/`)."""
        rows = [
            (key, str(entry.get("restaurant_name") or ""), str(entry.get("label") or ""), entry.get("capacity_liters"))
            for entry in bins
            for key in _keys(entry)
        ]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM bin_directory")
                self._db.executemany("INSERT OR REPLACE INTO bin_directory VALUES (?, ?, ?, ?)", rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return len(rows)

    def lookup(self, tag: str) -> BinInfo | None:
        """The bin for a tag URL, tag code or manual code, if the directory knows it."""
        key = tag_code_from_url(tag) or normalize_manual_code(tag)
        if key is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT restaurant_name, bin_label, capacity_liters FROM bin_directory WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else BinInfo(*row)
