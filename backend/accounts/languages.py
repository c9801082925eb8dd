"""A person's language, remembered on their account (`User.language`).

Pages follow Django's language cookie (core/middleware.py); the account keeps the
person's own choice so that it follows them: their notices are written in it (whoever
sends them, from whatever request or task), and signing in on a phone that has no
language cookie yet sets the cookie to it. The choice is made with the header's switch
while signed in (`views.set_language`, around Django's own view) or on the notice
settings page."""

from collections.abc import Iterable
from typing import Literal, TypeGuard, cast

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.core.errors import DomainError


def is_site_language(language: str | None) -> TypeGuard[str]:
    return language in dict(settings.LANGUAGES)


def language_of(user: User) -> str:
    """The language to write to the person in: their choice, else the site's (Korean)."""
    return user.language if is_site_language(user.language) else settings.LANGUAGE_CODE


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """`language_of` for many people at once, in one query (a billing run tells thousands)."""
    chosen = dict(User.objects.filter(id__in=set(user_ids)).values_list("id", "language"))
    return {
        user_id: language if is_site_language(language) else settings.LANGUAGE_CODE
        for user_id, language in chosen.items()
    }


def remember_language(*, user: User, language: str) -> None:
    """Keep the person's choice on their account (written only when it changes)."""
    if not is_site_language(language):
        raise DomainError("unknown_language", _("Choose Korean or English."), fields={"language": [language]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def language_at_sign_in(*, user: User, cookie: str | None) -> str | None:
    """What signing in does to the language: a phone with no language cookie gets the
    person's stored language (the cookie to set is returned); a phone whose cookie was
    chosen before signing in, by someone who never chose, gives its choice to the account.
    A phone that has a cookie keeps it."""
    if is_site_language(cookie):
        if not is_site_language(user.language):
            remember_language(user=user, language=cookie)
        return None
    return user.language if is_site_language(user.language) else None


def set_language_cookie(response: HttpResponse, language: str) -> None:
    """The cookie exactly as Django's `set_language` view sets it."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=cast(Literal["Lax", "Strict", "None"], settings.LANGUAGE_COOKIE_SAMESITE),
    )
