"""A decision is one of a few named choices; anything else is refused, never read as
"the other one"."""

from typing import TypeVar

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError

C = TypeVar("C", bound=TextChoices)


def parse_decision(value: object, choices: type[C]) -> C:
    """`value` as one of `choices`, or a DomainError `invalid_decision` (400)."""
    allowed = ", ".join(choices.values)
    if isinstance(value, str) and value in choices.values:
        return choices(value)
    raise DomainError(
        "invalid_decision",
        _("Choose one of: %(allowed)s.") % {"allowed": allowed},
        fields={"decision": [f"one of: {allowed}"]},
    )
