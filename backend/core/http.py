"""Error answers outside DRF's exception handler: Django's own 4xx/5xx, the request
limits and database outages, in the one API error shape for `/api/...` and as a
Korean-first HTML page everywhere else.

Nothing here touches the database: these answers must work while it is down.
"""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

# Paths answered in the API's error shape: the API, and the payment providers'
# server-to-server callbacks.
API_PREFIXES = ("/api/", "/payments/callback/")

# code, Korean message then English, for each status Django or a middleware answers.
_STATUS = {
    400: ("malformed_request", "요청을 읽을 수 없습니다. Malformed request."),
    403: ("permission_denied", "권한이 없습니다. You may not do this."),
    404: ("not_found", "찾을 수 없습니다. Not found."),
    405: ("method_not_allowed", "허용되지 않는 요청입니다. Method not allowed."),
    413: ("request_too_large", "요청이 너무 큽니다. The request is too large."),
    429: ("throttled", "요청이 너무 많습니다. 잠시 후 다시 시도해 주세요. Too many requests."),
    500: ("server_error", "서버 오류가 발생했습니다. 잠시 후 다시 시도해 주세요. Server error, please try again."),
    503: (
        "service_unavailable",
        "일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요. "
        "The service is briefly unavailable; please try again shortly.",
    ),
}

CSRF_FAILED_MESSAGE = (
    "보안 토큰이 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요. CSRF check failed; reload the page."
)

# Page titles for the HTML error pages.
_TITLES = {
    400: ("잘못된 요청입니다", "Bad request"),
    403: ("접근 권한이 없습니다", "Forbidden"),
    404: ("페이지를 찾을 수 없습니다", "Page not found"),
    405: ("허용되지 않는 요청입니다", "Method not allowed"),
    413: ("요청이 너무 큽니다", "Request too large"),
    429: ("요청이 너무 많습니다", "Too many requests"),
    500: ("서버 오류", "Server error"),
    503: ("잠시 후 다시 시도해 주세요", "Service briefly unavailable"),
}


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIXES)


def status_code_and_message(status: int) -> tuple[str, str]:
    if status in _STATUS:
        return _STATUS[status]
    if status >= 500:
        return "server_error", _STATUS[500][1]
    return "error", "요청을 처리할 수 없습니다. Request failed."


def retry_after_seconds() -> int:
    return settings.SERVICE_UNAVAILABLE_RETRY_AFTER


def api_error(status: int, code: str | None = None, message: str | None = None, fields=None) -> JsonResponse:
    default_code, default_message = status_code_and_message(status)
    body = {"error": {"code": code or default_code, "message": message or default_message, "fields": fields or {}}}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    if status == 503:
        response["Retry-After"] = str(retry_after_seconds())
    return response


def error_page(status: int, message: str | None = None) -> HttpResponse:
    title_ko, title_en = _TITLES.get(status, _TITLES[500] if status >= 500 else _TITLES[400])
    html = render_to_string(
        "errors/error.html",
        {
            "status": status,
            "title_ko": title_ko,
            "title_en": title_en,
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
