"""A short lockout after repeated wrong passwords for one account from one address.

LOGIN_LOCKOUT_FAILURES failures within LOGIN_LOCKOUT_WINDOW_SECONDS lock the pair for
LOGIN_LOCKOUT_SECONDS. While locked, every attempt gets the same answer, right password
or not, and no password is checked. A success clears the pair's failures. Kept in the
shared cache, like the throttles (backend/accounts/throttles.py).
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache

from backend.accounts.throttles import account_ident


def _pair(username: str, address: str) -> str:
    return hashlib.sha256(f"{account_ident(username)}|{address}".encode()).hexdigest()[:32]


def locked_for(username: str, address: str) -> int:
    """Seconds left of the pair's lockout, or 0."""
    until = cache.get(f"login_lock_{_pair(username, address)}")
    if until is None:
        return 0
    return max(0, math.ceil(until - time.time()))


def record_failure(username: str, address: str) -> int:
    """Count a wrong password; when it is one too many, lock the pair and return the
    lockout's length in seconds (else 0)."""
    limit, window, lock = (
        settings.LOGIN_LOCKOUT_FAILURES,
        settings.LOGIN_LOCKOUT_WINDOW_SECONDS,
        settings.LOGIN_LOCKOUT_SECONDS,
    )
    if limit <= 0 or lock <= 0:
        return 0
    pair, now = _pair(username, address), time.time()
    failures = [at for at in cache.get(f"login_failures_{pair}", []) if at > now - window] + [now]
    if len(failures) >= limit:
        cache.set(f"login_lock_{pair}", now + lock, lock)
        cache.delete(f"login_failures_{pair}")
        return lock
    cache.set(f"login_failures_{pair}", failures, window)
    return 0


def record_success(username: str, address: str) -> None:
    cache.delete(f"login_failures_{_pair(username, address)}")


def _wait(seconds: int) -> tuple[str, str]:
    """(Korean, English) for a wait: seconds under two minutes, else whole minutes."""
    if seconds < 120:
        return f"{seconds}초", f"{seconds} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes}분", f"{minutes} min"


def locked_message(seconds: int) -> str:
    korean, english = _wait(seconds)
    return (
        f"로그인 실패가 너무 많아 잠시 잠겼습니다. {korean} 후 다시 시도하세요. "
        f"Too many failed sign-ins: try again in {english}."
    )


def throttled_message(seconds: int) -> str:
    korean, english = _wait(seconds)
    return (
        f"로그인 시도가 너무 많습니다. {korean} 후 다시 시도하세요. Too many sign-in attempts: try again in {english}."
    )
