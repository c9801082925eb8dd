from django import forms

from backend.payments.services import MAX_PAYMENT_KRW


class TopUpForm(forms.Form):
    amount_krw = forms.IntegerField(
        label="충전할 금액 (원) · Amount to add, KRW",
        min_value=1000,
        max_value=MAX_PAYMENT_KRW,
        error_messages={
            "required": "금액을 입력하세요. Enter an amount.",
            "invalid": "숫자로 입력하세요. Enter a number.",
            "min_value": "1,000원 이상 충전할 수 있습니다. Top up at least 1,000 KRW.",
            "max_value": "금액이 너무 큽니다. The amount is too large.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1000", "step": "1000"}),
    )


class RefundForm(forms.Form):
    amount_krw = forms.IntegerField(
        label="환불받을 금액 (원) · Amount to refund, KRW",
        min_value=1,
        max_value=MAX_PAYMENT_KRW,
        error_messages={
            "required": "금액을 입력하세요. Enter an amount.",
            "invalid": "숫자로 입력하세요. Enter a number.",
            "min_value": "1원 이상이어야 합니다. At least 1 KRW.",
            "max_value": "금액이 너무 큽니다. The amount is too large.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": "1"}),
    )
    bank_account = forms.CharField(
        label="환불받을 계좌 (은행, 번호, 예금주) · Bank account",
        max_length=100,
        error_messages={"required": "계좌를 입력하세요. Enter the bank account."},
    )
