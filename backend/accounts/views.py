"""The login page, with the same limits as the API token endpoint: per-address and
per-account rates, and a lockout after repeated wrong passwords. A refused attempt
answers 429 with Retry-After and the form, saying when to try again. Signing in on a
phone without a language cookie sets it to the person's stored language.

The language switch: Django's own `set_language`, which a signed-in person's choice
also goes to their account through (languages.py)."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.views.i18n import set_language as django_set_language

from backend.accounts import lockout
from backend.accounts.languages import is_site_language, language_at_sign_in, remember_language, set_language_cookie
from backend.accounts.throttles import client_address, login_rate_wait, submitted_username


class LoginView(auth_views.LoginView):
    def post(self, request, *args, **kwargs):
        if seconds := login_rate_wait(request):
            return self._refused(lockout.throttled_message(seconds), seconds)
        username = submitted_username(request)
        if username and (seconds := lockout.locked_for(username, client_address(request))):
            return self._refused(lockout.locked_message(seconds), seconds)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        username = submitted_username(self.request)
        # Only a wrong username or password counts, not a missing field.
        failed = bool(username and form.non_field_errors())
        if failed and (seconds := lockout.record_failure(username, client_address(self.request))):
            return self._refused(lockout.locked_message(seconds), seconds)
        return super().form_invalid(form)

    def form_valid(self, form):
        lockout.record_success(submitted_username(self.request), client_address(self.request))
        response = super().form_valid(form)
        cookie = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language := language_at_sign_in(user=form.get_user(), cookie=cookie):
            set_language_cookie(response, language)
        return response

    def _refused(self, message: str, seconds: int):
        form = self.get_form_class()(self.request, initial={"username": submitted_username(self.request)})
        response = self.render_to_response(self.get_context_data(form=form, refusal=message), status=429)
        response["Retry-After"] = str(seconds)
        return response


def set_language(request):
    """Django's `set_language` view, unchanged (the cookie, `next`, its checks), and then,
    for a signed-in person, the language it set kept on their account. Django accepts any
    language it has a catalog of (fr, say); the site speaks only its own (settings.LANGUAGES,
    the middleware shows Korean for any other), so only those are kept."""
    response = django_set_language(request)
    chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen is not None and is_site_language(chosen.value) and request.user.is_authenticated:
        remember_language(user=request.user, language=chosen.value)
    return response
