"""The truck's scale indicator on a serial port. The only module that imports pyserial.

Indicators stream their display continuously (several lines a second), each line
flagged stable or moving. Only a stable reading is a weight: a moving one is the bin
still swinging on the lift. Weights are parsed as Decimal and kept as integer grams.
"""

from __future__ import annotations

import errno
import re
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import Enum

import serial

_GRAMS_PER_UNIT = {"g": Decimal(1), "kg": Decimal(1000), "t": Decimal(1_000_000)}
_LONGEST_LINE = 128  # every supported format is under 30 characters; more is line noise


class ScaleError(Exception):
    """Something a crew member must see: the message is Korean first, English second."""


class ScaleUnavailable(ScaleError):
    """The serial port could not be opened or went away."""


class ScaleTimeout(ScaleError):
    """No stable reading arrived in time."""


class ScaleFormatError(ValueError):
    """A line that is not a reading in the configured format (noise, another mode)."""


class Status(Enum):
    STABLE = "stable"
    UNSTABLE = "unstable"
    OVERLOAD = "overload"
    UNDERLOAD = "underload"


@dataclass(frozen=True, slots=True)
class Reading:
    status: Status
    grams: int | None  # None for overload/underload: the display shows no number
    line: str


@dataclass(frozen=True, slots=True)
class Weighing:
    """A stable weight, as the scale reported it."""

    grams: int
    scale_id: str
    line: str


def _grams(sign: str | None, number: str, unit: str) -> int:
    factor = _GRAMS_PER_UNIT.get(unit.lower())
    if factor is None:
        raise ScaleFormatError(f"unsupported unit {unit!r}")
    try:
        value = Decimal(number) * factor
    except InvalidOperation:
        raise ScaleFormatError(f"not a number: {number!r}") from None
    # A truck scale's division is 10 g or coarser; rounding only matters for a lab
    # balance configured by mistake, and half-even keeps that unbiased.
    grams = int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
    return -grams if sign == "-" else grams


_NUMBER = r"(?P<sign>[+-])?\s*(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[a-zA-Z]+)"
# CAS 22-byte frame: `ST,GS,` + device-id byte + lamp-status byte (bit 7 set, so not ASCII) + `,` + data + unit.
_CAS = re.compile(r"^(?P<head>ST|US|OL),(?:GS|NT|TR|PT),(?:[^,]{1,2},)?\s*(?P<rest>.*)$")
# A&D balances send `ST,+00012.34  g`; A&D indicators (AD-4329, AD-4404) add a gross/net header: `ST,NT,+0012.34kg`.
_AND = re.compile(r"^(?P<head>ST|US|OL|QT),(?:(?:GS|NT|TR|PT),)?\s*(?P<rest>.*)$")
_MT_WEIGHT = re.compile(r"^S\s+(?P<head>[SD])\s+(?P<rest>.*)$")
_WEIGHT = re.compile(rf"^{_NUMBER}$")
_HEADER_STATUS = {"ST": Status.STABLE, "US": Status.UNSTABLE, "OL": Status.OVERLOAD}


def _weight_line(status: Status, rest: str, line: str) -> Reading:
    if status is Status.OVERLOAD:
        return Reading(Status.OVERLOAD, None, line)
    match = _WEIGHT.match(rest.strip())
    if match is None:
        raise ScaleFormatError(f"no weight in {line!r}")
    return Reading(status, _grams(match["sign"], match["number"], match["unit"]), line)


def parse_cas(line: str) -> Reading:
    """CAS CI/NT series, "CAS" output format: `ST,GS,+  12.34kg`; US = moving, OL = overload; GS/NT = gross/net."""
    match = _CAS.match(line.strip())
    if match is None:
        raise ScaleFormatError(f"not a CAS line: {line!r}")
    return _weight_line(_HEADER_STATUS[match["head"]], match["rest"], line)


def parse_and(line: str) -> Reading:
    """A&D: `ST,+00012.34 kg` (balances) or `ST,GS,+0012.34kg` (indicators); US = moving, OL = overload."""
    match = _AND.match(line.strip())
    if match is None:
        raise ScaleFormatError(f"not an A&D line: {line!r}")
    if match["head"] == "QT":
        raise ScaleFormatError(f"counting mode, not a weight: {line!r}")
    return _weight_line(_HEADER_STATUS[match["head"]], match["rest"], line)


def parse_mt_sics(line: str) -> Reading:
    """Mettler Toledo MT-SICS `SIR` stream: `S S      12.34 kg` stable, `S D ...` dynamic.

    `S +` / `S -` are over- and underload; `S I` (busy) and the `ES`/`ET`/`EL`
    error replies carry no weight.
    """
    text = line.strip()
    if re.fullmatch(r"S\s+\+", text):
        return Reading(Status.OVERLOAD, None, line)
    if re.fullmatch(r"S\s+-", text):
        return Reading(Status.UNDERLOAD, None, line)
    match = _MT_WEIGHT.match(text)
    if match is None:
        raise ScaleFormatError(f"not an MT-SICS weight: {line!r}")
    status = Status.STABLE if match["head"] == "S" else Status.UNSTABLE
    return _weight_line(status, match["rest"], line)


@dataclass(frozen=True, slots=True)
class IndicatorFormat:
    name: str
    parse: Callable[[str], Reading]
    start_command: bytes = b""  # sent once after opening, for indicators that stream on request


FORMATS: dict[str, IndicatorFormat] = {
    "cas": IndicatorFormat("cas", parse_cas),
    "and": IndicatorFormat("and", parse_and),
    # SIR = "send weight immediately and repeat": starts the continuous stream.
    "mt-sics": IndicatorFormat("mt-sics", parse_mt_sics, start_command=b"SIR\r\n"),
}

FRAMINGS = {
    "8N1": (serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_ONE),
    "7E1": (serial.SEVENBITS, serial.PARITY_EVEN, serial.STOPBITS_ONE),
    "7O1": (serial.SEVENBITS, serial.PARITY_ODD, serial.STOPBITS_ONE),
    "8N2": (serial.EIGHTBITS, serial.PARITY_NONE, serial.STOPBITS_TWO),
}


def _problem(reading: Reading | None, garbage: str | None) -> str:
    if reading is not None and reading.status is Status.OVERLOAD:
        return "저울 과부하 표시(OL). The scale shows overload."
    if reading is not None and reading.status is Status.UNDERLOAD:
        return "저울이 영점 아래를 표시합니다. The scale reads below zero."
    if reading is not None and reading.status is Status.UNSTABLE:
        return "무게가 안정되지 않았습니다. The weight did not settle."
    if reading is not None:
        return "용기가 저울에 올라가지 않았습니다. No load on the scale."
    if garbage is not None:
        return f"저울 데이터 형식이 설정과 다릅니다. Unreadable scale data: {garbage[:40]!r}"
    return "저울에서 데이터가 오지 않습니다(케이블·통신 속도 확인). No data from the scale (check cable and baud rate)."


class Scale:
    """One indicator on one serial port, in one of `FORMATS`."""

    def __init__(self, port: str, *, protocol: str, scale_id: str, baudrate: int = 9600, framing: str = "8N1"):
        if protocol not in FORMATS:
            raise ValueError(f"unknown scale protocol {protocol!r}; one of {', '.join(FORMATS)}")
        self.port = port
        self.format = FORMATS[protocol]
        self.scale_id = scale_id
        self.baudrate = baudrate
        self.framing = framing
        self._serial: serial.Serial | None = None
        self._buffer = bytearray()
        self._in_sync = False

    def open(self) -> None:
        bytesize, parity, stopbits = FRAMINGS[self.framing]
        try:
            self._serial = serial.Serial(
                self.port, self.baudrate, bytesize=bytesize, parity=parity, stopbits=stopbits, timeout=0.1
            )
        except serial.SerialException as error:
            raise ScaleUnavailable(self._open_problem(error)) from error
        if self.format.start_command:
            self._serial.write(self.format.start_command)

    def _open_problem(self, error: serial.SerialException) -> str:
        code = getattr(error, "errno", None)
        if code == errno.EACCES:
            return (
                f"저울 포트 {self.port} 권한이 없습니다: 사용자를 dialout 그룹에 추가하세요. "
                f"No permission for {self.port}: add the user to the 'dialout' group (docs/hardware.md)."
            )
        if code == errno.ENOENT:
            return (
                f"저울 포트 {self.port}가 없습니다: 케이블/USB 변환기를 확인하세요. "
                f"No serial port {self.port}: check the cable or USB adapter."
            )
        return f"저울 포트 {self.port}를 열 수 없습니다. Cannot open {self.port}: {error}"

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def __enter__(self) -> Scale:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _flush(self) -> None:
        assert self._serial is not None
        try:
            self._serial.reset_input_buffer()
        except (serial.SerialException, OSError, termios.error) as error:
            self.close()
            raise ScaleUnavailable(f"저울 연결이 끊겼습니다. The scale connection was lost: {error}") from error
        self._buffer.clear()

    def _lines(self) -> list[str]:
        """Whole lines received so far; the partial tail stays buffered."""
        assert self._serial is not None, "open() the scale first"
        try:
            chunk = self._serial.read(max(1, self._serial.in_waiting))
        except (serial.SerialException, OSError) as error:
            self.close()
            raise ScaleUnavailable(f"저울 연결이 끊겼습니다. The scale connection was lost: {error}") from error
        self._buffer.extend(chunk)
        parts = re.split(rb"[\r\n]+", bytes(self._buffer))
        self._buffer = bytearray(parts.pop())
        if len(self._buffer) > _LONGEST_LINE:
            self._buffer.clear()
        if parts and not self._in_sync:
            # The first piece after a flush may start mid-line ("2.34kg"): drop it.
            parts.pop(0)
            self._in_sync = True
        return [part.decode("ascii", "replace") for part in parts if part.strip()]

    def read_stable_weight(
        self,
        *,
        timeout_s: float,
        stable_readings: int = 1,
        minimum_g: int = 1,
        cancel: Callable[[], bool] = lambda: False,
    ) -> Weighing | None:
        """Wait for `stable_readings` equal consecutive stable readings of at least `minimum_g`.

        Readings buffered before the call are thrown away: they describe the previous
        bin. A stable reading under `minimum_g` (empty lift, tare drift, negative)
        is not a weighing; we keep waiting for the bin. Returns None if `cancel()`
        becomes true; raises ScaleTimeout saying what the scale last showed.
        """
        if self._serial is None:
            self.open()  # first use, or reopening after the cable came loose
        self._flush()
        self._in_sync = False
        deadline = time.monotonic() + timeout_s
        last: Reading | None = None
        garbage: str | None = None
        run_grams: int | None = None
        run_length = 0
        while time.monotonic() < deadline:
            if cancel():
                return None
            for line in self._lines():
                try:
                    reading = self.format.parse(line)
                except ScaleFormatError:
                    garbage = line
                    continue
                last = reading
                if reading.status is not Status.STABLE or reading.grams is None or reading.grams < minimum_g:
                    run_grams, run_length = None, 0
                    continue
                if reading.grams == run_grams:
                    run_length += 1
                else:
                    run_grams, run_length = reading.grams, 1
                if run_length >= stable_readings:
                    return Weighing(grams=reading.grams, scale_id=self.scale_id, line=reading.line)
        raise ScaleTimeout(_problem(last, garbage))
