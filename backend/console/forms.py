"""The console's forms: they check the shape of what was typed; the rules are the services'."""

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from backend.core.fields import StrictIntegerFormField
from backend.municipalities.models import District
from backend.restaurants.models import WEEKDAYS, BusinessType

REASON: dict[str, Any] = {
    "label": "변경 사유 · Reason for the change",
    "max_length": 100,
    "required": False,
    "help_text": "변경 이력에 남습니다. Kept in the history.",
}
PHONE = RegexValidator(r"^0\d{1,2}-?\d{3,4}-?\d{4}$", "전화번호 형식이 아닙니다. Not a phone number.")


class RestaurantForm(forms.Form):
    name = forms.CharField(label="상호 · Name", max_length=100)
    district = forms.ModelChoiceField(label="동 · District", queryset=District.objects.none())
    address = forms.CharField(label="주소 · Address", max_length=200)
    business_number = forms.CharField(
        label="사업자등록번호 · Business number", max_length=12, required=False, help_text="예: 123-45-67891"
    )
    phone = forms.CharField(label="전화번호 · Phone", max_length=13, required=False, validators=[PHONE])
    business_type = forms.ChoiceField(label="업태 · Business type", choices=BusinessType.choices)
    floor_area_m2 = forms.DecimalField(
        label="시설 면적 (m²) · Floor area", max_digits=9, decimal_places=2, min_value=0, required=False
    )
    lat = forms.DecimalField(label="위도 · Latitude", max_digits=9, decimal_places=6, required=False)
    lng = forms.DecimalField(label="경도 · Longitude", max_digits=9, decimal_places=6, required=False)
    change_reason = forms.CharField(**REASON)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["change_reason"].required = editing


class ConfirmedReasonForm(forms.Form):
    """An irreversible action: a reason, and a box ticked to say the official means it."""

    reason = forms.CharField(label="사유 · Reason", max_length=200)
    confirm = forms.BooleanField(label="되돌릴 수 없음을 확인했습니다 · I understand this cannot be undone")


class CloseRestaurantForm(ConfirmedReasonForm):
    closed_on = forms.DateField(
        label="폐업일자 · Closing day",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="이 날 이후의 수거와 청구는 없습니다. No pickups or bills after this day.",
    )
    field_order = ["closed_on", "reason", "confirm"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class ReplaceTagForm(ConfirmedReasonForm):
    reason = forms.ChoiceField(  # type: ignore[assignment]
        label="사유 · Reason",
        choices=[("lost", "분실 · Lost"), ("damaged", "훼손 · Damaged")],
        widget=forms.RadioSelect,
    )


class BinForm(forms.Form):
    label = forms.CharField(label="용기 이름 · Label", max_length=50, help_text="예: 주방 1")
    capacity_liters = StrictIntegerFormField(label="용량 (L) · Capacity (litres)", min_value=1, max_value=1000)
    collection_days = forms.TypedMultipleChoiceField(
        label="수거 요일 · Collection days",
        choices=[(day, name) for day, name in WEEKDAYS.items()],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="하나도 고르지 않으면 매일 수거합니다. None ticked: collected every day.",
    )
    change_reason = forms.CharField(**REASON)


class BulkBinsForm(forms.Form):
    label = forms.CharField(label="용기 이름 · Label", max_length=50, initial="용기 1")
    capacity_liters = StrictIntegerFormField(
        label="용량 (L) · Capacity (litres)", min_value=1, max_value=1000, initial=60
    )


class BinFileForm(forms.Form):
    file = forms.FileField(
        label="CSV 파일 · CSV file",
        help_text="관리번호(또는 음식점 ID), 라벨, 용량 열. Columns: 관리번호 (or restaurant id), label, capacity.",
    )


class LabelSheetForm(forms.Form):
    SCOPES = [
        ("unprinted", "라벨을 인쇄하지 않은 모든 태그 · Every tag not printed yet"),
        ("restaurants", "고른 음식점의 태그 · The tags of the restaurants picked"),
    ]
    scope = forms.ChoiceField(label="무엇을 인쇄할까요 · What to print", choices=SCOPES, widget=forms.RadioSelect)
    restaurants = forms.CharField(
        label="음식점 (관리번호 또는 ID, 한 줄에 하나) · Restaurants (관리번호 or id, one a line)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
