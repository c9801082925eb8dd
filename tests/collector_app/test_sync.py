"""Sync against a fake backend on loopback: cuts, retries, rejections, and every scan exactly once."""

import random
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from collector_app.reader.outbox import Outbox, Scan, State
from collector_app.reader.sync import Api, Backoff, BatchRefused, LinkState, Syncer, TransientFailure
from tests.collector_app.fake_backend import TOKEN, FakeBackend

KST = timezone(timedelta(hours=9))
TAG = "https://waste.example.go.kr/t/abcdefghijklmnop"


def make_scan(number: int, *, tag: str = TAG) -> Scan:
    return Scan(
        tag=tag,
        source="nfc",
        collected_at=datetime(2026, 11, 2, 7, 0, tzinfo=KST) + timedelta(seconds=number),
        weight_g=1_000 + number,
        reader_uid="04A1B2C3D4E5F6",
        scale_id="TRUCK-7",
    )


@pytest.fixture
def backend():
    with FakeBackend() as backend:
        yield backend


@pytest.fixture
def outbox(tmp_path):
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        yield outbox


def queue_scans(outbox: Outbox, count: int, **kwargs) -> list[Scan]:
    scans = [make_scan(n, **kwargs) for n in range(count)]
    for each in scans:
        outbox.add(each)
    return scans


def fast_backoff() -> Backoff:
    return Backoff(base_s=0.01, cap_s=0.05, rng=random.Random(7))


def test_queued_scans_arrive_with_the_contract_fields(backend, outbox):
    [one] = queue_scans(outbox, 1)
    report = Syncer(outbox, Api(backend.url, TOKEN)).sync_once()
    assert (report.sent, report.created, report.failure) == (1, 1, None)
    assert backend.events[str(one.id)] == {
        "id": str(one.id),
        "tag": TAG,
        "source": "nfc",
        "collected_at": "2026-11-02T07:00:00+09:00",
        "weight_kg": "1.000",
        "reader_uid": "04A1B2C3D4E5F6",
        "scale_id": "TRUCK-7",
    }
    assert outbox.state_of(one.id) is State.SYNCED


def test_batches_of_at_most_the_configured_size(backend, outbox):
    queue_scans(outbox, 25)
    report = Syncer(outbox, Api(backend.url, TOKEN), batch_size=10).sync_once()
    assert report.created == 25
    assert backend.batches == [10, 10, 5]


def test_network_cut_mid_sync_then_back_every_scan_exactly_once(backend, outbox):
    scans = queue_scans(outbox, 25)
    syncer = Syncer(outbox, Api(backend.url, TOKEN), batch_size=10, backoff=fast_backoff())

    # The second batch reaches the server and is stored, then the line drops before the answer.
    backend.go_down_at_batch = 2
    report = syncer.sync_once()
    assert report.created == 10
    assert isinstance(report.failure, TransientFailure)
    assert syncer.link.state is LinkState.OFFLINE
    assert outbox.counts().synced == 10 and outbox.counts().queued == 15
    assert len(backend.events) == 20  # the server has more than the truck knows

    time.sleep(0.2)  # the backend is now down: nothing changes, nothing is lost
    assert isinstance(syncer.sync_once().failure, TransientFailure)
    assert outbox.counts().queued == 15

    backend.start()  # back on the same port
    report = syncer.flush(timeout_s=10)
    assert report.failure is None
    assert (report.created, report.duplicate) == (5, 10)  # the cut batch is answered "duplicate"
    assert outbox.counts().synced == 25 and outbox.counts().queued == 0
    assert sorted(backend.events) == sorted(str(s.id) for s in scans)
    assert syncer.link.state is LinkState.ONLINE


def test_server_errors_are_retried_with_growing_jittered_delays(backend, outbox):
    queue_scans(outbox, 3)
    backend.failures = [(503, {}), (502, {}), (500, {}), (429, {"Retry-After": "1"})]
    delays: list[float] = []
    syncer = Syncer(outbox, Api(backend.url, TOKEN), backoff=Backoff(base_s=0.1, cap_s=10, rng=random.Random(1)))
    report = syncer.flush(timeout_s=30, sleep=delays.append)
    assert report.failure is None and report.created == 3
    assert len(delays) == 4
    assert 0.05 <= delays[0] <= 0.1 and 0.1 <= delays[1] <= 0.2 and 0.2 <= delays[2] <= 0.4
    assert delays[3] >= 1  # Retry-After is honoured
    assert len(backend.events) == 3


def test_backoff_is_capped_and_jittered():
    backoff = Backoff(base_s=1, cap_s=60, rng=random.Random(3))
    delays = [backoff.next_delay() for _ in range(12)]
    assert all(30 <= d <= 60 for d in delays[6:])
    assert len(set(delays)) == len(delays)  # two trucks rarely retry in the same instant
    backoff.reset()
    assert backoff.next_delay() <= 1


def test_rejected_event_is_kept_with_its_reason_and_not_resent(backend, outbox):
    good = queue_scans(outbox, 2)
    bad = make_scan(99, tag="https://waste.example.go.kr/t/unknownunknown22")
    outbox.add(bad)
    syncer = Syncer(outbox, Api(backend.url, TOKEN))
    report = syncer.sync_once()
    assert (report.created, report.rejected) == (2, 1)
    [rejection] = outbox.rejections()
    assert rejection.scan.id == bad.id
    assert rejection.code == "unknown_tag"
    assert rejection.message.startswith("등록되지 않은 태그입니다")
    assert str(bad.id) not in backend.events
    assert {str(s.id) for s in good} <= set(backend.events)

    assert syncer.sync_once().sent == 0  # settled scans are not sent again
    assert backend.batches == [3]


def test_a_refused_token_keeps_every_scan_and_says_why(backend, outbox):
    scans = queue_scans(outbox, 4)
    syncer = Syncer(outbox, Api(backend.url, "stolen-or-expired"))
    report = syncer.sync_once()
    assert isinstance(report.failure, BatchRefused) and report.failure.status == 401
    assert syncer.link.state is LinkState.REFUSED
    assert "토큰" in syncer.link.message
    assert outbox.counts().queued == 4

    syncer.api = Api(backend.url, TOKEN)  # the office issues a new token
    assert syncer.sync_once().created == 4
    assert sorted(backend.events) == sorted(str(s.id) for s in scans)


def test_unanswered_events_stay_queued(backend, outbox):
    queue_scans(outbox, 5)
    backend.answer_only_first = 3
    report = Syncer(outbox, Api(backend.url, TOKEN)).sync_once()
    assert (report.created, report.unanswered) == (3, 2)
    assert isinstance(report.failure, TransientFailure)
    assert outbox.counts().queued == 2

    backend.answer_only_first = None
    report = Syncer(outbox, Api(backend.url, TOKEN)).sync_once()
    assert (report.sent, report.duplicate, report.failure) == (2, 2, None)  # stored the first time
    assert outbox.counts().synced == 5


def test_a_server_with_a_smaller_batch_limit_gets_smaller_batches(backend, outbox):
    queue_scans(outbox, 9)
    backend.max_batch = 4
    report = Syncer(outbox, Api(backend.url, TOKEN), batch_size=1000).sync_once()
    assert report.created == 9 and report.failure is None
    assert backend.batches[0] == 9 and max(backend.batches[1:]) <= 4


def test_an_unreachable_server_is_a_transient_failure(outbox):
    queue_scans(outbox, 1)
    with FakeBackend() as gone:
        url = gone.url
    report = Syncer(outbox, Api(url, TOKEN, timeout_s=(1, 1))).sync_once()
    assert isinstance(report.failure, TransientFailure)
    assert "연결할 수 없습니다" in report.failure.message
    assert outbox.counts().queued == 1


def test_background_sync_while_capturing_through_an_outage_delivers_each_scan_once(backend, outbox):
    changes = threading.Event()
    syncer = Syncer(
        outbox, Api(backend.url, TOKEN), batch_size=7, backoff=fast_backoff(), interval_s=0.05, on_change=changes.set
    )
    syncer.start()
    try:
        scans = []
        for number in range(60):
            scans.append(make_scan(number))
            outbox.add(scans[-1])
            syncer.wake()
            if number == 20:
                backend.drop_after_storing = 1
            if number == 30:
                backend.stop()
            if number == 45:
                backend.start()
            time.sleep(0.005)
        deadline = time.monotonic() + 15
        while outbox.counts().synced < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        syncer.stop()
    assert outbox.counts().synced == 60
    assert sorted(backend.events) == sorted(str(s.id) for s in scans)
    assert changes.is_set()


def test_the_bin_list_is_read_across_pages(backend):
    backend.bins = [{"id": str(uuid.uuid4()), "label": f"bin {n}"} for n in range(5)]
    labels = [entry["label"] for entry in Api(backend.url, TOKEN).list_bins()]
    assert labels == [f"bin {n}" for n in range(5)]


def test_a_batch_refused_for_one_event_delivers_the_others_and_keeps_that_one_rejected(backend, outbox):
    scans = queue_scans(outbox, 10)
    poison = scans[6]
    backend.unreadable = lambda event: event["id"] == str(poison.id)
    syncer = Syncer(outbox, Api(backend.url, TOKEN), backoff=fast_backoff())
    report = syncer.sync_once()
    assert report.failure is None
    assert (report.created, report.rejected) == (9, 1)
    assert sorted(backend.events) == sorted(str(s.id) for s in scans if s is not poison)
    [rejection] = outbox.rejections()
    assert (rejection.scan.id, rejection.code) == (poison.id, "parse_error")
    assert rejection.message.startswith("요청을 읽을 수 없습니다")
    assert outbox.counts().queued == 0
    assert len(backend.batches) <= 2 * 4 + 1  # bisection: about 2·log₂ n requests, not n

    # The outbox is not stuck: new scans go through, the rejected one is not resent.
    fresh = make_scan(50)
    outbox.add(fresh)
    assert syncer.sync_once().created == 1
    assert backend.batches[-1] == 1 and str(fresh.id) in backend.events


def test_several_refused_events_each_found_and_kept(backend, outbox):
    scans = queue_scans(outbox, 40)
    poison = {str(scans[n].id) for n in (0, 17, 18, 39)}
    backend.unreadable = lambda event: event["id"] in poison
    report = Syncer(outbox, Api(backend.url, TOKEN), batch_size=16).flush(timeout_s=10)
    assert report.failure is None
    assert (report.created, report.rejected) == (36, 4)
    assert {str(r.scan.id) for r in outbox.rejections()} == poison
    assert len(backend.events) == 36 and outbox.counts().queued == 0


def test_a_refused_token_is_not_bisected(backend, outbox):
    queue_scans(outbox, 8)
    report = Syncer(outbox, Api(backend.url, "expired")).sync_once()
    assert isinstance(report.failure, BatchRefused)
    assert outbox.counts().queued == 8 and not outbox.rejections()


@pytest.mark.parametrize("status", [503, 429, 502])
def test_try_later_answers_keep_the_scans_and_honour_retry_after(backend, outbox, status):
    queue_scans(outbox, 3)
    backend.failures = [(status, {"Retry-After": "7"})]
    delays: list[float] = []
    syncer = Syncer(outbox, Api(backend.url, TOKEN), backoff=Backoff(base_s=0.1, cap_s=1, rng=random.Random(1)))
    report = syncer.flush(timeout_s=60, sleep=delays.append)
    assert report.failure is None and report.created == 3
    assert delays == [7.0]
    assert not outbox.rejections()


def test_retry_after_as_an_http_date(backend, outbox):
    from email.utils import format_datetime

    queue_scans(outbox, 1)
    when = datetime.now(UTC) + timedelta(seconds=30)
    backend.failures = [(503, {"Retry-After": format_datetime(when, usegmt=True)})]
    delays: list[float] = []
    syncer = Syncer(outbox, Api(backend.url, TOKEN), backoff=Backoff(base_s=0.1, cap_s=1, rng=random.Random(1)))
    syncer.flush(timeout_s=120, sleep=delays.append)
    assert len(delays) == 1 and 25 <= delays[0] <= 31
