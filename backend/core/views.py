import logging
import sys

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse

from backend.core import http
from backend.core.middleware import is_database_unavailable

logger = logging.getLogger(__name__)


def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers and monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "error", "database": "unavailable"}, status=503)
        response["Retry-After"] = str(http.retry_after_seconds())
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


# Django's error views (handler400/403/404/500 in config/urls.py): the error shape
# under /api/, a Korean-first page elsewhere. None of them reads the database.


def bad_request(request, exception=None):
    if isinstance(exception, RequestDataTooBig):  # read past the limit in a middleware (CSRF reads forms)
        return http.error_response(request, 413)
    return http.error_response(request, 400)


def permission_denied(request, exception=None):
    return http.error_response(request, 403)


def page_not_found(request, exception=None):
    return http.error_response(request, 404)


def server_error(request):
    # Called while the exception is being handled: a database outage that surfaced
    # outside a view (in a middleware, say) is still a 503, not a 500.
    if is_database_unavailable(sys.exc_info()[1]):
        return http.error_response(request, 503)
    return http.error_response(request, 500)


def csrf_failure(request, reason=""):
    return http.error_response(request, 403, "csrf_failed", http.CSRF_FAILED_MESSAGE)
