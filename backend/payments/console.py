"""Officials' pages for restaurants' accounts (/console/accounts/...): the balance and
movements, how the restaurant pays (postpaid or prepaid), a payment taken at the
district office's counter, and the owners' refund requests to approve or reject.

Thin views: a form validates, one service decides (payments/services.py,
billing/prepaid.py). Who may: `can_manage_accounts`; which rows: `visible_to`.
"""

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.billing import ledger, prepaid
from backend.billing.models import BillingAccount, BillingMode, Invoice, InvoiceStatus, LedgerEntry
from backend.core.errors import DomainError
from backend.core.fields import StrictIntegerFormField
from backend.payments import services
from backend.payments.access import can_manage_accounts
from backend.payments.models import (
    CounterMethod,
    Payment,
    RefundRequest,
    RefundStatus,
    SettlementCheck,
)
from backend.restaurants.models import Restaurant

ENTRIES_SHOWN = 30
REFUNDS_SHOWN = 100
SETTLEMENT_DAYS_SHOWN = 31


class CounterPaymentForm(forms.Form):
    payment_id = forms.UUIDField(widget=forms.HiddenInput)  # chosen when the form is drawn: sent twice, stored once
    amount_krw = StrictIntegerFormField(
        label=_("Amount received (won)"), min_value=1, max_value=services.MAX_PAYMENT_KRW
    )
    method = forms.ChoiceField(label=_("Method"), choices=CounterMethod.choices)
    invoice = forms.ChoiceField(label=_("For invoice"), required=False)
    receipt_number = forms.CharField(label=_("Receipt number"), max_length=50, required=False)

    def __init__(self, *args, restaurant: Restaurant, **kwargs):
        super().__init__(*args, **kwargs)
        invoices = Invoice.objects.filter(
            restaurant=restaurant, status__in=[InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE]
        ).order_by("-period")
        self.fields["invoice"].choices = [  # type: ignore[attr-defined]
            ("", _("— Onto the account, no invoice —")),
            *(
                (
                    str(i.id),
                    _("%(number)s (%(period)s, %(amount)s won)")
                    % {"number": i.number, "period": i.billing_period, "amount": f"{i.amount_due_krw:,}"},
                )
                for i in invoices
            ),
        ]
        self.invoices = {str(i.id): i for i in invoices}


class BillingModeForm(forms.Form):
    mode = forms.ChoiceField(label=_("How it pays"), choices=BillingMode.choices)
    low_balance_krw = StrictIntegerFormField(
        label=_("Warn of a low balance below (won; empty: the default)"),
        min_value=0,
        max_value=services.MAX_PAYMENT_KRW,
        required=False,
    )


class MunicipalLowBalanceForm(forms.Form):
    wallet_low_balance_krw = StrictIntegerFormField(
        label=_("Low-balance warning for every prepaid wallet in the municipality (KRW; empty: the default)"),
        min_value=0,
        max_value=prepaid.MAX_LOW_BALANCE_KRW,
        required=False,
    )


class RefundDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason (to reject)"), max_length=200, required=False)


def _managers_only(request) -> None:
    if not can_manage_accounts(request.user):
        raise PermissionDenied


def _restaurant(request, restaurant_id) -> Restaurant:
    return get_object_or_404(Restaurant.objects.accounts_visible_to(request.user), id=restaurant_id)


def _former_accounts(restaurant) -> list[dict]:
    """Accounts of the restaurant's earlier owners that still hold money either way
    (credit to pay back, debt still to collect): theirs, never the current owner's."""
    sums = (
        LedgerEntry.objects.filter(restaurant=restaurant)
        .values("owner_id", "owner__username", "owner__last_name", "owner__first_name")
        .annotate(balance_krw=Sum("amount_krw"))
        .order_by("owner_id")
    )
    return [
        {
            "name": f"{row['owner__last_name'] or ''}{row['owner__first_name'] or ''}".strip()
            or row["owner__username"]
            or "—",
            "balance_krw": row["balance_krw"],
        }
        for row in sums
        if row["owner_id"] != restaurant.owner_id and row["balance_krw"]
    ]


def _render_account(request, restaurant, *, counter_form=None, mode_form=None, municipal_form=None, status=200):
    account = BillingAccount.objects.filter(restaurant=restaurant).first()
    municipality = restaurant.municipality
    current = LedgerEntry.objects.of_account(restaurant_id=restaurant.id, owner_id=restaurant.owner_id)
    context = {
        "restaurant": restaurant,
        "balance_krw": ledger.balance_krw(restaurant.id, restaurant.owner_id),
        "former_accounts": _former_accounts(restaurant),
        "account": account,
        "entries": current.order_by("-created_at", "-id")[:ENTRIES_SHOWN],
        "refunds": RefundRequest.objects.filter(restaurant=restaurant)[:10],
        "municipality": municipality,
        "threshold_krw": prepaid.low_balance_threshold(account, municipality),
        "default_threshold_krw": settings.WALLET_LOW_BALANCE_KRW,
        "municipal_form": municipal_form
        or MunicipalLowBalanceForm(initial={"wallet_low_balance_krw": municipality.wallet_low_balance_krw}),
        "counter_form": counter_form or CounterPaymentForm(restaurant=restaurant, initial={"payment_id": uuid.uuid4()}),
        "mode_form": mode_form
        or BillingModeForm(
            initial={
                "mode": account.mode if account else BillingMode.POSTPAID,
                "low_balance_krw": account.low_balance_krw if account else None,
            }
        ),
    }
    return render(request, "payments/console/account.html", context, status=status)


@login_required
def account(request, restaurant_id):
    _managers_only(request)
    return _render_account(request, _restaurant(request, restaurant_id))


@login_required
@require_POST
def counter_payment(request, restaurant_id):
    _managers_only(request)
    restaurant = _restaurant(request, restaurant_id)
    form = CounterPaymentForm(request.POST, restaurant=restaurant)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.record_counter_payment(
                restaurant=restaurant,
                amount_krw=data["amount_krw"],
                method=data["method"],
                invoice=form.invoices.get(data["invoice"]) if data["invoice"] else None,
                receipt_number=data["receipt_number"],
                by=request.user,
                payment_id=data["payment_id"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The counter payment is recorded."))
            return redirect("payments-console:account", restaurant_id=restaurant.id)
    return _render_account(request, restaurant, counter_form=form, status=400)


@login_required
@require_POST
def billing_mode(request, restaurant_id):
    _managers_only(request)
    restaurant = _restaurant(request, restaurant_id)
    form = BillingModeForm(request.POST)
    if form.is_valid():
        prepaid.set_billing_mode(
            restaurant=restaurant,
            mode=form.cleaned_data["mode"],
            low_balance_krw=form.cleaned_data["low_balance_krw"],
            by=request.user,
        )
        messages.success(request, _("The billing mode is saved."))
        return redirect("payments-console:account", restaurant_id=restaurant.id)
    return _render_account(request, restaurant, mode_form=form, status=400)


@login_required
@require_POST
def municipal_low_balance(request, restaurant_id):
    """The municipality's own default threshold, used by every prepaid wallet of it
    that sets none (there is no page of municipality settings yet: it lives here)."""
    _managers_only(request)
    restaurant = _restaurant(request, restaurant_id)
    form = MunicipalLowBalanceForm(request.POST)
    if form.is_valid():
        try:
            prepaid.set_municipal_low_balance(
                municipality=restaurant.municipality,
                low_balance_krw=form.cleaned_data["wallet_low_balance_krw"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The municipality's low-balance warning is saved."))
            return redirect("payments-console:account", restaurant_id=restaurant.id)
    return _render_account(request, restaurant, municipal_form=form, status=400)


@login_required
def refund_list(request):
    _managers_only(request)
    refunds = (
        RefundRequest.objects.visible_to(request.user)
        .filter(status=RefundStatus.REQUESTED)
        .select_related("restaurant")
        .order_by("requested_at")[:REFUNDS_SHOWN]
    )
    return render(request, "payments/console/refunds.html", {"refunds": refunds})


@login_required
@require_POST
def decide_refund(request, refund_id):
    _managers_only(request)
    refund = get_object_or_404(RefundRequest.objects.visible_to(request.user), id=refund_id)
    form = RefundDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect("payments-console:refunds")
    try:
        services.decide_refund(
            refund=refund,
            approve=form.cleaned_data["decision"] == "approve",
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The refund request is decided."))
    return redirect("payments-console:refunds")


class CancelForm(forms.Form):
    amount_krw = StrictIntegerFormField(
        label=_("Amount to cancel (won)"), min_value=1, max_value=services.MAX_PAYMENT_KRW
    )
    reason = forms.CharField(label=_("Reason for the cancel"), max_length=200)


def _render_payment(request, payment, *, form=None, status=200):
    left = services.cancellable_krw(payment)
    context = {
        "payment": payment,
        "cancels": payment.cancels.select_related("requested_by").all(),
        "cancellable_krw": left,
        "form": form or CancelForm(initial={"amount_krw": left}),
    }
    return render(request, "payments/console/payment.html", context, status=status)


def _payment(request, payment_id) -> Payment:
    return get_object_or_404(
        Payment.objects.visible_to(request.user).select_related("invoice", "restaurant", "order"), id=payment_id
    )


@login_required
def payment(request, payment_id):
    """One online payment: what it paid, its cancels, and a form to cancel (whole or part)."""
    _managers_only(request)
    return _render_payment(request, _payment(request, payment_id))


@login_required
@require_POST
def cancel_payment(request, payment_id):
    _managers_only(request)
    payment = _payment(request, payment_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_payment(
                payment=payment,
                amount_krw=form.cleaned_data["amount_krw"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return _render_payment(request, payment, form=form, status=error.status_code)
        messages.success(request, _("The payment is cancelled and the account is corrected."))
        return redirect("payments-console:payment", payment_id=payment.id)
    return _render_payment(request, payment, form=form, status=400)


@login_required
def settlements(request):
    """The gateway's settlements against our ledger, a day per row, newest first; the
    differences of each day, linked to the payment where we have it."""
    _managers_only(request)
    checks = list(SettlementCheck.objects.prefetch_related("differences")[:SETTLEMENT_DAYS_SHOWN])
    keys = {d.provider_transaction_id for check in checks for d in check.differences.all()}
    payments = dict(
        Payment.objects.visible_to(request.user)
        .filter(provider_transaction_id__in=keys)
        .values_list("provider_transaction_id", "id")
    )
    for check in checks:
        check.rows = [(d, payments.get(d.provider_transaction_id)) for d in check.differences.all()]
    context = {"checks": checks}
    return render(request, "payments/console/settlements.html", context)
