"""API tokens: one per sign-in (so one per device or session), each expiring after
API_TOKEN_TTL_HOURS, each revocable alone. Anything that makes a token uses this."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from knox.models import AuthToken

from backend.accounts.models import User

_SETTING: Any = object()  # "not given": the setting's lifetime


def issue_token(user: User, *, lifetime: timedelta | None = _SETTING) -> tuple[str, datetime | None]:
    """A new token for `user`: (the key to send as `Authorization: Token <key>`, when it expires).
    Only a hash is stored: the key cannot be shown again. The lifetime is
    API_TOKEN_TTL_HOURS unless given; None never expires (test fixtures that move the clock)."""
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()  # the account's expired ones
    if lifetime is _SETTING:
        instance, key = AuthToken.objects.create(user=user)
    else:
        instance, key = AuthToken.objects.create(user=user, expiry=lifetime)
    return key, instance.expiry


def revoke_token(token: AuthToken) -> None:
    token.delete()
