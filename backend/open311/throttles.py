"""Requests filed per API key (`OPEN311_RATE_PER_KEY`), counted in the shared cache so
that every worker sees the same numbers. The count is kept under the key's hash, so a
key is limited before the database is asked about it."""

from backend.accounts.throttles import _RateFromSettings
from backend.open311.services import hash_key


def submitted_api_key(request) -> str:
    """The api_key of a POST: in the form (the spec's place) or in the query string,
    where some older clients put it."""
    data = getattr(request, "data", None)
    value = data.get("api_key") if data is not None and hasattr(data, "get") else None
    if not isinstance(value, str) or not value:
        value = request.query_params.get("api_key", "")
    return value if isinstance(value, str) else ""


class ApiKeyThrottle(_RateFromSettings):
    scope = "open311_key"
    rate_setting = "OPEN311_RATE_PER_KEY"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        key = submitted_api_key(request)
        if not key:
            return None
        return self.cache_format % {"scope": self.scope, "ident": hash_key(key)[:32]}
