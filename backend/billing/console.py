"""Officials' pages for tariffs and billing runs (/console/tariffs/, /console/billing/).

Thin views: forms validate the input, one domain function decides (services.py for
tariffs, runs.py for runs), and the reason typed in the form goes to the audit trail
(core/audit.py). Who may: billing/access.py; which rows: `visible_to`.
"""

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.billing import runs, services
from backend.billing.access import (
    billing_run_municipality,
    can_manage_tariffs,
    can_start_billing_run,
    tariff_municipality,
)
from backend.billing.models import BillingRun, Tariff
from backend.billing.periods import Period
from backend.billing.results import run_result
from backend.core.audit import change_reason
from backend.core.errors import DomainError
from backend.core.fields import StrictIntegerFormField

RUNS_SHOWN = 50
TARIFFS_SHOWN = 100

REASON_FIELD: dict[str, Any] = dict(
    label=_("Reason for the record"),
    max_length=100,
    required=True,
    widget=forms.TextInput(attrs={"autocomplete": "off"}),
)


class TariffForm(forms.Form):
    effective_from = forms.DateField(label=_("In force from"), widget=forms.DateInput(attrs={"type": "date"}))
    effective_to = forms.DateField(
        label=_("Last day (empty: until further notice)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    price_per_kg_krw = StrictIntegerFormField(label=_("Price per kg (won)"), min_value=0, max_value=1_000_000)
    base_fee_per_bin_krw = StrictIntegerFormField(
        label=_("Base fee per bin (won)"), min_value=0, max_value=10_000_000, initial=0
    )
    minimum_charge_krw = StrictIntegerFormField(
        label=_("Minimum charge (won)"), min_value=0, max_value=10_000_000, initial=0
    )
    change_reason = forms.CharField(**REASON_FIELD)


class CloseTariffForm(forms.Form):
    effective_to = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    change_reason = forms.CharField(**REASON_FIELD)


class StartRunForm(forms.Form):
    period = forms.CharField(
        label=_("Month to bill"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )

    def clean_period(self) -> Period:
        try:
            return Period.parse(self.cleaned_data["period"])
        except (ValueError, DomainError):
            raise forms.ValidationError(_("Enter a month as YYYY-MM.")) from None


def _show_domain_error(form: forms.Form, error: DomainError) -> None:
    """The domain's message on the form, on the field it names when the form has it."""
    fields = [name for name in error.fields if name in form.fields]
    form.add_error(fields[0] if fields else None, str(error.message))


def _managers_only(request) -> None:
    if not can_manage_tariffs(request.user):
        raise PermissionDenied


@login_required
def tariff_list(request):
    _managers_only(request)
    form = TariffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason = data.pop("change_reason")
        try:
            with change_reason(reason):
                tariff = services.create_tariff(
                    municipality=tariff_municipality(request.user), created_by=request.user, **data
                )
        except DomainError as error:
            _show_domain_error(form, error)
        else:
            messages.success(request, _("The tariff is created."))
            return redirect("billing-console:tariff", tariff_id=tariff.id)
    tariffs = Tariff.objects.visible_to(request.user).order_by("-effective_from")[:TARIFFS_SHOWN]
    status = 400 if form.errors else 200
    return render(request, "billing/console/tariffs.html", {"tariffs": tariffs, "form": form}, status=status)


@login_required
def tariff_detail(request, tariff_id, close_form=None):
    _managers_only(request)
    tariff = get_object_or_404(Tariff.objects.visible_to(request.user), id=tariff_id)
    if close_form is None and tariff.effective_to is None:
        close_form = CloseTariffForm(initial={"effective_to": _last_day_of_this_month(request)})
    return render(
        request,
        "billing/console/tariff.html",
        {"tariff": tariff, "close_form": close_form},
        status=400 if close_form is not None and close_form.errors else 200,
    )


def _last_day_of_this_month(request) -> date:
    zone = request.user.municipality.zone if request.user.municipality else None
    return Period.of_date(timezone.localdate(timezone=zone)).last_day


@login_required
@require_POST
def close_tariff(request, tariff_id):
    """Give the open-ended tariff its last day (so that the next one can start)."""
    _managers_only(request)
    tariff = get_object_or_404(Tariff.objects.visible_to(request.user), id=tariff_id)
    form = CloseTariffForm(request.POST)
    if form.is_valid():
        try:
            with change_reason(form.cleaned_data["change_reason"]):
                services.update_tariff(tariff=tariff, effective_to=form.cleaned_data["effective_to"])
        except DomainError as error:
            tariff.refresh_from_db()
            _show_domain_error(form, error)
        else:
            messages.success(
                request, _("The tariff ends on %(day)s.") % {"day": date_format(tariff.effective_to, "DATE_FORMAT")}
            )
            return redirect("billing-console:tariff", tariff_id=tariff.id)
    return tariff_detail(request, tariff_id, close_form=form)


def _runners_only(request) -> None:
    if not can_start_billing_run(request.user):
        raise PermissionDenied


@login_required
def run_list(request):
    """Start a month's run; see past runs. A month already billed is refused by the
    domain (`period_already_billed`) and the page links to the run that billed it."""
    _runners_only(request)
    form = StartRunForm(request.POST or None, initial={"period": str(_last_month(request))})
    billed_run = None
    if request.method == "POST" and form.is_valid():
        try:
            run = runs.start_billing_run(
                municipality=billing_run_municipality(request.user),
                period=form.cleaned_data["period"],
                requested_by=request.user,
            )
        except DomainError as error:
            _show_domain_error(form, error)
            if error.code == "period_already_billed":
                billed_run = error.fields["run"][0]
        else:
            messages.success(request, _("Billing for %(period)s started.") % {"period": run.billing_period})
            return redirect("billing-console:run", run_id=run.id)
    recent = BillingRun.objects.visible_to(request.user).order_by("-created_at")[:RUNS_SHOWN]
    return render(
        request,
        "billing/console/runs.html",
        {
            "form": form,
            "runs": recent,
            "billed_run_url": billed_run and reverse("billing-console:run", kwargs={"run_id": billed_run}),
        },
        status=400 if form.errors else 200,
    )


def _last_month(request) -> Period:
    zone = request.user.municipality.zone if request.user.municipality else None
    return Period.of_date(timezone.localdate(timezone=zone)).plus_months(-1)


@login_required
def run_detail(request, run_id):
    _runners_only(request)
    run = get_object_or_404(BillingRun.objects.visible_to(request.user), id=run_id)
    return render(
        request,
        "billing/console/run.html",
        {
            "run": run,
            "result": run_result(run),
            "progress_url": reverse("v1:billing-run-detail", kwargs={"pk": run.id}),
            "finished": run.status in ("done", "failed"),
        },
    )
