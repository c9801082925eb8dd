"""The crew's loop at each bin: identify it (tag or manual code), weigh it (or record why
not), store the scan durably, then say "saved".

The devices come in through two small interfaces (`TagSource`, `Weigher`) that
`nfc.NfcReader` and `scale.Scale` implement; this module imports neither library.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Protocol

from collector_app.reader.directory import (
    BinDirectory,
    display_manual_code,
    manual_code_checks_out,
    normalize_manual_code,
    tag_code_from_url,
)
from collector_app.reader.nfc import NfcError, NfcUnavailable, TagRead
from collector_app.reader.outbox import Outbox, Scan
from collector_app.reader.scale import ScaleError, ScaleUnavailable, Weighing
from collector_app.reader.screen import (
    EXCEPTION_LABELS,
    EXCEPTION_MENU,
    Keyboard,
    Screen,
    Signal,
    describe_rejection,
    describe_weight,
)

log = logging.getLogger(__name__)

_MAX_TYPED_G = 1_000_000  # a typed weight over a tonne is a typo, not a bin
_DEVICE_RETRY_S = 3.0

IDLE_PROMPT = [
    "태그를 대세요. Tap a bin's tag.",
    "[m] 수동 코드 Manual code   [s] 지금 전송 Sync now   [r] 거부 목록 Rejections   [q] 종료 Quit",
]


class TagSource(Protocol):
    def wait_for_tag(self, *, timeout_s: float | None, cancel: Callable[[], bool]) -> TagRead | None: ...


class Weigher(Protocol):
    def read_stable_weight(
        self, *, timeout_s: float, stable_readings: int, cancel: Callable[[], bool]
    ) -> Weighing | None: ...


@dataclass(frozen=True, slots=True)
class Identified:
    tag: str  # the URL read from the chip, or the manual code typed
    source: str
    reader_uid: str = ""


@dataclass(frozen=True, slots=True)
class Weighed:
    grams: int
    scale_id: str


@dataclass(frozen=True, slots=True)
class Excepted:
    code: str


def parse_typed_weight(text: str) -> int:
    """'12.34', '12.34kg', '12340 g' → grams. Decimal, never float."""
    compact = text.strip().lower().replace(" ", "")
    factor = Decimal(1000)
    if compact.endswith("kg"):
        compact = compact[:-2]
    elif compact.endswith("g"):
        compact, factor = compact[:-1], Decimal(1)
    try:
        grams = Decimal(compact) * factor
    except InvalidOperation:
        raise ValueError("숫자로 입력하세요(예: 12.34). Type a number, e.g. 12.34") from None
    if not grams.is_finite() or grams != grams.to_integral_value():
        raise ValueError("그램 단위까지만 입력하세요. At most three decimals (whole grams).")
    if not 0 < grams <= _MAX_TYPED_G:
        raise ValueError("0보다 크고 1,000 kg 이하여야 합니다. Must be more than 0 and at most 1,000 kg.")
    return int(grams)


class Capture:
    def __init__(
        self,
        *,
        outbox: Outbox,
        keyboard: Keyboard,
        screen: Screen,
        signal: Signal,
        tags: TagSource | None = None,
        scale: Weigher | None = None,
        directory: BinDirectory | None = None,
        vehicle_id: str = "",
        scale_timeout_s: float = 20.0,
        stable_readings: int = 3,
        repeat_guard_s: float = 15.0,
        on_saved: Callable[[], None] = lambda: None,
        on_sync_now: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    ):
        self.outbox = outbox
        self.keyboard = keyboard
        self.screen = screen
        self.signal = signal
        self.tags = tags
        self.scale = scale
        self.directory = directory
        self.vehicle_id = vehicle_id
        self.scale_timeout_s = scale_timeout_s
        self.stable_readings = stable_readings
        self.repeat_guard_s = repeat_guard_s
        self.on_saved = on_saved
        self.on_sync_now = on_sync_now
        self.clock = clock
        self._last_saved: tuple[str, float] | None = None

    # -- the loop -------------------------------------------------------------

    def run(self, stop: threading.Event, *, once: bool = False) -> int:
        """Capture scans until `stop` is set (or one scan is saved, with `once`)."""
        saved = 0
        while not stop.is_set():
            if self.visit(stop) is not None:
                saved += 1
                if once:
                    break
        return saved

    def visit(self, stop: threading.Event) -> Scan | None:
        """One bin: identify → weigh or record an exception → store. None if abandoned."""
        identified = self._identify(stop)
        if identified is None:
            return None
        label = self._label(identified.tag)
        result = self._weigh_or_except(identified, label, stop)
        if result is None:
            self.screen.show(notice="취소했습니다. Cancelled.")
            return None
        scan = Scan(
            tag=identified.tag,
            source=identified.source,
            collected_at=self.clock(),
            weight_g=result.grams if isinstance(result, Weighed) else None,
            exception_code=result.code if isinstance(result, Excepted) else None,
            reader_uid=identified.reader_uid,
            scale_id=result.scale_id if isinstance(result, Weighed) else "",
            device_id=self.vehicle_id,
        )
        try:
            self.outbox.add(scan)
        except sqlite3.Error as error:
            log.exception("outbox write failed")
            self.signal.error()
            self.screen.show(error=f"저장 실패! 다시 측정하세요. NOT saved, please redo: {error}")
            return None
        # Only now, with the scan on disk, is the crew told it is saved.
        self._last_saved = (self._identity(identified), time.monotonic())
        what = describe_weight(result.grams) if isinstance(result, Weighed) else EXCEPTION_LABELS[result.code]
        self.screen.show(
            notice="저장됨 Saved",
            last_scan=f"{scan.collected_at:%H:%M:%S} {label} · {what} · 저장됨 Saved",
        )
        self.signal.ok()
        self.on_saved()
        return scan

    # -- identifying the bin ----------------------------------------------------

    def _label(self, tag: str) -> str:
        info = self.directory.lookup(tag) if self.directory is not None else None
        if info is not None:
            return info.describe()
        if code := normalize_manual_code(tag):
            return f"수동 코드 {display_manual_code(code)}"
        return f"태그 {tag_code_from_url(tag) or tag}"

    @staticmethod
    def _identity(identified: Identified) -> str:
        # NTAG 424 DNA URLs change at every tap (counter + MAC), so compare the chip or the code.
        return identified.reader_uid or tag_code_from_url(identified.tag) or identified.tag

    def _is_repeat(self, identified: Identified) -> bool:
        if self._last_saved is None:
            return False
        identity, at = self._last_saved
        return identity == self._identity(identified) and time.monotonic() - at < self.repeat_guard_s

    def _identify(self, stop: threading.Event) -> Identified | None:
        self.screen.show(prompt=IDLE_PROMPT)
        while not stop.is_set():
            if self.tags is not None:
                identified = self._tap(stop)
                if identified is not None:
                    return identified
            line = self.keyboard.read_line(0.0 if self.tags is not None else 0.2)
            if line is None:
                continue
            command = line.strip().lower()
            if command == "m":
                identified = self._manual_code(stop)
                if identified is not None:
                    return identified
                self.screen.show(prompt=IDLE_PROMPT)
            elif command == "s":
                self.on_sync_now()
                self.screen.show(notice="전송을 시작합니다. Syncing now.")
            elif command == "r":
                self._show_rejections()
            elif command == "q":
                stop.set()
            elif command:
                self.screen.show(notice=f"알 수 없는 입력 {command!r}. Unknown key.")
        return None

    def _tap(self, stop: threading.Event) -> Identified | None:
        try:
            read = self.tags.wait_for_tag(timeout_s=1.0, cancel=lambda: stop.is_set() or self.keyboard.has_line())
        except NfcUnavailable as error:
            self.signal.error()
            self.screen.show(error=f"{error} — 수동 코드는 [m]. Manual code: [m].")
            stop.wait(_DEVICE_RETRY_S)
            return None
        except NfcError as error:
            self.signal.error()
            self.screen.show(error=str(error))
            return None
        if read is None:
            return None
        identified = Identified(tag=read.url, source="nfc", reader_uid=read.uid)
        if self._is_repeat(identified):
            self.screen.show(notice="같은 태그입니다 — 이미 저장됨. Same tag, already saved.")
            return None
        return identified

    def _ask(self, stop: threading.Event) -> str | None:
        while not stop.is_set():
            line = self.keyboard.read_line(0.2)
            if line is not None:
                return line.strip()
        return None

    def _manual_code(self, stop: threading.Event) -> Identified | None:
        with self.screen.typing():
            self.screen.show(
                prompt=[
                    "수동 코드를 입력하세요(예: ABCD-EFGH-K). 빈 줄은 취소. Type the manual code; empty line cancels."
                ],
                notice="",
            )
            line = self._ask(stop)
        if not line:
            return None
        code = normalize_manual_code(line)
        if code is None:
            self.signal.error()
            self.screen.show(error=f"수동 코드 형식이 아닙니다: {line!r} (예: ABCD-EFGH-K). Not a manual code.")
            return None
        if not manual_code_checks_out(code):
            # Caught here, at the bin, rather than as a rejection after the truck has left.
            self.signal.error()
            self.screen.show(
                error=f"수동 코드에 오타가 있습니다: {display_manual_code(code)}. 다시 확인해 주세요. "
                "The manual code has a typo (check character does not match)."
            )
            return None
        return Identified(tag=code, source="manual")

    def _show_rejections(self) -> None:
        rejections = self.outbox.rejections(limit=5)
        if not rejections:
            self.screen.show(notice="거부된 스캔이 없습니다. No rejected scans.")
            return
        lines = [
            f"{r.scan.collected_at:%m-%d %H:%M} {self._label(r.scan.tag)}: {describe_rejection(r)}" for r in rejections
        ]
        self.screen.show(notice="최근 거부 Recent rejections:\n" + "\n".join(lines))

    # -- weighing, or why not ---------------------------------------------------

    def _weigh_or_except(self, identified: Identified, label: str, stop: threading.Event) -> Weighed | Excepted | None:
        if self.scale is None:
            return self._typed_weight(label, stop)
        while not stop.is_set():
            self.screen.show(
                prompt=[
                    f"▶ {label}",
                    "무게 측정 중… 용기를 올리세요. Weighing: put the bin on the lift.",
                    "[x] 예외 기록 Exception   [c] 취소 Cancel",
                ],
                notice="",
            )
            try:
                weighing = self.scale.read_stable_weight(
                    timeout_s=self.scale_timeout_s,
                    stable_readings=self.stable_readings,
                    cancel=lambda: stop.is_set() or self.keyboard.has_line(),
                )
            except ScaleError as error:
                self.signal.error()
                if isinstance(error, ScaleUnavailable):
                    stop.wait(_DEVICE_RETRY_S)
                self.screen.show(
                    error=str(error),
                    prompt=[f"▶ {label}", "[Enter] 다시 측정 Retry   [x] 예외 기록 Exception   [c] 취소 Cancel"],
                )
                line = self._ask(stop)
            else:
                if weighing is not None:
                    return Weighed(grams=weighing.grams, scale_id=weighing.scale_id)
                line = self.keyboard.read_line(0.0)
            choice = (line or "").lower()
            if choice == "c":
                return None
            if choice == "x":
                code = self._choose_exception(label, stop)
                if code is not None:
                    return Excepted(code)
        return None

    def _typed_weight(self, label: str, stop: threading.Event) -> Weighed | Excepted | None:
        """No scale configured: the crew reads the weight off the display and types it."""
        while not stop.is_set():
            with self.screen.typing():
                self.screen.show(
                    prompt=[
                        f"▶ {label}",
                        "무게(kg)를 입력하세요, 예: 12.34. Type the weight in kg.",
                        "[x] 예외 기록 Exception   빈 줄 = 취소 Empty line cancels",
                    ]
                )
                line = self._ask(stop)
            if not line:
                return None
            if line.lower() == "x":
                code = self._choose_exception(label, stop)
                if code is not None:
                    return Excepted(code)
                continue
            try:
                return Weighed(grams=parse_typed_weight(line), scale_id="")
            except ValueError as error:
                self.signal.error()
                self.screen.show(error=str(error))
        return None

    def _choose_exception(self, label: str, stop: threading.Event) -> str | None:
        menu = [f"  [{number}] {text}" for number, (_, text) in enumerate(EXCEPTION_MENU, start=1)]
        with self.screen.typing():
            self.screen.show(
                prompt=[f"▶ {label}", "예외를 고르세요. Choose the exception (empty line = back):", *menu], notice=""
            )
            line = self._ask(stop)
        if line and line.isdigit() and 1 <= int(line) <= len(EXCEPTION_MENU):
            return EXCEPTION_MENU[int(line) - 1][0]
        return None
