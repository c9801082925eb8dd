"""How a notice reaches a person. One interface; the backend is a setting.

Email goes through Django's email backend (console in development). A KakaoTalk
AlimTalk or SMS gateway is a class with the same `send` (docs/architecture.md).
"""

from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class Undeliverable(Exception):
    """The person has no address this notifier can use; retrying will not help."""


class Notifier(Protocol):
    def send(self, *, recipient, subject: str, body: str) -> None: ...


class EmailNotifier:
    def send(self, *, recipient, subject: str, body: str) -> None:
        if not recipient.email:
            raise Undeliverable(f"{recipient.username} has no email address")
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])


def get_notifier() -> Notifier:
    return import_string(getattr(settings, "NOTIFIER_CLASS", "backend.notifications.notifiers.EmailNotifier"))()
