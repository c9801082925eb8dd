"""How long the vehicle reader takes to sync 1,000 queued scans, against the floor of one raw POST.

    python bench/bench_reader_sync.py                                   # in-process fake backend
    python bench/bench_reader_sync.py --api http://127.0.0.1:8000 --token <collector token> \\
        --tag https://…/t/<code> [--tag …]                               # the real backend

The sync time covers everything the reader does: reading the outbox, building the
events, the POSTs, and settling the answers with an fsync. The floor is one POST of a
1,000-event JSON of the same shape (fresh ids, so the server does the same work) with
plain `requests`. Target: 1,000 queued scans in ≤ 5 s against the real backend.
Without --tag the events name a tag the server does not know: they are all rejected,
which still exercises the whole path but is not the created-event case.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.waiting import until_answered
from collector_app.reader.outbox import Outbox, Scan
from collector_app.reader.sync import BATCH_PATH, Api, Syncer

UNKNOWN_TAG = "https://waste.example.go.kr/t/benchbenchbench2"


def make_scans(count: int, tags: list[str]) -> list[Scan]:
    now = datetime.now().astimezone()
    return [
        Scan(
            tag=tags[number % len(tags)],
            source="nfc",
            collected_at=now - timedelta(seconds=count - number),
            weight_g=5_000 + number,
            reader_uid="04A1B2C3D4E5F6",
            scale_id="BENCH-SCALE",
            device_id="BENCH-TRUCK",
        )
        for number in range(count)
    ]


def time_sync(api_url: str, token: str, scans: list[Scan], batch_size: int) -> tuple[float, dict[str, int]]:
    with tempfile.TemporaryDirectory() as folder, Outbox(Path(folder) / "outbox.sqlite3") as outbox:
        for scan in scans:
            outbox.add(scan)
        syncer = Syncer(outbox, Api(api_url, token), batch_size=batch_size)
        started = time.perf_counter()
        report = syncer.sync_once()
        elapsed = time.perf_counter() - started
        if report.failure is not None:
            raise SystemExit(f"sync failed: {report.failure}")
        counts = outbox.counts()
        if counts.queued:
            raise SystemExit(f"{counts.queued} scans still queued after sync")
        return elapsed, {"created": report.created, "duplicate": report.duplicate, "rejected": report.rejected}


def time_raw_post(api_url: str, token: str, scans: list[Scan]) -> float:
    events = [{**scan.to_event(), "id": str(uuid.uuid4())} for scan in scans]
    body = json.dumps({"events": events})
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    with requests.Session() as session:
        until_answered(  # warm-up: a cold server's first answer may take a while
            lambda timeout: session.post(
                api_url.rstrip("/") + BATCH_PATH, data='{"events": []}', headers=headers, timeout=timeout
            ),
            what=api_url,
            first_timeout=10,
        )
        started = time.perf_counter()
        response = session.post(api_url.rstrip("/") + BATCH_PATH, data=body, headers=headers, timeout=120)
        elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", help="backend base URL (default: an in-process fake backend)")
    parser.add_argument("--token", help="a collector's API token (with --api)")
    parser.add_argument("--tag", action="append", default=[], help="an existing tag URL/code to scan (repeatable)")
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()

    scans = make_scans(args.scans, args.tag or [UNKNOWN_TAG])
    fake = None
    if args.api:
        if not args.token:
            parser.error("--token is required with --api")
        api_url, token, against = args.api, args.token, f"backend {args.api}"
    else:
        from tests.collector_app.fake_backend import FakeBackend

        fake = FakeBackend(token="bench").start()
        fake.reject = lambda event: None  # accept every tag: the created-event path
        api_url, token, against = fake.url, "bench", "in-process fake backend"
    try:
        floor = time_raw_post(api_url, token, scans)
        sync_s, outcome = time_sync(api_url, token, scans, args.batch_size)
    finally:
        if fake is not None:
            fake.stop()

    print(f"against: {against}")
    print(f"scans: {len(scans)}, batch size {args.batch_size}; answers: {outcome}")
    print(f"reader sync (outbox → POST → settle): {sync_s:.3f} s")
    print(f"floor (one raw POST of {len(scans)} events): {floor:.3f} s")
    print(f"ratio sync/floor: {sync_s / floor:.2f}")
    print(f"target ≤ 5 s against the real backend: {'met' if sync_s <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
