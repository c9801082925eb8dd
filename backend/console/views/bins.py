"""Officials' pages for bins: add, edit, retire one; add many at once (every open restaurant
without a bin, or a small CSV). restaurants/services.py and tags/services.py write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backend.console.forms import BinFileForm, BinForm, BulkBinsForm, ConfirmedReasonForm
from backend.console.views.common import (
    form_with_error,
    own_municipality_id,
    restaurants_managed_by,
    visible_bin,
    visible_restaurant,
)
from backend.core.audit import change_reason
from backend.core.errors import DomainError
from backend.restaurants import services
from backend.restaurants.models import BinStatus
from backend.tags.services import retire_bin


@login_required
def bin_add(request, restaurant_id):
    restaurants_managed_by(request.user)
    restaurant = visible_restaurant(request.user, restaurant_id)
    form = BinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        with change_reason(data.pop("change_reason") or "용기 추가"):
            services.add_bin(restaurant=restaurant, **data)
        messages.success(request, _("Bin added."))
        return redirect("console:restaurant", restaurant_id=restaurant.pk)
    return render(request, "console/bin_form.html", {"form": form, "restaurant": restaurant, "bin": None})


@login_required
def bin_edit(request, bin_id):
    restaurants_managed_by(request.user)
    bin = visible_bin(request.user, bin_id)
    initial = {"label": bin.label, "capacity_liters": bin.capacity_liters, "collection_days": bin.collection_days}
    form = BinForm(request.POST or None, initial=initial)
    form.fields["change_reason"].required = True
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            with change_reason(data.pop("change_reason")):
                services.update_bin(bin=bin, **data)
        except DomainError as error:
            form_with_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("console:restaurant", restaurant_id=bin.restaurant_id)
    return render(request, "console/bin_form.html", {"form": form, "restaurant": bin.restaurant, "bin": bin})


@login_required
def bin_retire(request, bin_id):
    restaurants_managed_by(request.user)
    bin = visible_bin(request.user, bin_id)
    if bin.status == BinStatus.RETIRED:
        messages.error(request, _("This bin is already retired."))
        return redirect("console:restaurant", restaurant_id=bin.restaurant_id)
    form = ConfirmedReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with change_reason(form.cleaned_data["reason"]):
            retire_bin(bin=bin, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Bin retired; its tag revoked."))
        return redirect("console:restaurant", restaurant_id=bin.restaurant_id)
    context = {
        "form": form,
        "title": _("Retire the bin"),
        "subject": bin,
        "restaurant": bin.restaurant,
        "warning": _("Its tag is revoked too: no more weighings can be recorded on it."),
        "submit": _("Retire"),
    }
    return render(request, "console/confirm.html", context)


@login_required
def bins_bulk(request):
    restaurants_managed_by(request.user)
    return render(request, "console/bins_bulk.html", {"missing_form": BulkBinsForm(), "file_form": BinFileForm()})


@login_required
@require_POST
def bins_for_restaurants_without(request):
    restaurants_managed_by(request.user)
    form = BulkBinsForm(request.POST)
    if form.is_valid():
        try:
            made = services.add_bins_where_missing(
                municipality_id=own_municipality_id(request.user), **form.cleaned_data
            )
        except DomainError as error:
            form_with_error(form, error)
        else:
            messages.success(request, _bins_added(made))
            return redirect("console:bins-bulk")
    return render(request, "console/bins_bulk.html", {"missing_form": form, "file_form": BinFileForm()})


@login_required
@require_POST
def bins_from_file(request):
    restaurants_managed_by(request.user)
    form = BinFileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            made = services.add_bins_from_file(
                municipality_id=own_municipality_id(request.user), data=form.cleaned_data["file"].read(1_000_000)
            )
        except DomainError as error:
            form_with_error(form, error)
        else:
            messages.success(request, _bins_added(made))
            return redirect("console:bins-bulk")
    return render(request, "console/bins_bulk.html", {"missing_form": BulkBinsForm(), "file_form": form})


def _bins_added(made: int) -> str:
    return ngettext("%(count)d bin added.", "%(count)d bins added.", made) % {"count": made}
