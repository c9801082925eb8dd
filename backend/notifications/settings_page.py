"""`/notices/settings/`: the signed-in person chooses how notices reach them (email, and
SMS / KakaoTalk AlimTalk once their notifier is configured), their quiet hours, and
their language (kept on their account: notices are written in it, and the site opens
in it on a phone they sign in on). The notice centre shows every notice at once
whatever they choose: these are for pushes."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from backend.accounts.languages import language_of, set_language_cookie
from backend.core.errors import DomainError
from backend.notifications import services
from backend.notifications.models import Channel, NoticePreference
from backend.notifications.notifiers import alimtalk_falls_back_to_text, configured_channels
from backend.notifications.preferences import home_zone, preference_of, zone_name

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=Channel.EMAIL.label, required=False)
    alimtalk = forms.BooleanField(label=Channel.ALIMTALK.label, required=False)
    sms = forms.BooleanField(label=Channel.SMS.label, required=False)
    quiet_hours = forms.BooleanField(label=_("Quiet hours on"), required=False)
    # Needed only with quiet hours on (clean); left empty with them off, the stored times stay.
    quiet_start = forms.TimeField(label=_("From"), widget=TIME, required=False)
    quiet_end = forms.TimeField(label=_("Until"), widget=TIME, required=False)
    # Each language by its own name (한국어, English), as the header's switch says it.
    # Not sent (an older form): the stored language stays as it is.
    language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ready = set(configured_channels())
        # Without an SMS notifier, texts still go out as AlimTalk's fallback: said so
        # beside the SMS box rather than "coming soon".
        via_alimtalk = Channel.SMS not in ready and alimtalk_falls_back_to_text()
        self.kept = {}
        for channel in Channel.values:
            field = self.fields[channel]
            field.ready = channel in ready
            field.via_alimtalk = channel == Channel.SMS and via_alimtalk
            if channel not in ready:
                # A channel without a notifier keeps the person's choice for the day it
                # is, but shows unticked: a ticked box would read as "on" today.
                field.disabled = True
                self.kept[channel] = bool(self.initial.get(channel, False))
                self.initial[channel] = False

    def clean(self):
        data = super().clean()
        data.update(self.kept)
        for name in ("quiet_start", "quiet_end"):
            if data.get(name) is None and name not in self.errors:
                if data.get("quiet_hours"):
                    self.add_error(name, self.fields[name].error_messages["required"])
                else:
                    data[name] = self.initial.get(name) or NoticePreference._meta.get_field(name).default
        return data

    def channels(self):
        return [self[channel] for channel in (Channel.EMAIL, Channel.ALIMTALK, Channel.SMS)]


@login_required
def notice_settings(request):
    preference = preference_of(request.user)
    initial = {
        name: getattr(preference, name)
        for name in ("email", "sms", "alimtalk", "quiet_hours", "quiet_start", "quiet_end")
    }
    initial["language"] = language_of(request.user)
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        try:
            services.save_preferences(user=request.user, **{**form.cleaned_data, "language": language or None})
        except DomainError as error:
            fields = [name for name in error.fields if name in form.fields]
            form.add_error(fields[0] if fields else None, str(error.message))
        else:
            response = redirect("notices:settings")
            if language:
                set_language_cookie(response, language)  # the site follows the person's language
            with translation.override(language or translation.get_language()):  # in the language just chosen
                messages.success(request, str(_("Your notice settings were saved.")))
            return response
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "zone": zone_name(home_zone(request.user))},
        status=400 if form.errors else 200,
    )
