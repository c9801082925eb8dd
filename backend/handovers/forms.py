from django import forms
from django.utils.translation import gettext_lazy as _

from backend.handovers.models import HandoverKind
from backend.handovers.services import NOTE_MAX


class ReportForm(forms.Form):
    """What an owner fills in on the phone."""

    restaurant = forms.ChoiceField(label=_("Restaurant"))
    kind = forms.ChoiceField(label=_("What happens?"), choices=HandoverKind.choices, widget=forms.RadioSelect)
    proposed_on = forms.DateField(
        label=_("Date"),
        help_text=_("Closing: the last day open. Sale: the new owner's first day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    new_owner_name = forms.CharField(label=_("New owner's name (sale)"), required=False, max_length=150)
    new_owner_email = forms.EmailField(label=_("New owner's email (sale)"), required=False)
    new_owner_phone = forms.CharField(
        label=_("New owner's mobile (sale)"),
        required=False,
        max_length=13,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, restaurants, **kwargs):
        """Nothing chosen beforehand but the only restaurant: a closing or a sale is
        reported by choosing it, its restaurant and its date, never by one tap."""
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.restaurants = {str(r.id): r for r in restaurants}
        choices = [(str(r.id), r.name) for r in restaurants]
        if len(choices) > 1:
            choices.insert(0, ("", _("Choose a restaurant")))
        self.fields["restaurant"].choices = choices


class ConfirmForm(forms.Form):
    effective_on = forms.DateField(
        label=_("Confirmed date"),
        help_text=_("Closing: the last day open. Sale: the new owner's first day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    new_owner_name = forms.CharField(label=_("New owner's name"), required=False, max_length=150)
    new_owner_email = forms.EmailField(label=_("New owner's email"), required=False)
    new_owner_phone = forms.CharField(label=_("New owner's mobile"), required=False, max_length=13)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for turning it down"), max_length=NOTE_MAX)
