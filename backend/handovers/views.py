"""Pages: an owner reports closing or selling; an official confirms with the date or
rejects. Thin views over handovers/services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.core.errors import DomainError
from backend.handovers import services
from backend.handovers.access import access_handover, can_decide_handover, can_report_handover
from backend.handovers.forms import ConfirmForm, RejectForm, ReportForm
from backend.handovers.models import Handover, HandoverKind, HandoverStatus
from backend.restaurants.models import Restaurant, RestaurantStatus

SHOWN = 100


def _add_error(form, error: DomainError) -> None:
    """A domain error shown on the form: on its field when the form has it, else on top."""
    field = next((name for name in (error.fields or {}) if name in form.fields), None)
    form.add_error(field, error.message)


@login_required
def report(request):
    user = request.user
    if not can_report_handover(user):
        raise PermissionDenied
    restaurants = list(
        Restaurant.objects.visible_to(user).filter(status=RestaurantStatus.OPEN).select_related("municipality")
    )
    form = ReportForm(request.POST or None, restaurants=restaurants)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_handover(
                by=user,
                restaurant=form.restaurants[data["restaurant"]],
                kind=data["kind"],
                proposed_on=data["proposed_on"],
                new_owner_name=data["new_owner_name"],
                new_owner_email=data["new_owner_email"],
                new_owner_phone=data["new_owner_phone"],
                note=data["note"],
            )
        except DomainError as error:
            _add_error(form, error)
        else:
            messages.success(request, _("Received: an official will confirm it."))
            return redirect("handovers:report")
    reports = Handover.objects.visible_to(user).select_related("restaurant", "final_invoice")[:SHOWN]
    return render(request, "handovers/report.html", {"form": form, "reports": reports, "restaurants": restaurants})


@login_required
@require_POST
def cancel(request, handover_id):
    if not can_report_handover(request.user):
        raise PermissionDenied
    handover = access_handover(request.user, handover_id)
    try:
        services.cancel_handover(handover=handover, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Report withdrawn."))
    return redirect("handovers:report")


def _deciders_only(request) -> None:
    if not can_decide_handover(request.user):
        raise PermissionDenied


@login_required
def review(request):
    _deciders_only(request)
    waiting = (
        Handover.objects.visible_to(request.user)
        .filter(status=HandoverStatus.REPORTED)
        .select_related("restaurant", "reported_by")[:SHOWN]
    )
    decided = (
        Handover.objects.visible_to(request.user)
        .exclude(status=HandoverStatus.REPORTED)
        .select_related("restaurant", "new_owner", "final_invoice")
        .order_by("-decided_at")[:20]
    )
    return render(request, "handovers/review.html", {"waiting": waiting, "decided": decided})


@login_required
def decide(request, handover_id):
    _deciders_only(request)
    handover = access_handover(request.user, handover_id)
    initial = {
        "effective_on": handover.proposed_on,
        "new_owner_name": handover.new_owner_name,
        "new_owner_email": handover.new_owner_email,
        "new_owner_phone": handover.new_owner_phone,
    }
    confirm_form = ConfirmForm(request.POST if request.POST.get("decision") == "confirm" else None, initial=initial)
    if handover.kind == HandoverKind.CLOSING:  # nobody takes it over
        for name in ("new_owner_name", "new_owner_email", "new_owner_phone"):
            del confirm_form.fields[name]
    reject_form = RejectForm(request.POST if request.POST.get("decision") == "reject" else None)
    if request.method == "POST":
        form = confirm_form if request.POST.get("decision") == "confirm" else reject_form
        if form.is_valid():
            try:
                if form is confirm_form:
                    services.confirm_handover(handover=handover, by=request.user, **form.cleaned_data)
                else:
                    services.reject_handover(handover=handover, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                _add_error(form, error)
            else:
                messages.success(request, _("Done."))
                return redirect("handovers:review")
    return render(
        request,
        "handovers/decide.html",
        {"handover": handover, "confirm_form": confirm_form, "reject_form": reject_form},
    )
