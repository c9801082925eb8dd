"""The one exception type the domain raises.

Every rule broken in the domain layer raises a DomainError with a stable machine
code; the API's exception handler turns it into
``{"error": {"code", "message", "fields"}}`` and the pages show its message.

The message is an English msgid, usually wrapped in ``gettext_lazy``: it is turned into
text only when it is shown (``str(error.message)``, ``as_dict()``), in the language of
the person it is shown to (docs/i18n.md). The code never changes with the language.
"""

from typing import Any

from django.utils.functional import Promise


class DomainError(Exception):
    #: HTTP status the API answers with; the domain itself does not care.
    status_code = 400

    def __init__(
        self,
        code: str,
        message: "str | Promise",
        *,
        fields: dict[str, Any] | None = None,
        status_code: int | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        if status_code is not None:
            self.status_code = status_code

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "fields": self.fields}

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {str(self.message)!r})"
