"""The truck's reader against the real backend: the line drops mid-sync, the reader is
killed, and after a restart every scan is on the server exactly once.

The server is pytest-django's live server (a real Django thread on the test PostgreSQL
database); the reader is `python -m collector_app.reader --sync-only` in its own process,
twice; between them a proxy (tests/integration/cuttable_proxy.py) carries the requests
and, at the worst moment, delivers a batch, lets the server store it, loses the answer
and takes the line down.
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone as django_timezone

from backend.accounts.tokens import issue_token
from backend.collection_events.models import CollectionEvent, ScanReceipt
from backend.notifications.models import Notice
from backend.tags import codes
from collector_app.reader.outbox import Counts, Outbox, Scan, State
from tests.integration.cuttable_proxy import CuttableProxy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(200)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KST = timezone(timedelta(hours=9))
BATCH_SIZE = 25
SCAN_COUNT = 300
LOST_ANSWER = 5  # the fifth batch the server stores: its answer is lost with the line
UNKNOWN_AT = 30  # in the second batch, answered before the cut
EXCEPTIONS = {7: "not_put_out", 64: "contaminated", 118: "overfilled", 171: "bin_damaged", 240: "no_access"}


def wait_until(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def bins_in_round(f, district, owner, official):
    """Ten bins at six restaurants on the collector's round, each with an active tag written to a chip."""
    bins = []
    for n in range(6):
        restaurant = f.RestaurantFactory(district=district, owner=owner, name=f"식당 {n}")
        bins.extend(f.BinFactory(restaurant=restaurant, capacity_liters=120) for _ in range(2 if n < 4 else 1))
    tags = [f.TagFactory(bin=each, issued_by=official) for each in bins]
    for n, tag in enumerate(tags):
        tag.record_nfc_uid(f"04A1B2C3D4E5{n:02X}")
    return tags


def capture_a_round(outbox: Outbox, tags) -> list[Scan]:
    """What the capture loop would have saved over a day: taps, QR scans, typed codes, exceptions."""
    rng = random.Random(20261102)
    first = django_timezone.now().astimezone(KST).replace(microsecond=0) - timedelta(hours=21)
    scans = []
    for n in range(SCAN_COUNT):
        tag = tags[n % len(tags)]
        seen = {"collected_at": first + timedelta(minutes=4 * n), "device_id": "TRUCK-7"}
        weighed = {"weight_g": rng.randint(300, 60_000), "scale_id": "SCALE-7"}
        if n == UNKNOWN_AT:  # a label from another city's run, say: well-formed, not ours
            scan = Scan(tag=f"{settings.PUBLIC_BASE_URL}/t/{codes.new_code()}", source="qr", **seen, **weighed)
        elif n in EXCEPTIONS:
            scan = Scan(tag=tag.url, source="nfc", reader_uid=tag.nfc_uid, exception_code=EXCEPTIONS[n], **seen)
        elif n % 10 == 3:
            scan = Scan(tag=tag.manual_code, source="manual", **seen, **weighed)
        elif n % 10 == 6:
            scan = Scan(tag=tag.url, source="qr", **seen, **weighed)
        else:
            scan = Scan(tag=tag.url, source="nfc", reader_uid=tag.nfc_uid, **seen, **weighed)
        outbox.add(scan)
        scans.append(scan)
    return scans


class Reader:
    """`python -m collector_app.reader --sync-only` as the truck runs it, in its own process."""

    def __init__(self, config: Path, log_dir: Path):
        self.config = config
        self.log_dir = log_dir
        self.runs = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        self.runs += 1
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("COLLECTOR_") and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        }
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        with (self.log_dir / f"reader-run-{self.runs}.txt").open("w") as stdout:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "collector_app.reader",
                    "--config",
                    str(self.config),
                    "--sync-only",
                    "--deadline",
                    "45",
                ],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=stdout,
                stderr=subprocess.STDOUT,
            )
        return self.process

    def story(self) -> str:
        """What the reader printed and logged, for a failure message."""
        parts = [path.read_text(errors="replace") for path in sorted(self.log_dir.glob("reader-run-*.txt"))]
        log = self.log_dir / "reader.log"
        if log.exists():
            parts.append(log.read_text(errors="replace"))
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


def settled_outcomes(outbox_path: Path) -> dict[uuid.UUID, str]:
    """The server's word as the outbox recorded it per scan: created, duplicate or '' (not synced)."""
    with sqlite3.connect(outbox_path) as db:
        return {uuid.UUID(scan_id): outcome for scan_id, outcome in db.execute("SELECT id, outcome FROM scans")}


def test_a_cut_line_and_a_killed_reader_lose_no_scan_and_store_none_twice(
    live_server, collector, bins_in_round, tmp_path, eager_celery
):
    # eager_celery: the owners' notices are sent in the server's thread; the default broker
    # lives in the real database, not the test one, and a later worker would find them there.
    token, _expires_at = issue_token(collector)
    outbox_path = tmp_path / "outbox.sqlite3"
    with Outbox(outbox_path) as outbox:
        scans = capture_a_round(outbox, bins_in_round)
    unknown = scans[UNKNOWN_AT]
    stored = [scan for scan in scans if scan is not unknown]

    server = urlsplit(live_server.url)
    with CuttableProxy((server.hostname, server.port), lose_answer_to=LOST_ANSWER) as proxy:
        config = tmp_path / "reader.toml"
        config.write_text(
            f'[api]\nbase_url = "{proxy.url}"\ntoken = "{token}"\n\n'
            f'[nfc]\ndevice = "none"\n\n[vehicle]\nid = "TRUCK-7"\n\n'
            f'[outbox]\npath = "{outbox_path}"\n\n[sync]\nbatch_size = {BATCH_SIZE}\n',
            encoding="utf-8",
        )
        reader = Reader(config, tmp_path)
        try:
            first_run = reader.start()
            assert proxy.cut_happened.wait(60), "the reader never reached the fifth batch:\n" + reader.story()
            # The reader retries into the dead line (reset at once), then the truck loses power.
            wait_until(lambda: proxy.refused >= 1, timeout=20, what="the reader to retry into the dead line")
            assert first_run.poll() is None, "the reader gave up while the line was down:\n" + reader.story()
            first_run.send_signal(signal.SIGKILL)
            assert first_run.wait(10) == -signal.SIGKILL

            [lost] = [exchange for exchange in proxy.exchanges if exchange.status == 200 and not exchange.delivered]
            lost_ids = [uuid.UUID(event["id"]) for event in lost.request_json()["events"]]
            assert lost_ids == [scan.id for scan in scans[(LOST_ANSWER - 1) * BATCH_SIZE : LOST_ANSWER * BATCH_SIZE]]
            # The server stored the fifth batch; the outbox never heard, so it is still queued there.
            assert CollectionEvent.objects.count() == LOST_ANSWER * BATCH_SIZE - 1
            with Outbox(outbox_path) as outbox:
                assert {outbox.state_of(scan_id) for scan_id in lost_ids} == {State.QUEUED}
                assert outbox.counts().queued == SCAN_COUNT - (LOST_ANSWER - 1) * BATCH_SIZE

            answered_before_restart = len(proxy.exchanges)
            proxy.restore()
            second_run = reader.start()
            assert second_run.wait(60) == 0, "the restarted reader did not finish:\n" + reader.story()
        finally:
            reader.stop()

    # On the wire after the restart: the lost batch first, answered "duplicate" in full.
    resent = proxy.exchanges_since(answered_before_restart)
    assert [uuid.UUID(event["id"]) for event in resent[0].request_json()["events"]] == lost_ids
    assert {result["status"] for result in resent[0].answer_json()["results"]} == {"duplicate"}
    assert len(resent) == (SCAN_COUNT - (LOST_ANSWER - 1) * BATCH_SIZE) // BATCH_SIZE
    assert all(exchange.status == 200 and exchange.delivered for exchange in resent)

    # On the server: every scan once, as captured, for this collector.
    events = {event.id: event for event in CollectionEvent.objects.all()}
    assert set(events) == {scan.id for scan in stored}
    assert ScanReceipt.objects.count() == len(events) == SCAN_COUNT - 1
    for scan in stored:
        event = events[scan.id]
        as_stored = (event.weight_g, event.exception_code or None, event.collected_at, event.source)
        assert as_stored == (scan.weight_g, scan.exception_code, scan.collected_at, scan.source), scan
        assert (event.reader_uid, event.scale_id, event.collector_id) == (scan.reader_uid, scan.scale_id, collector.pk)
    # The owner hears once about each visit without a weighing, and once about each
    # weighing, retry or not.
    told = Notice.objects.values_list("about", flat=True)
    assert sorted(told.filter(kind="missed_pickup")) == sorted(str(scans[n].id) for n in EXCEPTIONS)
    assert sorted(told.filter(kind="pickup_done")) == sorted(str(scan.id) for scan in stored if scan.weight_g)

    # In the truck: everything synced but the unknown tag, which is kept with the reason.
    with Outbox(outbox_path) as outbox:
        assert outbox.counts() == Counts(queued=0, synced=SCAN_COUNT - 1, rejected=1)
        [rejection] = outbox.rejections()
        assert (rejection.scan, rejection.code) == (unknown, "unknown_tag")
    outcomes = settled_outcomes(outbox_path)
    assert {scan_id for scan_id, outcome in outcomes.items() if outcome == "duplicate"} == set(lost_ids)
    assert {outcomes[scan.id] for scan in stored if scan.id not in lost_ids} == {"created"}
