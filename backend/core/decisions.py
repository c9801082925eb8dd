"""A decision is one of a few named choices; anything else is refused, never read as
"the other one"."""

from typing import TypeVar

from django.db.models import TextChoices

from backend.core.errors import DomainError

C = TypeVar("C", bound=TextChoices)


def parse_decision(value: object, choices: type[C]) -> C:
    """`value` as one of `choices`, or a DomainError `invalid_decision` (400)."""
    allowed = ", ".join(choices.values)
    if isinstance(value, str) and value in choices.values:
        return choices(value)
    raise DomainError(
        "invalid_decision",
        f"처리 방법을 선택해 주세요 ({allowed}). Choose one of: {allowed}.",
        fields={"decision": [f"one of: {allowed}"]},
    )
