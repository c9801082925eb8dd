"""Officials' pages for restaurants: list (search, filters, seek paging), detail, create,
edit, close. Thin: forms check shapes, restaurants/services.py writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from backend.billing.models import Invoice, LedgerEntry
from backend.collection_events.models import CollectionEvent
from backend.console.forms import CloseRestaurantForm, RestaurantForm
from backend.console.selectors import restaurant_page
from backend.console.views.common import form_with_error, restaurants_managed_by, visible_restaurant
from backend.core.audit import change_reason
from backend.core.errors import DomainError
from backend.restaurants import services
from backend.tags.models import Tag

RECENT = 20


@login_required
def restaurant_list(request):
    restaurants_managed_by(request.user)
    page = restaurant_page(request.user, request.GET)
    kept = request.GET.copy()
    kept.pop("after", None)
    kept.pop("before", None)
    return render(request, "console/restaurant_list.html", {"page": page, "kept_query": kept.urlencode()})


@login_required
def restaurant_detail(request, restaurant_id):
    restaurants_managed_by(request.user)
    restaurant = visible_restaurant(request.user, restaurant_id)
    bins = list(restaurant.bins.order_by("status", "label"))
    tags = list(Tag.objects.filter(bin__restaurant=restaurant).select_related("bin").order_by("-issued_at")[:50])
    active = {tag.bin_id: tag for tag in tags if tag.is_active}
    for bin in bins:
        bin.active_tag = active.get(bin.pk)
    context = {
        "restaurant": restaurant,
        "bins": bins,
        "tags": tags,
        "events": CollectionEvent.objects.filter(restaurant=restaurant)
        .select_related("bin")
        .order_by("-collected_at")[:RECENT],
        "invoices": Invoice.objects.visible_to(request.user).filter(restaurant=restaurant).order_by("-period")[:12],
        # The current owner's account (a former owner's stays theirs: docs/decisions/0005).
        "balance_krw": LedgerEntry.objects.of_account(
            restaurant_id=restaurant.id, owner_id=restaurant.owner_id
        ).balance_krw(),
    }
    return render(request, "console/restaurant_detail.html", context)


@login_required
def restaurant_create(request):
    restaurants_managed_by(request.user)
    form = RestaurantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            with change_reason(data.pop("change_reason") or "등록"):
                restaurant = services.register_restaurant(by=request.user, **data)
        except DomainError as error:
            form_with_error(form, error)
        else:
            messages.success(request, _("%(name)s: registered.") % {"name": restaurant.name})
            return redirect("console:restaurant", restaurant_id=restaurant.pk)
    return render(request, "console/restaurant_form.html", {"form": form, "restaurant": None})


@login_required
def restaurant_edit(request, restaurant_id):
    restaurants_managed_by(request.user)
    restaurant = visible_restaurant(request.user, restaurant_id)
    initial = {name: getattr(restaurant, name) for name in RestaurantForm.base_fields if name != "change_reason"}
    initial["business_number"] = restaurant.business_number_display
    form = RestaurantForm(request.POST or None, user=request.user, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        changed = set(form.changed_data) - {"change_reason"}
        changes = {name: value for name, value in form.cleaned_data.items() if name in changed}
        try:
            if changes:
                with change_reason(form.cleaned_data["change_reason"]):
                    services.update_restaurant(by=request.user, restaurant=restaurant, **changes)
        except DomainError as error:
            form_with_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("console:restaurant", restaurant_id=restaurant.pk)
    return render(request, "console/restaurant_form.html", {"form": form, "restaurant": restaurant})


@login_required
def restaurant_close(request, restaurant_id):
    restaurants_managed_by(request.user)
    restaurant = visible_restaurant(request.user, restaurant_id)
    form = CloseRestaurantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with change_reason(form.cleaned_data["reason"]):
                services.close_restaurant(
                    restaurant=restaurant,
                    on=form.cleaned_data["closed_on"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
        except DomainError as error:
            form_with_error(form, error)
        else:
            messages.success(request, _("%(name)s: closed.") % {"name": restaurant.name})
            return redirect("console:restaurant", restaurant_id=restaurant.pk)
    return render(request, "console/confirm.html", _close_context(restaurant, form))


def _close_context(restaurant, form):
    return {
        "form": form,
        "title": _("Close the restaurant"),
        "subject": restaurant,
        "restaurant": restaurant,
        "warning": _("No pickups or bills after the closing day; unpaid invoices stay."),
        "submit": pgettext("a restaurant, for good", "Close"),
    }
