import uuid

from django import forms
from django.utils import timezone

from backend.collection_events.models import CrewException


class CollectionForm(forms.Form):
    """What a crew member types on the tag page. The scan's id and time are fixed when
    the page is drawn (opening the tag's URL is the scan), so pressing 'save' twice,
    or resending after a dropped connection, stores the scan once."""

    id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    scanned_at = forms.DateTimeField(widget=forms.HiddenInput, initial=timezone.now)
    # Text, read by the same strict rule as the API's (collection_events/weights.py) when
    # the scan is recorded: Django's DecimalField would take "1_0" as 10 and "2.5E+1" as 25.
    weight_kg = forms.CharField(
        label="무게 (kg) · Weight",
        required=False,
        max_length=12,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.001", "min": "0", "autofocus": True}),
    )
    exception_code = forms.ChoiceField(
        label="수거하지 못한 경우 · Not collected because",
        required=False,
        choices=[("", "— 정상 수거 · Collected —"), *CrewException.choices],
    )

    def clean(self):
        data = super().clean()
        if data.get("exception_code") and data.get("weight_kg"):
            raise forms.ValidationError(
                "무게 또는 미수거 사유 중 하나만 입력하세요. Enter a weight or a reason, not both."
            )
        if not data.get("exception_code") and not data.get("weight_kg"):
            raise forms.ValidationError("무게를 입력하세요. Enter the weight.")
        return data

    def as_submission(self, *, tag_code: str) -> dict:
        """The scan as the API would receive it. A phone that opened the tag's URL may
        have read the QR or the NFC chip; we cannot tell, so it counts as "qr": not
        proof that someone stood at the bin (docs/tags.md)."""
        data = self.cleaned_data
        submission = {
            "id": str(data["id"]),
            "tag": tag_code,
            "source": "qr",
            "collected_at": data["scanned_at"].isoformat(),
        }
        if data["exception_code"]:
            submission["exception_code"] = data["exception_code"]
        else:
            submission["weight_kg"] = data["weight_kg"]
        return submission
