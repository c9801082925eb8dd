"""`{% load audit_history %}{% history_of obj %}`: an object's audit trail on its page."""

from dataclasses import dataclass

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

#: Rows shown on a page, newest first.
HISTORY_ROWS = 50

KIND = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}


@dataclass
class Change:
    """One field's change, as an official reads it: the field's verbose name, and the
    values as the pages show them (a choice's label, yes/no), both in the reader's
    language; `typed` values (names, addresses, reasons) stay as they were written."""

    field: str  # the field's name, as the model has it
    label: "str | Promise"
    old: object
    new: object
    typed: bool


def _shown(field, value) -> object:
    if value is None or field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return pgettext_lazy("a yes-or-no value", "Yes") if value else pgettext_lazy("a yes-or-no value", "No")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return value


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def describe_change(model, name: str, old, new) -> Change:
    field = _field(model, name)
    label = capfirst(field.verbose_name) if field is not None else name
    typed = field is not None and not field.choices and isinstance(new if new is not None else old, str)
    return Change(field=name, label=label, old=_shown(field, old), new=_shown(field, new), typed=typed)


@dataclass
class HistoryRow:
    when: object
    who: str  # the person's name; empty when the system made the change
    kind: "str | Promise"
    changes: list[Change]
    reason: str


def _name_related(model, rows: list[HistoryRow]) -> None:
    """A changed foreign key reads as what it points to (a district's name, not its id):
    one query per kind of object pointed to, only when such a change is shown."""
    wanted: dict[type[models.Model], set] = {}
    for row in rows:
        for change in row.changes:
            field = _field(model, change.field)
            if field is not None and field.is_relation and field.many_to_one:
                wanted.setdefault(field.related_model, set()).update(
                    v for v in (change.old, change.new) if v is not None
                )
    found = {related: related._default_manager.in_bulk(list(ids)) for related, ids in wanted.items()}
    for row in rows:
        for change in row.changes:
            field = _field(model, change.field)
            if field is not None and field.related_model in found:
                objects = found[field.related_model]
                change.old, change.new = (
                    (_called(objects[v]) if v in objects else str(v)) if v is not None else None
                    for v in (change.old, change.new)
                )
                change.typed = True  # names from the register or the people's own


def _called(target) -> str:
    """What a page calls what a key points to: a person's name, a district's, else its text."""
    if hasattr(target, "get_full_name"):
        return target.get_full_name() or target.get_username()
    return str(getattr(target, "name", None) or target)


def history_rows(obj, limit: int = HISTORY_ROWS) -> list[HistoryRow]:
    """One query (with the users): consecutive records are compared in memory; a changed
    foreign key adds one for what it points to."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    rows = []
    for index, record in enumerate(records[:limit]):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None and record.history_type == "~":
            delta = record.diff_against(older)
            changes = [describe_change(type(obj), change.field, change.old, change.new) for change in delta.changes]
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
    _name_related(type(obj), rows)
    return rows


@register.inclusion_tag("audit/_history.html")
def history_of(obj):
    return {"rows": history_rows(obj)}
