"""How a notice reaches a person. One interface per channel; each backend is a setting.

Email goes through Django's email backend (console in development). A KakaoTalk
AlimTalk or SMS gateway is a class with the same `send` (docs/architecture.md), named
by SMS_NOTIFIER_CLASS / ALIMTALK_NOTIFIER_CLASS; until one is named, that channel is
not configured and its owners' choice waits for it ("준비 중").
"""

from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from backend.notifications.models import Channel


class Undeliverable(Exception):
    """The person has no address this notifier can use; retrying will not help."""


class Notifier(Protocol):
    def send(self, *, recipient, subject: str, body: str) -> None: ...


class EmailNotifier:
    def send(self, *, recipient, subject: str, body: str) -> None:
        if not recipient.email:
            raise Undeliverable(f"{recipient.username} has no email address")
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])


def _notifier_classes() -> dict[str, str]:
    return {
        Channel.EMAIL: getattr(settings, "NOTIFIER_CLASS", "") or "backend.notifications.notifiers.EmailNotifier",
        Channel.SMS: getattr(settings, "SMS_NOTIFIER_CLASS", ""),
        Channel.ALIMTALK: getattr(settings, "ALIMTALK_NOTIFIER_CLASS", ""),
    }


def configured_channels() -> list[str]:
    """The channels that have a notifier, in the order they are tried."""
    return [channel for channel, path in _notifier_classes().items() if path]


def get_notifier(channel: str = Channel.EMAIL) -> Notifier:
    path = _notifier_classes()[channel]
    if not path:
        raise LookupError(f"no notifier configured for {channel}")
    return import_string(path)()
