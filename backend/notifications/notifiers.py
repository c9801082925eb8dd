"""How a notice reaches a person. One interface per channel; each backend is a setting.

Email goes through Django's email backend (console in development). A KakaoTalk
AlimTalk or SMS gateway is named by SMS_NOTIFIER_CLASS / ALIMTALK_NOTIFIER_CLASS; until
one is named, that channel is not configured and its owners' choice waits for it
("준비 중"). A gateway with delivery results (`TrackedNotifier`, e.g.
nhn_bizmessage.NhnAlimTalkNotifier) is driven by delivery.py through a delivery row per
notice and channel: claimed before the call, asked about by our key after a restart.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from backend.notifications.models import Channel


class Undeliverable(Exception):
    """The person has no address this notifier can use, or the provider refused the
    message for good; retrying will not help. `reason` is an UndeliverableReason."""

    def __init__(self, message: str, *, reason: str = "", code: str = ""):
        super().__init__(message)
        self.reason, self.code = reason, code


class ProviderUnavailable(ConnectionError):
    """The provider did not answer usefully (5xx, rate limited, timed out): try again
    later. A ConnectionError, so the send task retries it with backoff."""


class Notifier(Protocol):
    def send(self, *, recipient, subject: str, body: str) -> None: ...


class TrackedNotifier(Protocol):
    """A provider that keeps our key with each message and reports results."""

    provider: str

    def handles(self, notice) -> bool:
        """Whether this channel carries notices of this kind at all."""
        ...

    def prepare(self, notice) -> object:
        """What to send for this notice; Undeliverable when it cannot be sent at all."""
        ...

    def submit(self, outgoing, *, key: str) -> str:
        """Send; the provider's message id. ProviderUnavailable to retry, Undeliverable if refused."""
        ...

    def find(self, *, key: str, since: datetime, until: datetime) -> str | None:
        """The provider's id of the message sent with `key`, or None if it has none."""
        ...

    def results(self, *, since: datetime, until: datetime) -> Iterable["DeliveryResult"]:
        """Results the provider updated in [since, until)."""
        ...


@dataclass(frozen=True)
class DeliveryResult:
    key: str
    message_id: str
    outcome: str  # "delivered", "failed" or "pending"
    result_code: str = ""
    result_message: str = ""
    fell_back: bool = False
    fallback_type: str = ""
    delivered_at: datetime | None = None
    reason: str = ""  # an UndeliverableReason when failed


def is_tracked(notifier: object) -> bool:
    return hasattr(notifier, "submit") and hasattr(notifier, "find")


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


def alimtalk_falls_back_to_text() -> bool:
    """Whether AlimTalk's provider sends a text (SMS/LMS) when AlimTalk does not reach the person."""
    if Channel.ALIMTALK not in configured_channels():
        return False
    return bool(getattr(get_notifier(Channel.ALIMTALK), "falls_back_to_text", False))


def get_notifier(channel: str = Channel.EMAIL) -> Notifier:
    path = _notifier_classes()[channel]
    if not path:
        raise LookupError(f"no notifier configured for {channel}")
    return import_string(path)()
