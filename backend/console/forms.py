"""The console's forms: they check the shape of what was typed; the rules are the services'."""

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.dates import WEEKDAYS as DAY_NAMES
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.core.fields import StrictIntegerFormField
from backend.municipalities.models import District
from backend.restaurants.models import WEEKDAYS, BusinessType

REASON: dict[str, Any] = {
    "label": _("Reason for the change"),
    "max_length": 100,
    "required": False,
    "help_text": _("Kept in the history."),
}
KOREAN = forms.TextInput(attrs={"lang": "ko"})
PHONE = RegexValidator(r"^0\d{1,2}-?\d{3,4}-?\d{4}$", _("Not a phone number."))


class RestaurantForm(forms.Form):
    # Names, addresses and bins' labels are the register's and the crews' words: Korean
    # whatever the page's language (lang="ko" on their inputs).
    name = forms.CharField(label=pgettext_lazy("a restaurant's name", "Name"), max_length=100, widget=KOREAN)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), widget=forms.Select(attrs={"lang": "ko"})
    )
    address = forms.CharField(label=_("Address"), max_length=200, widget=KOREAN)
    dong = forms.CharField(label=_("Dong (neighbourhood)"), max_length=20, required=False, widget=KOREAN)
    business_number = forms.CharField(
        label=_("Business number"), max_length=12, required=False, help_text=_("For example: 123-45-67891")
    )
    phone = forms.CharField(label=_("Phone"), max_length=13, required=False, validators=[PHONE])
    business_type = forms.ChoiceField(label=_("Business type"), choices=BusinessType.choices)
    floor_area_m2 = forms.DecimalField(
        label=_("Floor area (m²)"), max_digits=9, decimal_places=2, min_value=0, required=False
    )
    lat = forms.DecimalField(label=_("Latitude"), max_digits=9, decimal_places=6, required=False)
    lng = forms.DecimalField(label=_("Longitude"), max_digits=9, decimal_places=6, required=False)
    change_reason = forms.CharField(**REASON)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.visible_to(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["change_reason"].required = editing


class ConfirmForm(forms.Form):
    """An irreversible action that needs no reason: a box ticked to say the official means it."""

    confirm = forms.BooleanField(label=_("I understand this cannot be undone"))


class ConfirmedReasonForm(forms.Form):
    """An irreversible action: a reason, and a box ticked to say the official means it."""

    reason = forms.CharField(label=_("Reason"), max_length=200)
    confirm = forms.BooleanField(label=_("I understand this cannot be undone"))


class CloseRestaurantForm(ConfirmedReasonForm):
    closed_on = forms.DateField(
        label=_("Closing day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("No pickups or bills after this day."),
    )
    field_order = ["closed_on", "reason", "confirm"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class ReplaceTagForm(ConfirmedReasonForm):
    reason = forms.ChoiceField(  # type: ignore[assignment]
        label=_("Reason"),
        choices=[("lost", _("Lost")), ("damaged", _("Damaged"))],
        widget=forms.RadioSelect,
    )


class BinForm(forms.Form):
    label = forms.CharField(
        label=pgettext_lazy("a bin's label", "Label"),
        max_length=50,
        help_text=_("For example: Kitchen 1"),
        widget=KOREAN,
    )
    capacity_liters = StrictIntegerFormField(label=_("Capacity (litres)"), min_value=1, max_value=1000)
    collection_days = forms.TypedMultipleChoiceField(
        label=_("Collection days"),
        choices=[(day, DAY_NAMES[day - 1]) for day in WEEKDAYS],  # 1 = Monday; Django's own full names
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: collected every day."),
    )
    change_reason = forms.CharField(**REASON)


class BulkBinsForm(forms.Form):
    label = forms.CharField(
        label=pgettext_lazy("a bin's label", "Label"), max_length=50, initial="용기 1", widget=KOREAN
    )
    capacity_liters = StrictIntegerFormField(label=_("Capacity (litres)"), min_value=1, max_value=1000, initial=60)


class BinFileForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("Columns: register id (or restaurant id), label, capacity."),
    )


class LabelSheetForm(forms.Form):
    SCOPES = [
        ("unprinted", _("Every tag not printed yet")),
        ("restaurants", _("The tags of the restaurants picked")),
    ]
    scope = forms.ChoiceField(label=_("What to print"), choices=SCOPES, widget=forms.RadioSelect)
    restaurants = forms.CharField(
        label=_("Restaurants (register id or id, one a line)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class ApiKeyForm(forms.Form):
    app_name = forms.CharField(
        label=_("App name"),
        max_length=100,
        widget=KOREAN,  # app names are mostly Korean (새올 민원 시스템), like restaurants'
        help_text=_("The outside app (for example the city's complaint system) the key is for."),
    )
