"""Middleware of the whole site: request limits, outages, the API's error shape and
the security headers. Order in settings.MIDDLEWARE (outermost first):

    SecurityMiddleware            HSTS, SSL redirect, nosniff, Referrer-Policy, COOP
    WhiteNoiseMiddleware          static files (leave before the headers below)
    SecurityHeadersMiddleware     CSP, Permissions-Policy, Cache-Control: no-store
    ApiErrorShapeMiddleware       any non-JSON 4xx/5xx under /api/ → the error shape
    RequestLimitsMiddleware       413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE
    SessionMiddleware
    SiteLanguageMiddleware        Korean unless the language cookie says English
    ...                           CSRF, auth, ...
    DatabaseUnavailableMiddleware 503 + Retry-After when PostgreSQL is unreachable
"""

import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from backend.core import http

logger = logging.getLogger(__name__)


def is_database_unavailable(exc: BaseException | None) -> bool:
    """An error that says the database cannot be reached or cannot serve now (down,
    restarting, a dropped connection, a deadlock or statement timeout): worth trying
    again shortly, unlike a query the database refused."""
    import psycopg2

    return isinstance(exc, (OperationalError, InterfaceError, psycopg2.OperationalError, psycopg2.InterfaceError))


class SiteLanguageMiddleware(LocaleMiddleware):
    """Korean for everyone until they press "English": the language comes from the
    cookie Django's `set_language` view (/i18n/setlang/) sets, never from the
    browser's Accept-Language (a phone set up in English is no sign its owner reads
    English, and the city's pages are Korean first)."""

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ApiErrorShapeMiddleware:
    """A last guard: whatever answered 4xx/5xx under `/api/` without JSON (Django's
    CSRF failure, a 405 from a plain view, a 404 for an unknown URL under DEBUG...)
    is answered in the error shape instead, and an empty 4xx/5xx elsewhere (a plain
    view's 405, say) gets the Korean-first error page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code < 400 or response.streaming:
            return response
        if http.is_api(request):
            if response.get("Content-Type", "").startswith("application/json") or _drf_error_shape(response):
                return response
            shaped = http.api_error(response.status_code)
        elif not response.content:
            shaped = http.error_page(response.status_code)
        else:
            return response
        for header in ("Retry-After", "Allow", "WWW-Authenticate"):
            if header in response:
                shaped[header] = response[header]
        return shaped


def _drf_error_shape(response) -> bool:
    """The error shape rendered by DRF in another format the client asked for (a
    report's `?format=csv`, the browsable API)."""
    data = getattr(response, "data", None)
    return isinstance(data, dict) and isinstance(data.get("error"), dict)


def _upload_limit(path: str) -> int | None:
    if path in settings.UPLOAD_LIMITS:
        return settings.UPLOAD_LIMITS[path]
    for pattern, limit in settings.UPLOAD_LIMIT_PATTERNS.items():
        if re.fullmatch(pattern, path):
            return limit
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class RequestLimitsMiddleware:
    """Refuses a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (or, on an upload path,
    its own limit in UPLOAD_LIMITS or UPLOAD_LIMIT_PATTERNS) by its Content-Length, before any of it is read:
    413 `request_too_large`. (Django's own check only runs
    when `request.body` is read, which DRF's parsers do not do.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = _upload_limit(request.path.rstrip("/"))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return http.error_response(request, 400)
        if limit is not None and length > limit:
            return http.error_response(request, 413)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return http.error_response(request, 413)
        return None


class DatabaseUnavailableMiddleware:
    """503 `service_unavailable` with Retry-After while PostgreSQL cannot be reached,
    never a 500: the truck reader and the phone keep what they sent and try later."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_database_unavailable(exception):
            logger.warning("database unavailable: %s %s: %s", request.method, request.path, exception)
            return http.error_response(request, 503)
        return None


# Features the pages use: the crews' page will want the camera (QR) and the position
# on this origin; everything else a page could ask for is denied. (Web NFC has no
# Permissions-Policy feature: browsers allow it to top-level pages only.)
PERMISSIONS_POLICY = ", ".join(
    ["camera=(self)", "geolocation=(self)"]
    + [
        f"{feature}=()"
        for feature in (
            "accelerometer",
            "autoplay",
            "display-capture",
            "encrypted-media",
            "gyroscope",
            "hid",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "publickey-credentials-get",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    ]
)

# Scripts only from our own files (no inline script, no event handler attributes);
# styles allow inline `style` attributes, which some templates use.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    if user is None:
        return False
    try:
        return bool(user.is_authenticated)
    except DatabaseError:  # the session could not be read: treat the page as private
        return True


def _public(response) -> bool:
    """A successful answer its view declared the same for everyone (`Cache-Control:
    public`, as the open data does): no view says so by accident."""
    directives = [part.strip().lower() for part in response.get("Cache-Control", "").split(",")]
    return response.status_code < 400 and "public" in directives


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every answer, and
    `Cache-Control: no-store` on every API answer (invoice PDFs included) and every
    page shown to a signed-in user (and every 5xx), so that no shared cache or back button keeps
    another person's bills; but for an answer its view declared `public` (the open
    data, the same for anyone). Placed after WhiteNoise: static files stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if response.status_code >= 500 or ((http.is_api(request) or _signed_in(request)) and not _public(response)):
            response["Cache-Control"] = "no-store"
            if "Expires" in response:
                del response["Expires"]
        return response
