"""The one way to tell a person something: `notify` (one notice) or `notify_all` (many).

A notice is a `Notice` row whose (kind, about) is unique, written in the caller's
transaction, and sent by the `notifications.send_notice` task after that transaction
commits. A notice that already exists is neither written again nor sent again, so the
code that raises it (a rerun, a retried request, a replayed callback) may run as often
as it likes: the person is told once. A rolled-back transaction sends nothing.

Callers keep their own wording: each passes the template that words its notice
(`<template>_subject.txt`, `<template>_body.txt`) and the context to render it with.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string

from backend.notifications.models import Notice
from backend.notifications.tasks import send_notice


@dataclass(frozen=True)
class Message:
    """One notice to write: its kind, the id of what it is about, its recipient, and
    the template (without `_subject.txt` / `_body.txt`) and context that word it."""

    kind: str
    about: str
    recipient_id: int
    template: str
    context: dict[str, object] = field(default_factory=dict)

    def to_notice(self) -> Notice:
        return Notice(
            kind=self.kind,
            about=str(self.about),
            recipient_id=self.recipient_id,
            subject=render_to_string(f"{self.template}_subject.txt", self.context).strip(),
            body=render_to_string(f"{self.template}_body.txt", self.context),
        )


def notify(*, kind: str, about: str, recipient_id: int, template: str, context: dict[str, object]) -> Notice | None:
    """Write one notice and send it after commit. None if it already existed."""
    created = notify_all(
        [Message(kind=kind, about=about, recipient_id=recipient_id, template=template, context=context)]
    )
    return created[0] if created else None


def notify_all(messages: Iterable[Message]) -> list[Notice]:
    """Write the notices that do not exist yet, in one insert, and send exactly those
    after commit. Returns the notices written by this call."""
    notices = [message.to_notice() for message in messages]
    if not notices:
        return []
    Notice.objects.bulk_create(notices, ignore_conflicts=True)
    # ignore_conflicts hands back every object, inserted or not. Ids are made here, so
    # the rows with these ids are the ones this call inserted. One uuid[] parameter: a
    # billing chunk passes thousands of ids.
    inserted = set(
        Notice.objects.filter(
            id__in=RawSQL("SELECT unnest(%s::uuid[])", [[str(notice.id) for notice in notices]])
        ).values_list("id", flat=True)
    )
    created = [notice for notice in notices if notice.id in inserted]
    if created:
        ids = [str(notice.id) for notice in created]
        transaction.on_commit(lambda: _send(ids))
    return created


def _send(notice_ids: list[str]) -> None:
    for notice_id in notice_ids:
        send_notice.delay(notice_id)
