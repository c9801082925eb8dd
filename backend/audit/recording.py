"""What each history row records besides the row itself: why (the form's
`change_reason`, see core/audit.py). Who is taken from the request by
simple_history's HistoryRequestMiddleware."""

from backend.core.audit import current_change_reason


def record_reason(sender, *, history_instance, **kwargs) -> None:
    reason = current_change_reason()
    if reason and not getattr(history_instance, "history_change_reason", None):
        history_instance.history_change_reason = reason
