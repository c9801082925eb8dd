"""API conventions shared by every app: the error shape and pagination."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, pagination
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import get_error_detail
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from backend.core import http
from backend.core.errors import DomainError
from backend.core.middleware import is_database_unavailable

logger = logging.getLogger(__name__)

# DRF's own exception classes, mapped to our stable codes; messages in the visitor's language.
_DRF_CODES = {
    exceptions.NotAuthenticated: ("not_authenticated", _("Authentication required.")),
    exceptions.AuthenticationFailed: ("authentication_failed", _("Authentication failed.")),
    exceptions.PermissionDenied: ("permission_denied", _("You may not do this.")),
    exceptions.NotFound: ("not_found", _("Not found.")),
    exceptions.MethodNotAllowed: ("method_not_allowed", _("Method not allowed.")),
    exceptions.NotAcceptable: ("not_acceptable", _("Not acceptable.")),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", _("Unsupported media type; send JSON.")),
    exceptions.Throttled: ("throttled", _("Too many requests. Please try again shortly.")),
    exceptions.ParseError: ("malformed_request", _("Malformed request body.")),
}


def error_response(code: str, message: str, status: int, fields: dict | None = None) -> Response:
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return Response(_encodable(body), status=status)


def _encodable(value):
    """`value` with every lone surrogate replaced by "?". DRF's messages quote what was
    sent ('"\ud800" is not a valid choice.'), and a lone surrogate cannot be written as
    UTF-8: the answer would fail to render and turn into a 500."""
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            text = value.encode("utf-8", "replace").decode("utf-8")
            return ErrorDetail(text, code=value.code) if isinstance(value, ErrorDetail) else text
    return value


def _first_code(detail) -> str | None:
    """The most specific code DRF recorded, e.g. a DomainError code raised inside a serializer."""
    if isinstance(detail, list) and detail:
        return _first_code(detail[0])
    if isinstance(detail, dict) and detail:
        return _first_code(next(iter(detail.values())))
    return getattr(detail, "code", None)


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return error_response(exc.code, str(exc.message), exc.status_code, exc.fields)
    if is_database_unavailable(exc):
        set_rollback()
        code, message = http.status_code_and_message(503)
        response = error_response(code, message, 503)
        response["Retry-After"] = str(http.retry_after_seconds())
        return response
    if isinstance(exc, RequestDataTooBig):
        code, message = http.status_code_and_message(413)
        return error_response(code, message, 413)
    if isinstance(exc, DataError):
        # The database refused a value (too long, out of range) that validation should
        # have caught first: still the client's input, so a 400, and logged to be fixed.
        logger.warning("database refused a value: %s %s: %s", context["request"].method, context["request"].path, exc)
        set_rollback()
        return error_response("invalid_value", _("A value is out of range."), 400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):  # a model's clean() reached from a view
        exc = exceptions.ValidationError(detail=get_error_detail(exc))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        code = _first_code(detail)
        if code in (None, "invalid", "required", "null", "blank"):
            code = "validation_error"
        return error_response(code, _("Please check the input."), response.status_code, detail)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # SessionAuthentication's CSRF check, for a browser session calling the API.
        return error_response("csrf_failed", http.CSRF_FAILED_MESSAGE, response.status_code)
    for exc_class, (code, message) in _DRF_CODES.items():
        if isinstance(exc, exc_class):
            return _with_headers(error_response(code, message, response.status_code), response)
    return _with_headers(error_response("error", str(getattr(exc, "detail", exc)), response.status_code), response)


def _with_headers(ours: Response, drfs: Response) -> Response:
    """Keep the headers DRF set on its answer (Retry-After on 429, Allow on 405,
    WWW-Authenticate on 401)."""
    for name in ("Retry-After", "Allow", "WWW-Authenticate"):
        if name in drfs:
            ours[name] = drfs[name]
    return ours


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500
