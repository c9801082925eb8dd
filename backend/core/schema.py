"""The OpenAPI schema's conventions: every operation documents the errors it can answer.

Every 4xx and 5xx answer of the API has one shape, `{"error": {"code", "message",
"fields"}}` (backend/core/api.py). `ErrorAutoSchema` adds the component `Error` and,
to each operation, the error answers it can give:

- 400 when the caller sends something to validate (a body, query parameters);
- 401 everywhere but where anyone may call (a bad token is refused even there);
- 403 where a role or a CSRF check may refuse;
- 404 where something is looked up (a path parameter, a referenced row, a page);
- 409 on writes that a row's state may refuse (a revoked tag, a decided dispute);
- 413 where a body is sent (the request-size limit);
- 429 everywhere (throttling, with `Retry-After`);
- 503 everywhere (the database unavailable, with `Retry-After`).
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable machine code, e.g. `validation_error`, `tag_revoked`")
    message = serializers.CharField(help_text="한국어 then English")
    fields = serializers.DictField(
        child=serializers.JSONField(), help_text="per-field problems, keyed by field name; may be empty"
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


_DESCRIPTIONS = {
    400: "입력 오류 · Invalid input (`validation_error` or a more specific code; `fields` says where)",
    401: "로그인 필요 · Not signed in, or the token is not valid",
    403: "권한 없음 · Not allowed for this role",
    404: "없음 · Not found, or not visible to the caller",
    409: "충돌 · The row's current state does not allow this",
    413: "본문이 너무 큼 · Request body too large",
    429: "요청이 너무 많음 · Too many requests; try again after `Retry-After` seconds",
    503: "일시적 장애 · Service unavailable; try again after `Retry-After` seconds",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait before trying again"}}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the error answers each operation can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for status in self.error_statuses():
            answer = {"description": _DESCRIPTIONS[status], "content": {"application/json": {"schema": error}}}
            if status in (429, 503):
                answer["headers"] = _RETRY_AFTER
            responses.setdefault(str(status), answer)
        return responses

    def error_statuses(self) -> list[int]:
        open_to_all = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        has_body = self.method in _WRITES
        has_query = bool([p for p in self._get_parameters() if p.get("in") == "query"])
        looks_up = "{" in self.path or self.method in _WRITES or has_query or self._is_list_view()
        statuses = []
        if has_body or has_query:
            statuses.append(400)
        statuses.append(401)
        if not open_to_all:
            statuses.append(403)
        if looks_up and not open_to_all:
            statuses.append(404)
        if self.method in _WRITES and not open_to_all:
            statuses.append(409)
        if has_body:
            statuses.append(413)
        statuses += [429, 503]
        return statuses
