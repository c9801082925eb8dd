"""`/notices/settings/`: the signed-in person chooses how notices reach them (email, and
SMS / KakaoTalk AlimTalk once their notifier is configured) and their quiet hours. The
notice centre shows every notice at once whatever they choose: these are for pushes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from backend.core.errors import DomainError
from backend.notifications import services
from backend.notifications.models import Channel
from backend.notifications.notifiers import configured_channels
from backend.notifications.preferences import home_zone, preference_of

COMING = "준비 중 · coming"
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label="이메일 · Email", required=False)
    alimtalk = forms.BooleanField(label="카카오톡 알림톡 · KakaoTalk AlimTalk", required=False)
    sms = forms.BooleanField(label="문자 (SMS) · Text message", required=False)
    quiet_hours = forms.BooleanField(label="밤에는 보내지 않기 · Quiet hours on", required=False)
    quiet_start = forms.TimeField(label="시작 · From", widget=TIME)
    quiet_end = forms.TimeField(label="끝 · Until", widget=TIME)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ready = set(configured_channels())
        for channel in Channel.values:
            field = self.fields[channel]
            field.ready = channel in ready
            # A channel without a notifier keeps the person's choice for the day it is.
            field.disabled = channel not in ready

    def channels(self):
        return [self[channel] for channel in (Channel.EMAIL, Channel.ALIMTALK, Channel.SMS)]


@login_required
def notice_settings(request):
    preference = preference_of(request.user)
    initial = {
        name: getattr(preference, name)
        for name in ("email", "sms", "alimtalk", "quiet_hours", "quiet_start", "quiet_end")
    }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_preferences(user=request.user, **form.cleaned_data)
        except DomainError as error:
            fields = [name for name in error.fields if name in form.fields]
            form.add_error(fields[0] if fields else None, error.message)
        else:
            messages.success(request, "알림 설정을 저장했습니다. Your notice settings were saved.")
            return redirect("notices:settings")
    return render(
        request,
        "notifications/settings.html",
        {"form": form, "zone": home_zone(request.user), "coming": COMING},
        status=400 if form.errors else 200,
    )
