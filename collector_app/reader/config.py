"""The reader's settings: a TOML file, overridden by COLLECTOR_* environment variables.

Every setting is `[section] key` in the file and `COLLECTOR_SECTION_KEY` in the
environment (e.g. `[scale] port` ↔ `COLLECTOR_SCALE_PORT`). An empty environment
value unsets an optional setting (so `COLLECTOR_SCALE_PORT=` means "no scale:
weights by keyboard"). All problems are reported at once, each naming its setting.
"""

from __future__ import annotations

import os
import re
import tomllib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from collector_app.reader.scale import FORMATS, FRAMINGS

DEFAULT_OUTBOX = Path.home() / ".local/share/foodwaste-collector/outbox.sqlite3"
_NFC_DEVICE = re.compile(
    r"^(none|usb(:[0-9a-fA-F]{4}(:[0-9a-fA-F]{4})?|:\d{1,3}(:\d{1,3})?)?|tty:\w+(:\w+)?|udp(:[\w.-]*(:\d+)?)?)$"
)
_BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


class ConfigError(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("설정 오류 / Configuration errors:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    api_base_url: str
    api_token: str | None
    api_district: str | None
    nfc_device: str
    nfc_repeat_guard_s: float
    scale_port: str | None
    scale_protocol: str | None
    scale_id: str | None
    scale_baudrate: int
    scale_framing: str
    scale_stable_readings: int
    scale_timeout_s: float
    vehicle_id: str
    outbox_path: Path
    sync_batch_size: int
    sync_interval_s: float

    @property
    def has_scale(self) -> bool:
        return self.scale_port is not None

    @property
    def has_nfc(self) -> bool:
        return self.nfc_device != "none"


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value.strip()


def _url(value: Any) -> str:
    url = _text(value).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an http:// or https:// address, e.g. https://waste.example.go.kr")
    return url


def _number(kind: type, low: float, high: float) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number")
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise ValueError("must be a number") from None
        if kind is int and isinstance(value, float):
            raise ValueError("must be a whole number")
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return number

    return parse


def _choice(options: Mapping[str, Any] | tuple) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        text = _text(value)
        choice = int(text) if isinstance(options, tuple) and text.isdigit() else text
        if choice not in options:
            raise ValueError(f"must be one of {', '.join(str(o) for o in options)}")
        return choice

    return parse


def _baudrate(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return _choice(_BAUDRATES)(value)


def _nfc_device(value: Any) -> str:
    text = _text(value)
    if not _NFC_DEVICE.match(text):
        raise ValueError("must be like usb, usb:054c:06c1, tty:USB0, udp:localhost:54321 or none (manual codes only)")
    return text


def _district(value: Any) -> str:
    try:
        return str(uuid.UUID(_text(value)))
    except ValueError:
        raise ValueError("must be the district's UUID") from None


@dataclass(frozen=True, slots=True)
class _Setting:
    section: str
    key: str
    field: str
    parse: Callable[[Any], Any]
    default: Any = None  # None: optional and absent
    required: bool = False

    @property
    def env_name(self) -> str:
        return f"COLLECTOR_{self.section}_{self.key}".upper()

    @property
    def file_name(self) -> str:
        return f"[{self.section}] {self.key}"


_SETTINGS = (
    _Setting("api", "base_url", "api_base_url", _url, required=True),
    _Setting("api", "token", "api_token", _text),
    _Setting("api", "district", "api_district", _district),
    _Setting("nfc", "device", "nfc_device", _nfc_device, default="usb"),
    _Setting("nfc", "repeat_guard_seconds", "nfc_repeat_guard_s", _number(float, 0, 3600), default=15.0),
    _Setting("scale", "port", "scale_port", _text),
    _Setting("scale", "protocol", "scale_protocol", _choice(FORMATS)),
    _Setting("scale", "id", "scale_id", _text),
    _Setting("scale", "baudrate", "scale_baudrate", _baudrate, default=9600),
    _Setting("scale", "framing", "scale_framing", _choice(FRAMINGS), default="8N1"),
    _Setting("scale", "stable_readings", "scale_stable_readings", _number(int, 1, 50), default=3),
    _Setting("scale", "timeout_seconds", "scale_timeout_s", _number(float, 1, 600), default=20.0),
    _Setting("vehicle", "id", "vehicle_id", _text, default=""),
    _Setting("outbox", "path", "outbox_path", lambda v: Path(_text(v)).expanduser(), default=DEFAULT_OUTBOX),
    _Setting("sync", "batch_size", "sync_batch_size", _number(int, 1, 1000), default=1000),
    _Setting("sync", "interval_seconds", "sync_interval_s", _number(float, 1, 3600), default=30.0),
)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([f"설정 파일이 없습니다. No configuration file at {path}"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"설정 파일 형식 오류. {path} is not valid TOML: {error}"]) from None


def _unknown_keys(data: dict[str, Any]) -> list[str]:
    known: dict[str, set[str]] = {}
    for setting in _SETTINGS:
        known.setdefault(setting.section, set()).add(setting.key)
    problems = []
    for section, values in data.items():
        if section not in known or not isinstance(values, dict):
            problems.append(f"[{section}]: 알 수 없는 항목 / unknown section (known: {', '.join(known)})")
            continue
        problems.extend(
            f"[{section}] {key}: 알 수 없는 항목 / unknown setting (known: {', '.join(sorted(known[section]))})"
            for key in values
            if key not in known[section]
        )
    return problems


def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> ReaderConfig:
    """Read the file at `path` (or $COLLECTOR_CONFIG, or none) and the environment."""
    environ = os.environ if environ is None else environ
    path = path or environ.get("COLLECTOR_CONFIG") or None
    data = _read_file(Path(path)) if path else {}
    problems = _unknown_keys(data)
    values: dict[str, Any] = {}
    invalid: set[str] = set()
    for setting in _SETTINGS:
        if setting.env_name in environ:
            raw, where = environ[setting.env_name], setting.env_name
        else:
            raw, where = data.get(setting.section, {}).get(setting.key), setting.file_name
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if setting.required:
                problems.append(f"{setting.file_name} / {setting.env_name}: 필수 항목입니다 / required")
            values[setting.field] = setting.default
            continue
        try:
            values[setting.field] = setting.parse(raw)
        except ValueError as error:
            problems.append(f"{where} = {raw!r}: 잘못된 값 / {error}")
            invalid.add(setting.field)
            values[setting.field] = setting.default
    if values.get("scale_port"):
        for field, setting_name in (("scale_protocol", "[scale] protocol"), ("scale_id", "[scale] id")):
            if not values.get(field) and field not in invalid:
                problems.append(f"{setting_name}: 저울 포트가 있으면 필수입니다 / required when [scale] port is set")
    if problems:
        raise ConfigError(problems)
    return ReaderConfig(**values)
