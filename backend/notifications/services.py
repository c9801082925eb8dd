"""The one way to tell a person something: `notify` (one notice) or `notify_all` (many).

A notice is a `Notice` row whose (kind, about) is unique, written in the caller's
transaction, and sent by the `notifications.send_notice` task after that transaction
commits. A notice that already exists is neither written again nor sent again, so the
code that raises it (a rerun, a retried request, a replayed callback) may run as often
as it likes: the person is told once. A rolled-back transaction sends nothing.

Callers keep their own wording: each passes the template that words its notice
(`<template>_subject.txt`, `<template>_body.txt`) and the context to render it with.
The templates are English msgids (docs/i18n.md); each notice is rendered when it is
written, in its recipient's language (`User.language`, accounts/languages.py: Korean
unless they chose English), so the notice centre, the API and the email all say it in
the language its reader chose, whoever's request or task wrote it. The notice keeps
that language (`Notice.language`) for the pages that show it. Notices are plain text:
rendered without HTML escaping (a restaurant "김밥&국수" stays as it is).

Every notice also lands in its recipient's notice centre (`/notices/`). A notice that
points somewhere (`link`: an invoice, a receipt) says, where its template writes
`{{ url }}`, the address of the notice's own page: opening it there marks the notice
read, and the page leads on to `link`. Links that must work without signing in (a
one-time password link) are passed in the context instead, as they are.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.expressions import RawSQL
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from backend.accounts.languages import languages_of, remember_language
from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.core.queueing import queue_after_commit, queue_each_after_commit
from backend.notifications import (
    delivery,
    tasks,  # a module, not its task: the reminder task imports this one
)
from backend.notifications.alimtalk import check_variables
from backend.notifications.alimtalk import text as as_variable
from backend.notifications.alimtalk import when as as_when
from backend.notifications.models import (
    IMPORTANT_KINDS,
    DeliveryStatus,
    Notice,
    NoticeDelivery,
    NoticeKind,
    NoticePreference,
    NoticeStatus,
)


@dataclass(frozen=True)
class Message:
    """One notice to write: its kind, the id of what it is about, its recipient, and
    the template (without `_subject.txt` / `_body.txt`) and context that word it."""

    kind: str
    about: str
    recipient_id: int
    template: str
    context: dict[str, object] = field(default_factory=dict)
    link: str = ""  # the page the notice points to; its text links to the notice's own page
    # The facts its KakaoTalk message fills in: exactly its kind's template variables
    # (notifications/alimtalk.py), each a text, given by the app that knows them.
    variables: dict[str, object] = field(default_factory=dict)

    def to_notice(self, *, language: str) -> Notice:
        """The notice, worded in `language` (its recipient's)."""
        with translation.override("ko"):  # AlimTalk templates are Korean, whoever reads the notice
            variables = {name: as_variable(value) for name, value in self.variables.items()}
        check_variables(self.kind, variables)
        notice = Notice(
            id=uuid.uuid4(),
            kind=self.kind,
            about=str(self.about),
            recipient_id=self.recipient_id,
            link=self.link,
            language=language,
            variables=variables,
        )
        context = {**self.context, "url": notice.page_url} if self.link else self.context
        with translation.override(language):
            notice.subject = " ".join(_render(f"{self.template}_subject.txt", context).split())[:200]
            notice.body = _render(f"{self.template}_body.txt", context)
        return notice


def _render(template_name: str, context: dict[str, object]) -> str:
    """A plain-text template, without HTML escaping: a notice is text (an email, an SMS);
    the pages that show it escape it as they show it."""
    return Engine.get_default().get_template(template_name).render(Context(context, autoescape=False))


def notify(
    *,
    kind: str,
    about: str,
    recipient_id: int,
    template: str,
    context: dict[str, object],
    link: str = "",
    variables: dict[str, object] | None = None,
) -> Notice | None:
    """Write one notice and send it after commit. None if it already existed."""
    created = notify_all(
        [
            Message(
                kind=kind,
                about=about,
                recipient_id=recipient_id,
                template=template,
                context=context,
                link=link,
                variables=variables or {},
            )
        ]
    )
    return created[0] if created else None


def notify_all(messages: Iterable[Message]) -> list[Notice]:
    """Write the notices that do not exist yet, in one insert, each in its recipient's
    language, and send exactly those after commit. Returns the notices written by this
    call. The number of queries does not grow with the number of recipients."""
    messages = list(messages)
    if not messages:
        return []
    # Every recipient's language in one query, however many are told.
    languages = languages_of(message.recipient_id for message in messages)
    notices = [
        message.to_notice(language=languages.get(message.recipient_id, settings.LANGUAGE_CODE)) for message in messages
    ]
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
        queue_each_after_commit(tasks.send_notice, ([notice_id] for notice_id in ids))
    return created


def _send(notice_ids: list[str]) -> None:
    for notice_id in notice_ids:
        tasks.send_notice.delay(notice_id)


def remind_unread(*, now: datetime | None = None, limit: int = 500) -> int:
    """Tell once more about each important notice (invoice issued, overdue) still unread
    NOTICE_REMINDER_DAYS after it was written. Each notice is claimed by a conditional
    UPDATE (unread, not yet reminded) in the transaction that writes its reminder, so
    overlapping beats or a rerun never remind twice; a notice read meanwhile is skipped.
    Returns how many reminders this call wrote."""
    now = now or timezone.now()
    due = now - timedelta(days=settings.NOTICE_REMINDER_DAYS)
    candidates = list(
        Notice.objects.filter(
            kind__in=IMPORTANT_KINDS, read_at__isnull=True, reminded_at__isnull=True, created_at__lte=due
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )
    reminded = 0
    for notice_id in candidates:
        with transaction.atomic():
            claimed = Notice.objects.filter(id=notice_id, read_at__isnull=True, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            original = Notice.objects.get(id=notice_id)
            notify(
                kind=NoticeKind.REMINDER,
                about=str(original.id),
                recipient_id=original.recipient_id,
                template="notifications/notices/reminder",
                context={"original": original, "days": settings.NOTICE_REMINDER_DAYS},
                link=original.page_url,
                variables={"보낸날": as_when(original.created_at)[:10], "제목": original.subject},
            )
            reminded += 1
    return reminded


def release_held(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Hand the worker every notice held for quiet hours that have now ended. A notice
    stays held (pending, `hold_until` set) until a worker claims it, so a hand-over the
    broker loses is made again by the next sweep, and a second hand-over of the same
    notice finds it claimed and sends nothing (delivery.py). Returns how many it handed."""
    now = now or timezone.now()
    due = [
        str(notice_id)
        for notice_id in Notice.objects.filter(status=NoticeStatus.PENDING, hold_until__lte=now)
        .order_by("hold_until")
        .values_list("id", flat=True)[:limit]
    ]
    _send(due)
    return len(due)


def resume_stale_sends(*, now: datetime | None = None) -> int:
    """Hand the worker again every notice whose worker died mid-send (delivery.py), and
    every official's retry likewise: the worker claims it anew and asks the provider by
    key before sending. Returns how many."""
    stale = delivery.resume_stale(now=now)
    _send(stale)
    resends = delivery.stale_resends(now=now)
    for row_id in resends:
        tasks.resend_delivery.delay(row_id)
    return len(stale) + len(resends)


def retry_delivery(*, delivery_id: str, by: User) -> NoticeDelivery:
    """Send an undeliverable message once more (an official fixed the owner's number):
    its row starts over with a new key (the provider never accepted the old one for
    good) and goes to the worker after commit (`delivery.resend`), on its channel only:
    the notice's email is not sent again. At once, whatever the hour: an official
    decided it. Refused unless the official sees it and it is undeliverable."""
    with transaction.atomic():
        row: NoticeDelivery | None = (
            NoticeDelivery.objects.visible_to(by)
            .select_for_update(of=("self",))
            .select_related("notice")
            .filter(id=delivery_id)
            .first()
        )
        if row is None:
            raise DomainError("not_found", _("No such message."), status_code=404)
        if row.status != DeliveryStatus.UNDELIVERABLE:
            raise DomainError("not_undeliverable", _("This message is not undeliverable: nothing to retry."))
        if row.notice.status not in delivery.DONE:
            # The notice's own sending (another channel's retry) still owns the row.
            raise DomainError("notice_still_sending", _("This notice is still being sent: try again in a few minutes."))
        row.status, row.reason, row.key, row.claimed_at = DeliveryStatus.SENDING, "", uuid.uuid4(), None
        row.attempts, row.result_code, row.result_message, row.fell_back, row.fallback_type = 0, "", "", False, ""
        row.save()
        row_id = str(row.id)
        queue_after_commit(tasks.resend_delivery, row_id)
    return row


@transaction.atomic
def save_preferences(
    *,
    user: User,
    email: bool,
    sms: bool,
    alimtalk: bool,
    quiet_hours: bool,
    quiet_start: time,
    quiet_end: time,
    language: str | None = None,
) -> NoticePreference:
    """Keep a person's channels and quiet hours, and, when given, their language (kept
    on their account: it is theirs for pages too, not only for notices). Quiet hours
    that start and end at the same minute would be all day or none: refused."""
    if quiet_hours and quiet_start == quiet_end:
        raise DomainError(
            "quiet_hours_empty",
            _("Quiet hours start and end at the same time: choose another time or turn them off."),
            fields={"quiet_end": ["same as quiet_start"]},
        )
    if language is not None:
        remember_language(user=user, language=language)
    preference, _created = NoticePreference.objects.update_or_create(
        user=user,
        defaults={
            "email": email,
            "sms": sms,
            "alimtalk": alimtalk,
            "quiet_hours": quiet_hours,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
        },
    )
    return preference
