"""Rate limits kept in the shared cache (settings.CACHES), so that every gunicorn
worker counts against the same numbers.

Sign-in: every attempt, on the API token endpoint and the login page alike, counts
per client address and per account name (the two endpoints share the counters, so
switching between them gains an attacker nothing). Repeated wrong passwords also
lock the account and address pair for a while (backend/accounts/lockout.py).

Scans: per crew (collector account). What a real shift does: a crew empties at most
about one bin every 20 seconds (~3 scans a minute, a few hundred a shift), and a
truck reader that was offline sends its backlog in batches of up to
SCAN_BATCH_MAX_EVENTS (1,000) events — at most SCAN_MAX_AGE_DAYS of scans, a few
thousand. The defaults (60 single scans a minute; 20,000 events an hour, single or
batched) are twenty times a shift's pace and hold a two-week backlog, while a crew's
token guessing tag codes, measured at ~65 guesses a second one by one and ~6,000 a
second in batches, is cut to 1 and ~5.5 a second.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

SCAN_ACTIONS = ("create", "batch")


def client_address(request) -> str:
    """The client's address as DRF's throttles see it (NUM_PROXIES hops from the end of
    X-Forwarded-For, or the socket's address); for a Django request too."""
    return BaseThrottle().get_ident(request)


def submitted_username(request) -> str:
    """The account name an attempt is for: from a DRF request's parsed body or a
    form post. Empty when there is none (or it is not text)."""
    data = getattr(request, "data", None)
    if data is None:
        data = request.POST
    value = data.get("username") if hasattr(data, "get") else None
    return value if isinstance(value, str) else ""


def account_ident(username: str) -> str:
    """One counter per account whatever the case or surrounding spaces of the name."""
    return hashlib.sha256(username.strip().casefold().encode("utf-8", "surrogatepass")).hexdigest()[:32]


class _RateFromSettings(SimpleRateThrottle):
    """A DRF rate ("N/period") read from a Django setting when the throttle is made, so
    that an empty value turns it off and tests can change it."""

    rate_setting = ""

    def get_rate(self):
        return getattr(settings, self.rate_setting, None) or None

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        return super().allow_request(request, view)

    def wait(self):
        # DRF spreads the remaining requests over the window; the answer a client can act
        # on is when the oldest attempt leaves it.
        if not self.history:
            return None
        return max(1, math.ceil(self.duration - (self.now - self.history[-1])))


class LoginAddressThrottle(_RateFromSettings):
    scope = "login_address"
    rate_setting = "LOGIN_RATE_PER_ADDRESS"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginAccountThrottle(_RateFromSettings):
    scope = "login_account"
    rate_setting = "LOGIN_RATE_PER_ACCOUNT"

    def get_cache_key(self, request, view):
        username = submitted_username(request)
        if not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": account_ident(username)}


LOGIN_THROTTLES = (LoginAddressThrottle, LoginAccountThrottle)


def login_rate_wait(request) -> int:
    """For the login page: run the sign-in throttles as DRF would; seconds to wait, or 0."""
    waits = [
        throttle.wait() or 1
        for throttle in (cls() for cls in LOGIN_THROTTLES)
        if not throttle.allow_request(request, None)
    ]
    return max(waits, default=0)


class OpenDataThrottle(_RateFromSettings):
    """The open data, per client address: anyone may download it, no one may make the
    server sum every municipality's year a hundred times a second."""

    scope = "open_data"
    rate_setting = "OPEN_DATA_RATE"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ScanRateThrottle(_RateFromSettings):
    """Single scans (`POST /collections/`) per crew."""

    scope = "scans"
    rate_setting = "SCAN_RATE"

    def get_cache_key(self, request, view):
        if getattr(view, "action", None) != "create" or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class ScanEventsThrottle(BaseThrottle):
    """Scan events per crew, single or batched: a batch counts as many as it carries.

    Counts are kept per slice of 1/60 of the window (a minute for an hourly rate), so
    the cached value stays small however many events arrive."""

    scope = "scan_events"
    rate_setting = "SCAN_EVENTS_RATE"
    cache = cache
    timer = time.time

    def __init__(self):
        rate = getattr(settings, self.rate_setting, None) or None
        self.num, self.duration = SimpleRateThrottle.parse_rate(None, rate) if rate else (None, None)
        self._wait = None

    def allow_request(self, request, view):
        if self.num is None or getattr(view, "action", None) not in SCAN_ACTIONS:
            return True
        if not request.user.is_authenticated:
            return True
        events = self._events(request, view)
        key = f"throttle_{self.scope}_{request.user.pk}"
        now = self.timer()
        slice_s = max(1, self.duration // 60)
        slices = {
            start: count
            for start, count in (self.cache.get(key) or {}).items()
            if start + slice_s > now - self.duration
        }
        used = sum(slices.values())
        if used + events > self.num:
            self._wait = self._wait_for(slices, used + events - self.num, now, slice_s)
            return False
        start = int(now // slice_s) * slice_s
        slices[start] = slices.get(start, 0) + events
        self.cache.set(key, slices, self.duration)
        return True

    def _events(self, request, view) -> int:
        if view.action != "batch":
            return 1
        data = request.data
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list):
            return 1
        return max(1, min(len(events), settings.SCAN_BATCH_MAX_EVENTS))

    def _wait_for(self, slices: dict, needed: int, now: float, slice_s: int) -> float:
        freed = 0
        for start in sorted(slices):
            freed += slices[start]
            if freed >= needed:
                return max(1, math.ceil(start + slice_s + self.duration - now))
        return self.duration

    def wait(self):
        return self._wait


SCAN_THROTTLES = [ScanRateThrottle, ScanEventsThrottle]


class ScanPhotoThrottle(_RateFromSettings):
    """Photo uploads (`PUT /collections/{id}/photo/`) per crew: each is decoded and
    re-encoded, the costliest request a crew can send. Reading a photo is not limited."""

    scope = "scan_photos"
    rate_setting = "SCAN_PHOTO_RATE"

    def get_cache_key(self, request, view):
        if request.method != "PUT" or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
