from django import forms
from django.utils.translation import gettext_lazy as _

CONTACT_HELP = _(
    "With an email address the link goes by email. With only a phone number the link is shown "
    "on the screen for you to pass on (text messages are not sent yet)."
)


class InviteForm(forms.Form):
    """Who to invite: at least one of email, phone, name (checked by the service)."""

    name = forms.CharField(label=_("Name"), required=False, max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone (010-XXXX-XXXX)"), required=False, max_length=20, help_text=CONTACT_HELP
    )

    def __init__(self, *args, target_label: str, target_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"] = forms.ChoiceField(label=target_label, choices=target_choices)
        self.order_fields(["target", "name", "email", "phone"])


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, unlike your username."),
    )
    password2 = forms.CharField(
        label=_("Repeat the password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class ResetRequestForm(forms.Form):
    login = forms.CharField(label=_("Username, email or mobile phone"), max_length=254)
