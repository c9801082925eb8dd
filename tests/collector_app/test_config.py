"""Reader settings: a TOML file, environment variables winning, and clear errors."""

from pathlib import Path

import pytest

from collector_app.reader.config import ConfigError, load_config

FULL = """
[api]
base_url = "https://waste.example.go.kr/"
token = "file-token"
district = "5b1f1a52-8f0e-4c1b-9f43-3f0f3c1c2d11"

[nfc]
device = "usb:054c:06c1"
repeat_guard_seconds = 20

[scale]
port = "/dev/ttyUSB0"
protocol = "cas"
id = "MAPO-TRUCK-07-SCALE"
baudrate = 9600
framing = "8N1"
stable_readings = 3
timeout_seconds = 15

[vehicle]
id = "서울12가3456"

[outbox]
path = "~/collector/outbox.sqlite3"

[sync]
batch_size = 500
interval_seconds = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reader.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_file(tmp_path):
    config = load_config(write(tmp_path, FULL), environ={})
    assert config.api_base_url == "https://waste.example.go.kr"
    assert config.api_token == "file-token"
    assert config.nfc_device == "usb:054c:06c1"
    assert (config.scale_port, config.scale_protocol, config.scale_id) == ("/dev/ttyUSB0", "cas", "MAPO-TRUCK-07-SCALE")
    assert (config.scale_stable_readings, config.scale_timeout_s) == (3, 15.0)
    assert config.vehicle_id == "서울12가3456"
    assert config.outbox_path == Path.home() / "collector/outbox.sqlite3"
    assert (config.sync_batch_size, config.sync_interval_s) == (500, 10.0)
    assert config.has_scale and config.has_nfc


def test_environment_wins_over_the_file(tmp_path):
    environ = {
        "COLLECTOR_API_TOKEN": "env-token",
        "COLLECTOR_SCALE_PROTOCOL": "mt-sics",
        "COLLECTOR_SCALE_BAUDRATE": "2400",
        "COLLECTOR_SYNC_BATCH_SIZE": "1000",
        "COLLECTOR_NFC_DEVICE": "udp:127.0.0.1:54321",
    }
    config = load_config(write(tmp_path, FULL), environ=environ)
    assert config.api_token == "env-token"
    assert config.scale_protocol == "mt-sics"
    assert config.scale_baudrate == 2400
    assert config.sync_batch_size == 1000
    assert config.nfc_device == "udp:127.0.0.1:54321"


def test_an_empty_variable_switches_the_scale_off(tmp_path):
    config = load_config(write(tmp_path, FULL), environ={"COLLECTOR_SCALE_PORT": ""})
    assert not config.has_scale  # weights are typed in


def test_environment_only_with_defaults():
    config = load_config(None, environ={"COLLECTOR_API_BASE_URL": "http://127.0.0.1:8000"})
    assert config.nfc_device == "usb"
    assert config.api_token is None
    assert not config.has_scale
    assert config.sync_batch_size == 1000


def test_the_file_can_come_from_collector_config(tmp_path):
    path = write(tmp_path, FULL)
    assert load_config(None, environ={"COLLECTOR_CONFIG": str(path)}).api_token == "file-token"


def test_every_bad_value_is_named_at_once(tmp_path):
    text = FULL.replace('"cas"', '"cass"').replace("batch_size = 500", "batch_size = 5000")
    text = text.replace('device = "usb:054c:06c1"', 'device = "usb:sony"').replace("baudrate = 9600", "baudrate = 9601")
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text), environ={"COLLECTOR_SCALE_STABLE_READINGS": "three"})
    message = str(raised.value)
    for expected in (
        "[scale] protocol = 'cass'",
        "one of cas, and, mt-sics",
        "[sync] batch_size = 5000",
        "between 1 and 1000",
        "[nfc] device = 'usb:sony'",
        "[scale] baudrate = 9601",
        "COLLECTOR_SCALE_STABLE_READINGS = 'three'",
    ):
        assert expected in message
    assert len(raised.value.problems) == 5


def test_a_scale_needs_its_protocol_and_id(tmp_path):
    text = FULL.replace('protocol = "cas"\n', "").replace('id = "MAPO-TRUCK-07-SCALE"\n', "")
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, text), environ={})
    assert any("[scale] protocol" in p for p in raised.value.problems)
    assert any("[scale] id" in p for p in raised.value.problems)


def test_typos_in_setting_names_are_caught(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, FULL.replace("baudrate", "baud_rate") + "\n[printer]\nx = 1\n"), environ={})
    assert any("[scale] baud_rate" in p for p in raised.value.problems)
    assert any("[printer]" in p for p in raised.value.problems)


def test_missing_base_url_and_bad_toml(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(None, environ={})
    assert "[api] base_url / COLLECTOR_API_BASE_URL" in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, "[api\nbase_url="), environ={})
    assert "TOML" in str(raised.value)
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "nope.toml", environ={})
    assert "nope.toml" in str(raised.value)
