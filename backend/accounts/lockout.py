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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def _wait(seconds: int) -> str:
    """A wait in the reader's language: seconds under two minutes, else whole minutes."""
    if seconds < 120:
        return ngettext("%(count)s second", "%(count)s seconds", seconds) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def locked_message(seconds: int) -> str:
    return _("Too many failed sign-ins: try again in %(wait)s.") % {"wait": _wait(seconds)}


def throttled_message(seconds: int) -> str:
    return _("Too many sign-in attempts: try again in %(wait)s.") % {"wait": _wait(seconds)}
