from django import forms
from django.utils.translation import gettext_lazy as _

from backend.payments.services import MAX_PAYMENT_KRW


class TopUpForm(forms.Form):
    amount_krw = forms.IntegerField(
        label=_("Amount to add (won)"),
        min_value=1000,
        max_value=MAX_PAYMENT_KRW,
        error_messages={
            "required": _("Enter an amount."),
            "invalid": _("Enter a number."),
            "min_value": _("Top up at least 1,000 won."),
            "max_value": _("The amount is too large."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1000", "step": "1000"}),
    )


class RefundForm(forms.Form):
    amount_krw = forms.IntegerField(
        label=_("Amount to refund (won)"),
        min_value=1,
        max_value=MAX_PAYMENT_KRW,
        error_messages={
            "required": _("Enter an amount."),
            "invalid": _("Enter a number."),
            "min_value": _("At least 1 won."),
            "max_value": _("The amount is too large."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
    )
    bank_account = forms.CharField(
        label=_("Bank account to refund to (bank, number, holder)"),
        max_length=100,
        error_messages={"required": _("Enter the bank account.")},
    )
