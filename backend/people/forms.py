from django import forms

CONTACT_HELP = (
    "이메일이 있으면 링크를 이메일로 보냅니다. 휴대전화만 있으면 링크를 화면에 보여 드립니다 (문자 발송은 준비 중)."
)


class InviteForm(forms.Form):
    """Who to invite: at least one of email, phone, name (checked by the service)."""

    name = forms.CharField(label="이름 · Name", required=False, max_length=150)
    email = forms.EmailField(label="이메일 · Email", required=False)
    phone = forms.CharField(
        label="휴대전화 · Phone (010-XXXX-XXXX)", required=False, max_length=20, help_text=CONTACT_HELP
    )

    def __init__(self, *args, target_label: str, target_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"] = forms.ChoiceField(label=target_label, choices=target_choices)
        self.order_fields(["target", "name", "email", "phone"])


class DeactivateForm(forms.Form):
    reason = forms.CharField(label="사유 · Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class SetPasswordForm(forms.Form):
    password = forms.CharField(
        label="새 비밀번호 · New password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="8자 이상, 아이디와 다르게 · At least 8 characters, unlike your username.",
    )
    password2 = forms.CharField(
        label="비밀번호 확인 · Repeat the password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password2"):
            self.add_error("password2", "두 비밀번호가 다릅니다. The two passwords differ.")
        return cleaned


class ResetRequestForm(forms.Form):
    login = forms.CharField(label="아이디, 이메일 또는 휴대전화 · Username, email or phone", max_length=254)
