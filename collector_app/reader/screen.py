"""What the crew sees and hears: a text screen redrawn in place, a keyboard, a beeper hook.

Plain ANSI (cursor home + clear) so it works on any terminal, including a serial
console on a small board; when the output is not a terminal (a log, a test) each
redraw is printed as a block instead. Korean first, English second.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TextIO

from collector_app.reader.outbox import Counts, Rejection
from collector_app.reader.sync import Link, LinkState

EXCEPTION_MENU: tuple[tuple[str, str], ...] = (
    ("not_put_out", "미배출 Not put out"),
    ("contaminated", "이물질 Contaminated"),
    ("overfilled", "과적 Overfilled"),
    ("bin_damaged", "용기 파손 Bin damaged"),
    ("no_access", "접근 불가 No access"),
    ("tag_unreadable", "태그 인식 불가 Tag unreadable"),
)
EXCEPTION_LABELS = dict(EXCEPTION_MENU)

# Used when the server's message has no Korean in it (an old server, a proxy).
_REJECTION_KOREAN = {
    "unknown_tag": "등록되지 않은 태그입니다",
    "tag_revoked": "폐기된 태그입니다",
    "bin_retired": "사용 중지된 용기입니다",
    "out_of_service_area": "담당 구역 밖의 용기입니다",
    "weight_out_of_range": "무게가 허용 범위를 벗어났습니다",
    "collected_at_in_future": "수거 시각이 미래입니다(단말기 시계 확인)",
    "collected_at_too_old": "너무 오래된 스캔입니다",
    "idempotency_conflict": "같은 ID로 다른 스캔이 이미 있습니다",
    "validation_error": "입력값이 올바르지 않습니다",
    "invalid_timestamp": "수거 시각이 올바르지 않습니다(단말기 시계 확인)",
    "foreign_tag_host": "이 시스템의 태그가 아닙니다",
    "parse_error": "서버가 이 스캔을 읽을 수 없습니다",
}
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


class Signal(Protocol):
    """A beeper, an LED, a relay: told when a scan was saved or something went wrong."""

    def ok(self) -> None: ...

    def error(self) -> None: ...


class TerminalBell:
    """The default Signal: the terminal's bell, once for saved, three times for a problem."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def ok(self) -> None:
        self.stream.write("\a")
        self.stream.flush()

    def error(self) -> None:
        self.stream.write("\a\a\a")
        self.stream.flush()


class Keyboard:
    """Lines typed by the crew, collected by a thread so the reader loop never blocks on them."""

    def __init__(self, stream: TextIO | None = None):
        self._lines: queue.Queue[str] = queue.Queue()
        if stream is not None:
            threading.Thread(target=self._pump, args=(stream,), name="keyboard", daemon=True).start()

    def _pump(self, stream: TextIO) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\r\n"))

    def feed(self, *lines: str) -> None:
        """Lines as if typed (a foot switch, a test)."""
        for line in lines:
            self._lines.put(line)

    def has_line(self) -> bool:
        return not self._lines.empty()

    def read_line(self, timeout_s: float = 0.0) -> str | None:
        try:
            return self._lines.get(timeout=timeout_s) if timeout_s > 0 else self._lines.get_nowait()
        except queue.Empty:
            return None


def describe_rejection(rejection: Rejection) -> str:
    """The server's reason, Korean first; the code in brackets for the office."""
    message = rejection.message.strip()
    if not _HANGUL.search(message):
        korean = _REJECTION_KOREAN.get(rejection.code, "서버가 이 스캔을 거부했습니다")
        message = f"{korean}. {message}".strip()
    return f"{message} ({rejection.code})"


def describe_weight(grams: int) -> str:
    sign = "-" if grams < 0 else ""
    grams = abs(grams)
    return f"{sign}{grams // 1000}.{grams % 1000:03d} kg"


def _describe_link(link: Link) -> str:
    if link.state is LinkState.ONLINE:
        return "온라인 Online"
    if link.state is LinkState.UNKNOWN:
        return "확인 전 Not yet contacted"
    label = "오프라인 Offline" if link.state is LinkState.OFFLINE else "서버 거부 Refused"
    return f"{label} — {link.message}"


@dataclass(frozen=True, slots=True)
class Summary:
    """What the top of the screen shows, fetched at each redraw."""

    counts: Counts
    link: Link
    last_rejection: Rejection | None


class Screen:
    """The crew's screen. `show()` from the reader loop; `refresh()` from the sync thread."""

    def __init__(
        self,
        stream: TextIO,
        *,
        summary: Callable[[], Summary],
        vehicle_id: str = "",
        in_place: bool | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    ):
        self.stream = stream
        self.summary = summary
        self.vehicle_id = vehicle_id
        self.in_place = stream.isatty() if in_place is None else in_place
        self.clock = clock
        self.prompt: list[str] = []
        self.notice = ""
        self.notice_is_error = False
        self.last_scan = ""
        self._lock = threading.RLock()
        self._typing = False
        self._pending = False

    def show(
        self,
        *,
        prompt: list[str] | None = None,
        notice: str | None = None,
        error: str | None = None,
        last_scan: str | None = None,
    ) -> None:
        with self._lock:
            if prompt is not None:
                self.prompt = prompt
            if notice is not None or error is not None:
                self.notice = error if error is not None else notice or ""
                self.notice_is_error = error is not None
            if last_scan is not None:
                self.last_scan = last_scan
            self._draw()

    def refresh(self) -> None:
        with self._lock:
            if self._typing:
                self._pending = True  # redrawing now would wipe what the crew is typing
            else:
                self._draw()

    @contextmanager
    def typing(self) -> Iterator[None]:
        with self._lock:
            self._typing = True
        try:
            yield
        finally:
            with self._lock:
                self._typing = False
                if self._pending:
                    self._pending = False
                    self._draw()

    def render(self) -> str:
        summary = self.summary()
        counts = summary.counts
        title = "음식물 수거 단말기 Food-waste collector"
        if self.vehicle_id:
            title += f" · 차량 Vehicle {self.vehicle_id}"
        lines = [
            f"{title} · {self.clock():%H:%M:%S}",
            f"연결 Connection: {_describe_link(summary.link)}",
            f"대기 Queued {counts.queued} · 전송 Synced {counts.synced} · 거부 Rejected {counts.rejected}",
            f"마지막 스캔 Last scan: {self.last_scan or '-'}",
        ]
        if summary.last_rejection is not None:
            rejected = summary.last_rejection
            lines.append(f"마지막 거부 Last rejection: {describe_rejection(rejected)} · {rejected.scan.tag}")
        lines.append("─" * 60)
        if self.notice:
            lines.append(("!! " if self.notice_is_error else "") + self.notice)
        lines.extend(self.prompt)
        return "\n".join(lines)

    def _draw(self) -> None:
        text = self.render()
        if self.in_place:
            self.stream.write("\x1b[H\x1b[J" + text + "\n> ")
        else:
            self.stream.write(text + "\n\n")
        self.stream.flush()
