"""One request rate shared by every worker: a counter per second in the cache (Redis in
production, where `incr` is atomic, and the settings refuse to start without it; the
database cache in development, where `incr` reads then writes). A caller over
the limit waits for the next second. Kept deliberately simple: a fixed one-second
window, which a provider's "N per second" means."""

import time
from collections.abc import Callable

from django.core.cache import cache


def wait_for_slot(
    name: str,
    *,
    per_second: int,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Block until this call may go out under `per_second` calls a second across every
    process sharing the cache. Returns the seconds waited."""
    waited = 0.0
    while True:
        now = clock()
        window = int(now)
        key = f"rate:{name}:{window}"
        cache.add(key, 0, timeout=5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window
            continue
        if count <= per_second:
            return waited
        pause = max(0.001, window + 1 - now)
        sleep(pause)
        waited += pause
