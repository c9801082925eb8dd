"""Waiting for a server that may be cold: its first answers can take seconds while
its workers import and compile the project's modules.

A timed-out or refused request is tried again, with a read timeout that doubles each
time, until a deadline; only then does the bench stop, with a message instead of a
traceback. Shared by the benches that talk HTTP to a server they did not warm.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests


class NotAnswering(RuntimeError):
    pass


def until_answered(
    attempt: Callable[[float], requests.Response],
    *,
    what: str,
    within: float = 120.0,
    first_timeout: float = 2.0,
    still_running: Callable[[], None] = lambda: None,
    pause: float = 0.2,
) -> requests.Response:
    """Call `attempt(read_timeout)` until it returns a 2xx answer; connection errors,
    timeouts and 5xx answers are retried until `within` seconds have passed.
    `still_running()` is called before each attempt and raises if the server died."""
    deadline = time.monotonic() + within
    timeout = first_timeout
    last: object = "no attempt"
    while True:
        still_running()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NotAnswering(f"{what} did not answer within {within:.0f} s (last: {last})")
        try:
            answer = attempt(max(0.5, min(timeout, remaining)))
        except requests.Timeout as exc:
            last, timeout = f"timed out: {exc}", timeout * 2
        except requests.ConnectionError as exc:
            last = f"connection error: {exc}"
        else:
            if answer.ok:
                return answer
            if answer.status_code < 500:
                answer.raise_for_status()
            last = f"HTTP {answer.status_code}"
        time.sleep(pause)
