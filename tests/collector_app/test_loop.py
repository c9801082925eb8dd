"""The reader loop end to end: devices at their module boundary, a real outbox, a fake backend.

In-process tests inject a scripted tag source (the crew's taps) and the real `Scale` on
a pty; the subprocess tests run `python -m collector_app.reader` itself with nfcpy's
udp driver against the NTAG emulator.
"""

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import ndef
import pytest

from collector_app.reader.__main__ import main, open_devices, run
from collector_app.reader.config import load_config
from collector_app.reader.directory import BinDirectory
from collector_app.reader.nfc import TagRead
from collector_app.reader.outbox import Outbox
from collector_app.reader.screen import Keyboard
from collector_app.reader.sync import Backoff
from tests.collector_app.fake_backend import TOKEN, FakeBackend, bin_entry
from tests.collector_app.indicator import Indicator
from tests.tag_tools.ntag_emulator import NtagEmulator

REPO = Path(__file__).resolve().parents[2]
CODE = "abcdefghijklmnop"
URL = f"https://waste.example.go.kr/t/{CODE}"
UID = "04A1B2C3D4E5F6"
MOVING = ["US,GS,+  10.02kg", "US,GS,+  12.96kg", "US,GS,+  12.38kg"]
SEOGYO_BIN = bin_entry(
    code=CODE, manual_code="ABCDEFGHR", restaurant_name="한솥도시락 서교점", label="주방 뒤", capacity=120
)


class ScriptedTags:
    """The crew's taps, in order, each with the keys they press after it; then they quit.

    `keys_after_s` delays the keys, as a crew member who first watches the scale would.
    """

    def __init__(
        self, keyboard: Keyboard, stop: threading.Event, taps: list[tuple[TagRead, list[str]]], keys_after_s: float = 0
    ):
        self.keyboard, self.stop, self.taps, self.keys_after_s = keyboard, stop, list(taps), keys_after_s

    def wait_for_tag(self, *, timeout_s, cancel):
        if not self.taps:
            self.stop.set()
            return None
        read, keys = self.taps.pop(0)
        if self.keys_after_s:
            threading.Timer(self.keys_after_s, self.keyboard.feed, keys).start()
        else:
            self.keyboard.feed(*keys)
        return read


class RecordingSignal:
    def __init__(self):
        self.events: list[str] = []

    def ok(self):
        self.events.append("ok")

    def error(self):
        self.events.append("error")


@pytest.fixture
def backend():
    with FakeBackend(bins=[SEOGYO_BIN]) as backend:
        yield backend


@pytest.fixture
def indicator():
    with Indicator() as indicator:
        yield indicator


def reader_config(tmp_path: Path, backend: FakeBackend, **settings: str):
    environ = {
        "COLLECTOR_API_BASE_URL": backend.url,
        "COLLECTOR_API_TOKEN": TOKEN,
        "COLLECTOR_OUTBOX_PATH": str(tmp_path / "outbox.sqlite3"),
        "COLLECTOR_VEHICLE_ID": "서울12가3456",
        "COLLECTOR_NFC_DEVICE": "none",
        "COLLECTOR_SCALE_STABLE_READINGS": "2",
        "COLLECTOR_SCALE_TIMEOUT_SECONDS": "5",
        **{f"COLLECTOR_{name.upper()}": value for name, value in settings.items()},
    }
    return load_config(None, environ=environ)


def run_loop(config, *, taps=(), keys=(), scale=True, once=True, deadline_s=10.0, keys_after_s=0.0):
    stop = threading.Event()
    keyboard = Keyboard()
    keyboard.feed(*keys)
    tags = ScriptedTags(keyboard, stop, list(taps), keys_after_s) if taps else None
    _, real_scale = open_devices(config)
    screen, signal_ = io.StringIO(), RecordingSignal()
    status = run(
        config,
        tags=tags,
        scale=real_scale if scale else None,
        keyboard=keyboard,
        stream=screen,
        stop=stop,
        signal=signal_,
        once=once,
        deadline_s=deadline_s,
        backoff=Backoff(base_s=0.05, cap_s=0.2),
    )
    return status, screen.getvalue(), signal_.events


def stored(config):
    with Outbox(config.outbox_path) as outbox:
        rows = outbox._db.execute("SELECT * FROM scans ORDER BY rowid").fetchall()
    return [dict(row) for row in rows]


def test_a_tap_and_a_stable_weight_become_a_synced_scan(tmp_path, backend, indicator):
    config = reader_config(tmp_path, backend, scale_port=indicator.port, scale_protocol="cas", scale_id="TRUCK-7")
    BinDirectory(tmp_path / "bins.sqlite3").replace([SEOGYO_BIN])  # yesterday's bin list, already on the tablet
    indicator.play([*MOVING * 3, "ST,GS,+  12.34kg"])

    status, screen, signals = run_loop(config, taps=[(TagRead(URL, UID), [])])

    assert status == 0
    [row] = stored(config)
    assert (row["tag"], row["source"], row["reader_uid"]) == (URL, "nfc", UID)
    assert (row["weight_g"], row["exception_code"], row["scale_id"]) == (12_340, None, "TRUCK-7")
    assert (row["device_id"], row["state"], row["outcome"]) == ("서울12가3456", "synced", "created")
    event = backend.events[row["id"]]
    assert event["weight_kg"] == "12.340"
    assert (event["tag"], event["reader_uid"], event["scale_id"], event["device_id"]) == (
        URL,
        UID,
        "TRUCK-7",
        "서울12가3456",
    )
    assert "한솥도시락 서교점 / 주방 뒤 120L · 12.340 kg · 저장됨 Saved" in screen
    assert signals == ["ok"]


def test_the_crew_records_an_exception_instead_of_a_weight(tmp_path, backend, indicator):
    config = reader_config(tmp_path, backend, scale_port=indicator.port, scale_protocol="cas", scale_id="TRUCK-7")
    indicator.play(MOVING * 1000)  # the bin is never lifted

    status, screen, _ = run_loop(config, taps=[(TagRead(URL, UID), ["x", "2"])])

    assert status == 0
    [row] = stored(config)
    assert (row["exception_code"], row["weight_g"], row["scale_id"]) == ("contaminated", None, "")
    event = backend.events[row["id"]]
    assert event["exception_code"] == "contaminated" and "weight_kg" not in event
    assert "이물질 Contaminated · 저장됨" in screen


def test_a_scale_timeout_offers_an_exception(tmp_path, backend, indicator):
    config = reader_config(
        tmp_path, backend, scale_port=indicator.port, scale_protocol="cas", scale_id="T7", scale_timeout_seconds="1"
    )
    indicator.play(["OL,GS,+  OL   kg"])

    # The weighing times out after 1 s; the crew then chooses "과적 Overfilled".
    status, screen, signals = run_loop(config, taps=[(TagRead(URL, UID), ["x", "3"])], keys_after_s=1.6)

    assert status == 0
    [row] = stored(config)
    assert row["exception_code"] == "overfilled"
    assert "과부하" in screen  # the crew saw why the weighing failed
    assert signals == ["error", "ok"]


def test_manual_code_and_typed_weight_without_reader_or_scale(tmp_path, backend):
    config = reader_config(tmp_path, backend)
    status, screen, _ = run_loop(config, keys=["m", "abcd-efgh-r", "12.5"], scale=False)
    assert status == 0
    [row] = stored(config)
    assert (row["tag"], row["source"], row["reader_uid"]) == ("ABCDEFGHR", "manual", "")
    assert (row["weight_g"], row["scale_id"]) == (12_500, "")
    assert backend.events[row["id"]]["weight_kg"] == "12.500"
    assert "12.500 kg · 저장됨 Saved" in screen


def test_typing_mistakes_are_explained_and_nothing_is_saved_for_them(tmp_path, backend):
    config = reader_config(tmp_path, backend)
    keys = ["m", "ABCD-EFGH", "m", "ABCD-EFHG-R", "m", "abcd efgh r", "12,5", "-3", "0.0001", "7.25"]
    status, screen, signals = run_loop(config, keys=keys, scale=False)
    assert status == 0
    [row] = stored(config)
    assert row["weight_g"] == 7_250
    assert "수동 코드 형식이 아닙니다" in screen
    assert "수동 코드에 오타가 있습니다: ABCD-EFHG-R" in screen  # two neighbours swapped
    assert "숫자로 입력하세요" in screen
    assert "0보다 크고" in screen
    assert "그램 단위까지만" in screen
    assert signals == ["error", "error", "error", "error", "error", "ok"]


def test_a_rejected_scan_is_shown_to_the_crew_in_korean(tmp_path, backend, indicator):
    config = reader_config(tmp_path, backend, scale_port=indicator.port, scale_protocol="cas", scale_id="T7")
    indicator.play(["ST,GS,+   8.00kg"])
    unknown = "https://waste.example.go.kr/t/unknownunknown22"

    status, screen, _ = run_loop(config, taps=[(TagRead(unknown, UID), [])])

    assert status == 0  # nothing left queued: the scan has its answer
    [row] = stored(config)
    assert (row["state"], row["error_code"]) == ("rejected", "unknown_tag")  # kept, never silently dropped
    assert row["id"] not in backend.events
    assert "마지막 거부 Last rejection: 등록되지 않은 태그입니다. (unknown_tag)" in screen


def test_status_lists_rejections_for_the_office(tmp_path, backend, indicator, capsys):
    config = reader_config(tmp_path, backend, scale_port=indicator.port, scale_protocol="cas", scale_id="T7")
    indicator.play(["ST,GS,+   8.00kg"])
    run_loop(config, taps=[(TagRead("https://waste.example.go.kr/t/unknownunknown22", UID), [])])
    config_file = tmp_path / "reader.toml"
    config_file.write_text(f'[api]\nbase_url = "{backend.url}"\n[outbox]\npath = "{config.outbox_path}"\n')

    assert main(["--status", "--config", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert "거부 Rejected 1" in out
    assert "unknownunknown22: 등록되지 않은 태그입니다" in out

    assert main(["--requeue-rejected", "--config", str(config_file)]) == 0
    assert "대기 Queued 1" in capsys.readouterr().out


def test_the_same_tag_twice_in_a_row_is_saved_once(tmp_path, backend, indicator):
    config = reader_config(tmp_path, backend, scale_port=indicator.port, scale_protocol="cas", scale_id="T7")
    indicator.play(["ST,GS,+   8.00kg"])
    other = TagRead("https://waste.example.go.kr/t/qrstuvwxyz234567", "04FFFFFFFFFFFF")

    status, screen, _ = run_loop(
        config, taps=[(TagRead(URL, UID), []), (TagRead(URL, UID), []), (other, [])], once=False
    )

    assert status == 0
    assert [row["reader_uid"] for row in stored(config)] == [UID, "04FFFFFFFFFFFF"]
    assert "같은 태그입니다" in screen


def test_offline_scans_wait_and_the_crew_flushes_them_later(tmp_path, capsys):
    backend = FakeBackend(bins=[SEOGYO_BIN]).start()
    backend.stop()  # the truck is out of coverage; the server comes back on the same port later
    config = reader_config(tmp_path, backend)
    for weight in ("5", "6.5", "7"):
        status, screen, signals = run_loop(config, keys=["m", "ABCDEFGHR", weight], scale=False, deadline_s=0.3)
        assert status == 1  # saved, but still queued
        assert signals == ["ok"]
    assert "오프라인 Offline" in screen
    assert [row["state"] for row in stored(config)] == ["queued"] * 3

    config_file = tmp_path / "reader.toml"
    config_file.write_text(
        f'[api]\nbase_url = "{backend.url}"\ntoken = "{TOKEN}"\n[outbox]\npath = "{config.outbox_path}"\n',
        encoding="utf-8",
    )
    with backend:
        assert main(["--sync-only", "--config", str(config_file)]) == 0
    assert "대기 Queued 0 · 전송 Synced 3 · 거부 Rejected 0" in capsys.readouterr().out
    assert len(backend.events) == 3


# -- the real program, in a subprocess ------------------------------------------


def write_ndef(emulator: NtagEmulator, url: str) -> None:
    message = b"".join(ndef.message_encoder([ndef.UriRecord(url)]))
    tlv = bytes([0x03, len(message)]) + message + b"\xfe"
    emulator.memory[16 : 16 + len(tlv)] = tlv


def start_reader(config_file: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "collector_app.reader", "--config", str(config_file), *args],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def config_file_for(tmp_path: Path, backend: FakeBackend, emulator: NtagEmulator, indicator: Indicator) -> Path:
    path = tmp_path / "reader.toml"
    path.write_text(
        f"""
[api]
base_url = "{backend.url}"
token = "{TOKEN}"

[nfc]
device = "{emulator.device}"

[scale]
port = "{indicator.port}"
protocol = "cas"
id = "MAPO-07-SCALE"
stable_readings = 2
timeout_seconds = 10

[vehicle]
id = "서울12가3456"

[outbox]
path = "{tmp_path / "outbox.sqlite3"}"
""",
        encoding="utf-8",
    )
    return path


def test_the_program_reads_a_real_tag_weighs_and_syncs(tmp_path, backend, indicator):
    with NtagEmulator("NTAG215", uid=bytes.fromhex(UID)) as emulator:
        write_ndef(emulator, URL)
        indicator.play([*MOVING * 5, "ST,GS,+  23.45kg"])
        reader = start_reader(config_file_for(tmp_path, backend, emulator, indicator), "--once", "--deadline", "10")
        out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    [event] = backend.events.values()
    assert (event["tag"], event["reader_uid"], event["weight_kg"]) == (URL, UID, "23.450")
    assert (event["source"], event["scale_id"], event["device_id"]) == ("nfc", "MAPO-07-SCALE", "서울12가3456")
    assert "23.450 kg · 저장됨 Saved" in out


def test_ctrl_c_stops_the_program_cleanly(tmp_path, backend, indicator):
    with NtagEmulator("NTAG213", present=False) as emulator:
        reader = start_reader(config_file_for(tmp_path, backend, emulator, indicator))
        deadline = time.monotonic() + 30
        seen = ""
        while "태그를 대세요" not in seen and time.monotonic() < deadline:
            seen += reader.stdout.readline()
        reader.send_signal(signal.SIGINT)
        out, err = reader.communicate(timeout=30)
    assert reader.returncode == 0, err
    assert "종료 Stopped." in out
    assert "Traceback" not in err
