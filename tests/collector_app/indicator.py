"""A scale indicator streaming its display down a pty, the way a truck's indicator streams down RS-232.

The reader opens `indicator.port` (the pty's slave side) with pyserial exactly as it
would open /dev/ttyUSB0; this side writes lines on the master side every few ms.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import tty


class Indicator:
    def __init__(self, *, interval_s: float = 0.01, line_end: bytes = b"\r\n"):
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo or line editing before pyserial takes over
        os.set_blocking(self.master, False)
        self.port = os.ttyname(self.slave)
        self.interval_s = interval_s
        self.line_end = line_end
        self.received = bytearray()  # what the reader sent us (MT-SICS: "SIR")
        self._lock = threading.Lock()
        self._script: list[str] = []
        self._position = 0
        self._repeat_last = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._stream, name="indicator", daemon=True)
        self.unplugged = False

    def play(self, lines: list[str], *, repeat_last: bool = True) -> None:
        """Stream `lines` from now on, one per interval; then keep showing the last one (as a display does)."""
        with self._lock:
            self._script, self._position, self._repeat_last = list(lines), 0, repeat_last

    def write_now(self, data: bytes) -> None:
        os.write(self.master, data)

    def __enter__(self) -> Indicator:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def unplug(self) -> None:
        """The cable comes out: the reader's next read fails."""
        self.unplugged = True
        self._stop.set()
        self._thread.join()
        os.close(self.master)
        os.close(self.slave)

    def _next_line(self) -> str | None:
        with self._lock:
            if self._position < len(self._script):
                line = self._script[self._position]
                self._position += 1
                return line
            if self._script and self._repeat_last:
                return self._script[-1]
        return None

    def _stream(self) -> None:
        while not self._stop.is_set():
            line = self._next_line()
            if line is not None:
                with contextlib.suppress(BlockingIOError):
                    os.write(self.master, line.encode("latin-1") + self.line_end)
            with contextlib.suppress(BlockingIOError, OSError):
                self.received.extend(os.read(self.master, 1024))
            time.sleep(self.interval_s)
