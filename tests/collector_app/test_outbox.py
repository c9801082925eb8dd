"""The outbox: a scan the crew was told is saved survives the process dying, exactly once."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from collector_app.reader.outbox import Outbox, Outcome, Scan, State

KST = timezone(timedelta(hours=9))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A child process that saves scans and reports each one only once `add()` returned,
# i.e. at the moment the real loop would tell the crew "saved".
CHILD = textwrap.dedent(
    """
    import sys, uuid
    from datetime import datetime, timezone, timedelta
    from collector_app.reader.outbox import Outbox, Scan

    outbox = Outbox(sys.argv[1])
    mode = sys.argv[2]
    for number in range(int(sys.argv[3])):
        scan = Scan(
            tag="https://waste.example.go.kr/t/abcdefghijklmnop",
            source="nfc",
            collected_at=datetime(2026, 11, 2, 7, 30, number, tzinfo=timezone(timedelta(hours=9))),
            weight_g=12_340 + number,
            reader_uid="04A1B2C3D4E5F6",
            scale_id="TRUCK-7",
        )
        outbox.add(scan)
        print("SAVED", scan.id, flush=True)
        if mode == "exit":
            import os
            os._exit(0)  # no cleanup, no close, no checkpoint
    input()  # wait to be killed
    """
)


def scan(**overrides):
    values = {
        "tag": "https://waste.example.go.kr/t/abcdefghijklmnop",
        "source": "nfc",
        "collected_at": datetime(2026, 11, 2, 7, 30, tzinfo=KST),
        "weight_g": 12_340,
        "reader_uid": "04A1B2C3D4E5F6",
        "scale_id": "TRUCK-7",
        "device_id": "서울12가3456",
    }
    return Scan(**{**values, **overrides})


def start_child(path, mode, count):
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), mode, str(count)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_saved_scan_survives_the_process_exiting_without_cleanup(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    child = start_child(path, "exit", 1)
    line = child.stdout.readline()
    child.wait(timeout=20)
    assert line.startswith("SAVED ")
    saved_id = uuid.UUID(line.split()[1])

    with Outbox(path) as outbox:
        queued = outbox.queued()
    assert [q.scan.id for q in queued] == [saved_id]
    assert queued[0].scan.weight_g == 12_340
    assert queued[0].scan.reader_uid == "04A1B2C3D4E5F6"


def test_scans_survive_sigkill_right_after_saved_exactly_once(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    child = start_child(path, "loop", 200)
    told_saved = []
    while len(told_saved) < 25:
        told_saved.append(uuid.UUID(child.stdout.readline().split()[1]))
    child.send_signal(signal.SIGKILL)  # mid-stream: it may be inside the next commit
    child.wait(timeout=20)

    with Outbox(path) as outbox:
        stored = [q.scan for q in outbox.queued(limit=1000)]
    ids = [each.id for each in stored]
    assert ids[: len(told_saved)] == told_saved  # every scan the crew was told about, in order
    assert len(ids) == len(set(ids))  # and none twice
    assert [each.weight_g for each in stored] == [12_340 + n for n in range(len(stored))]  # whole rows, no torn ones


def test_every_commit_is_fsynced_with_a_write_ahead_log(tmp_path):
    # WAL with synchronous=NORMAL survives a crash of the program but not of the power;
    # FULL fsyncs the log at every commit, which is what "saved" must mean in a truck.
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        assert outbox._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert outbox._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_the_same_scan_cannot_be_stored_twice(tmp_path):
    one = scan()
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        outbox.add(one)
        with pytest.raises(sqlite3.IntegrityError):
            outbox.add(one)
        assert outbox.counts().queued == 1


def test_a_scan_round_trips_with_its_event_fields(tmp_path):
    original = scan(weight_g=5)
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        outbox.add(original)
        [queued] = outbox.queued()
    assert queued.scan == original
    assert queued.scan.to_event() == {
        "id": str(original.id),
        "tag": "https://waste.example.go.kr/t/abcdefghijklmnop",
        "source": "nfc",
        "collected_at": "2026-11-02T07:30:00+09:00",
        "weight_kg": "0.005",
        "reader_uid": "04A1B2C3D4E5F6",
        "scale_id": "TRUCK-7",
        "device_id": "서울12가3456",
    }


def test_an_exception_scan_has_a_code_and_no_weight(tmp_path):
    event = scan(weight_g=None, exception_code="contaminated", scale_id="").to_event()
    assert event["exception_code"] == "contaminated"
    assert "weight_kg" not in event
    assert "scale_id" not in event


@pytest.mark.parametrize(
    "overrides",
    [
        {"weight_g": None},  # neither weight nor exception
        {"exception_code": "not_put_out"},  # both
        {"weight_g": 0},
        {"weight_g": -20},
        {"weight_g": None, "exception_code": "lost"},
        {"source": "bluetooth"},
        {"collected_at": datetime(2026, 11, 2, 7, 30)},  # no offset
    ],
)
def test_impossible_scans_are_refused_before_storage(overrides):
    with pytest.raises(ValueError):
        scan(**overrides)


def test_answers_settle_queued_scans_and_rejections_are_kept(tmp_path):
    created, duplicate, rejected = scan(), scan(), scan(tag="https://waste.example.go.kr/t/unknownunknown22")
    with Outbox(tmp_path / "outbox.sqlite3") as outbox:
        for each in (created, duplicate, rejected):
            outbox.add(each)
        outbox.settle(
            [
                Outcome(created.id, "created"),
                Outcome(duplicate.id, "duplicate"),
                Outcome(rejected.id, "rejected", "unknown_tag", "등록되지 않은 태그입니다.", {"tag": ["unknown"]}),
            ]
        )
        assert outbox.counts().synced == 2
        assert outbox.queued() == []
        [kept] = outbox.rejections()
        assert kept.scan == rejected
        assert (kept.code, kept.fields) == ("unknown_tag", {"tag": ["unknown"]})
        assert kept.message == "등록되지 않은 태그입니다."

        # A late answer cannot move a settled scan.
        outbox.settle([Outcome(rejected.id, "created"), Outcome(created.id, "rejected", "x", "y")])
        assert outbox.state_of(rejected.id) is State.REJECTED
        assert outbox.state_of(created.id) is State.SYNCED

        assert outbox.requeue_rejected() == 1
        assert [q.scan.id for q in outbox.queued()] == [rejected.id]
