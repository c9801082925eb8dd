from django import forms

from backend.handovers.models import HandoverKind
from backend.handovers.services import NOTE_MAX


class ReportForm(forms.Form):
    """What an owner fills in on the phone."""

    restaurant = forms.ChoiceField(label="음식점 Restaurant")
    kind = forms.ChoiceField(
        label="무엇을 신고하시나요? What happens?", choices=HandoverKind.choices, widget=forms.RadioSelect
    )
    proposed_on = forms.DateField(
        label="날짜 Date",
        help_text=(
            "폐업: 마지막 영업일 · 양도: 새 업주가 맡는 첫날. Closing: last day open; sale: the new owner's first day."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    new_owner_name = forms.CharField(label="새 업주 이름 (양도) New owner's name", required=False, max_length=150)
    new_owner_email = forms.EmailField(label="새 업주 이메일 (양도) New owner's email", required=False)
    new_owner_phone = forms.CharField(
        label="새 업주 휴대전화 (양도) New owner's mobile",
        required=False,
        max_length=13,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label="메모 (선택) Note", required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, restaurants, **kwargs):
        super().__init__(*args, **kwargs)
        self.restaurants = {str(r.id): r for r in restaurants}
        self.fields["restaurant"].choices = [(str(r.id), r.name) for r in restaurants]


class ConfirmForm(forms.Form):
    effective_on = forms.DateField(
        label="확정 날짜 Date",
        help_text="폐업: 마지막 영업일 · 양도: 새 업주의 첫날. Closing: last day open; sale: the new owner's first.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    new_owner_name = forms.CharField(label="새 업주 이름 New owner's name", required=False, max_length=150)
    new_owner_email = forms.EmailField(label="새 업주 이메일 New owner's email", required=False)
    new_owner_phone = forms.CharField(label="새 업주 휴대전화 New owner's mobile", required=False, max_length=13)


class RejectForm(forms.Form):
    reason = forms.CharField(label="반려 사유 Reason", max_length=NOTE_MAX)
