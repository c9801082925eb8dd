"""The login page, with the same limits as the API token endpoint: per-address and
per-account rates, and a lockout after repeated wrong passwords. A refused attempt
answers 429 with Retry-After and the form, saying when to try again."""

from django.contrib.auth import views as auth_views

from backend.accounts import lockout
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
        return super().form_valid(form)

    def _refused(self, message: str, seconds: int):
        form = self.get_form_class()(self.request, initial={"username": submitted_username(self.request)})
        response = self.render_to_response(self.get_context_data(form=form, refusal=message), status=429)
        response["Retry-After"] = str(seconds)
        return response
