"""Error answers outside DRF's exception handler: Django's own 4xx/5xx, the request
limits and database outages, in the one API error shape for `/api/...` and as an
HTML page everywhere else, in the visitor's language.

Nothing here touches the database: these answers must work while it is down.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

# Paths answered in the API's error shape: the API, and the payment providers'
# server-to-server callbacks.
API_PREFIXES = ("/api/", "/payments/callback/")

# code and message for each status Django or a middleware answers; the message in the
# visitor's language (Korean unless they chose English), the code never changes.
_STATUS = {
    400: ("malformed_request", _("Malformed request.")),
    403: ("permission_denied", _("You may not do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("Method not allowed.")),
    413: ("request_too_large", _("The request is too large.")),
    429: ("throttled", _("Too many requests. Please try again shortly.")),
    500: ("server_error", _("Server error, please try again.")),
    503: ("service_unavailable", _("The service is briefly unavailable; please try again shortly.")),
}

CSRF_FAILED_MESSAGE = _("CSRF check failed; reload the page and try again.")

# Page titles for the HTML error pages.
_TITLES = {
    400: _("Bad request"),
    403: _("Forbidden"),
    404: _("Page not found"),
    405: _("Method not allowed"),
    413: _("Request too large"),
    429: _("Too many requests"),
    500: _("Server error"),
    503: _("Service briefly unavailable"),
}


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIXES)


def status_code_and_message(status: int) -> tuple[str, str]:
    if status in _STATUS:
        code, message = _STATUS[status]
        return code, str(message)
    if status >= 500:
        return "server_error", str(_STATUS[500][1])
    return "error", str(_("Request failed."))


def retry_after_seconds() -> int:
    return settings.SERVICE_UNAVAILABLE_RETRY_AFTER


def api_error(status: int, code: str | None = None, message: str | None = None, fields=None) -> JsonResponse:
    default_code, default_message = status_code_and_message(status)
    body = {"error": {"code": code or default_code, "message": str(message or default_message), "fields": fields or {}}}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 503:
        response["Retry-After"] = str(retry_after_seconds())
    return response


def error_page(status: int, message: str | None = None) -> HttpResponse:
    title = _TITLES.get(status, _TITLES[500] if status >= 500 else _TITLES[400])
    html = render_to_string(
        "errors/error.html",
        {
            "status": status,
            "title": title,
            "message": message or status_code_and_message(status)[1],
            "retry_after": retry_after_seconds() if status == 503 else None,
        },
    )
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(retry_after_seconds())
    return response


def error_response(request, status: int, code: str | None = None, message: str | None = None) -> HttpResponse:
    """The error shape for the API, a page for everything else."""
    if is_api(request):
        return api_error(status, code, message)
    return error_page(status, message)
