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
from rest_framework.renderers import BrowsableAPIRenderer


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable machine code, e.g. `validation_error`, `tag_revoked`")
    message = serializers.CharField(
        help_text="in the visitor's language: Korean, or English with the cookie `django_language=en`"
    )
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(), help_text="per-field problems, keyed by field name; may be empty"
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


_DESCRIPTIONS = {
    400: "Invalid input (`validation_error` or a more specific code; `fields` says where)",
    401: "Not signed in, or the token is not valid",
    403: "Not allowed for this role",
    404: "Not found, or not visible to the caller",
    409: "The row's current state does not allow this",
    413: "Request body too large",
    429: "Too many requests; try again after `Retry-After` seconds",
    503: "Service unavailable; try again after `Retry-After` seconds",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds to wait before trying again"}}
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class ErrorAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with the error answers each operation can give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        content = self.error_content()
        for status in self.error_statuses():
            answer = {"description": _DESCRIPTIONS[status], "content": content}
            if status in (429, 503):
                answer["headers"] = _RETRY_AFTER
            responses.setdefault(str(status), answer)
        return responses

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if isinstance(field, serializers.ChoiceField | serializers.CharField) and field.read_only:
            # DRF drops `allow_blank` from read-only fields; a blank model field still answers "".
            model_field = _model_field(field)
            field.allow_blank = field.allow_blank or bool(model_field is not None and model_field.blank)
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if isinstance(field, serializers.Field) and field.read_only and field.default is None:
            # `source="hauler.name", default=None`: answers null where there is no hauler.
            meta["nullable"] = True
        return meta

    def error_content(self) -> dict:
        """JSON; and where the view renders other formats (`?format=csv`), the error in that format too."""
        content = {"application/json": {"schema": self.resolve_serializer(ErrorSerializer, "response").ref}}
        for renderer in self.view.get_renderers():
            media_type = renderer.media_type
            if "json" in media_type or isinstance(renderer, BrowsableAPIRenderer):
                continue
            binary = not media_type.startswith("text/")
            content[media_type] = {"schema": {"type": "string", **({"format": "binary"} if binary else {})}}
        return content

    def error_statuses(self) -> list[int]:
        permissions = self.view.get_permissions()
        open_to_all = not permissions or any(isinstance(p, AllowAny) for p in permissions)
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


def _model_field(field):
    """The model field behind a ModelSerializer's field, if it is a plain attribute."""
    meta = getattr(getattr(field.parent, "Meta", None), "model", None)
    if meta is None or not field.source or "." in field.source:
        return None
    try:
        return meta._meta.get_field(field.source)
    except Exception:
        return None
