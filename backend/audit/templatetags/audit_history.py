"""`{% load audit_history %}{% history_of obj %}`: an object's audit trail on its page."""

from dataclasses import dataclass

from django import template
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

register = template.Library()

#: Rows shown on a page, newest first.
HISTORY_ROWS = 50

KIND = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


@dataclass
class HistoryRow:
    when: object
    who: str  # the person's name; empty when the system made the change
    kind: "str | Promise"
    changes: list[tuple[str, object, object]]
    reason: str


def history_rows(obj, limit: int = HISTORY_ROWS) -> list[HistoryRow]:
    """One query (with the users): consecutive records are compared in memory."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None and record.history_type == "~":
            delta = record.diff_against(older)
            changes = [(change.field, change.old, change.new) for change in delta.changes]
            if not changes and not record.history_change_reason:
                continue  # saved with nothing changed
        user = record.history_user
        rows.append(
            HistoryRow(
                when=record.history_date,
                who=(user.get_full_name() or user.username) if user else "",
                kind=KIND.get(record.history_type, record.history_type),
                changes=changes,
                reason=record.history_change_reason or "",
            )
        )
    return rows


@register.inclusion_tag("audit/_history.html")
def history_of(obj):
    return {"rows": history_rows(obj)}
