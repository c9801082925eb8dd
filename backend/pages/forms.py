import uuid

from django import forms

from backend.collection_events.models import CrewException


class CollectionForm(forms.Form):
    """What a crew member types on the tag page. The id is fixed when the page is
    drawn, so pressing 'save' twice stores the scan once."""

    id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    weight_kg = forms.DecimalField(
        label="무게 (kg) · Weight", required=False, min_value=0, decimal_places=3, max_digits=7,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.001", "autofocus": True}),
    )
    exception_code = forms.ChoiceField(
        label="수거하지 못한 경우 · Not collected because", required=False,
        choices=[("", "— 정상 수거 · Collected —"), *CrewException.choices],
    )

    def clean(self):
        data = super().clean()
        if data.get("exception_code") and data.get("weight_kg") is not None:
            raise forms.ValidationError("무게 또는 미수거 사유 중 하나만 입력하세요. Enter a weight or a reason, not both.")
        if not data.get("exception_code") and data.get("weight_kg") is None:
            raise forms.ValidationError("무게를 입력하세요. Enter the weight.")
        return data

    def as_submission(self, *, collected_at) -> dict:
        data = self.cleaned_data
        submission = {"id": str(data["id"]), "source": "qr", "collected_at": collected_at.isoformat()}
        if data["exception_code"]:
            submission["exception_code"] = data["exception_code"]
        else:
            submission["weight_kg"] = str(data["weight_kg"])
        return submission
