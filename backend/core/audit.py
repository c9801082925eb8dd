"""Why a change was made, for the audit trail (backend/audit).

A page or an API view wraps the service call it makes for a user in
`change_reason(...)`; every history row written meanwhile, on this thread, records
that reason. Who made the change comes from the request (simple_history's middleware).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_state = threading.local()

#: The longest reason a history row keeps (its `history_change_reason` column).
MAX_REASON_LENGTH = 100


@contextmanager
def change_reason(reason: str | None) -> Iterator[None]:
    previous = getattr(_state, "reason", None)
    _state.reason = (reason or "").strip()[:MAX_REASON_LENGTH] or None
    try:
        yield
    finally:
        _state.reason = previous


def current_change_reason() -> str | None:
    return getattr(_state, "reason", None)
