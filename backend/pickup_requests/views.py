"""Pages: an owner asks for a pickup and follows it step by step; officials assign,
reject or close requests; crews close them from the day's stops. Thin views over
pickup_requests/services.py."""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.collection_events.access import can_see_stops
from backend.core.bounds import NOTE_MAX_LENGTH
from backend.core.errors import DomainError
from backend.municipalities.models import Hauler
from backend.municipalities.working_days import earliest_open_start
from backend.pickup_requests import services
from backend.pickup_requests.access import (
    access_pickup_request,
    assignable_haulers,
    can_cancel_pickup,
    can_complete_pickup,
    can_decide_pickup,
    can_request_pickup,
)
from backend.pickup_requests.models import PickupRequest, RequestKind
from backend.pickup_requests.selectors import with_history
from backend.restaurants.models import Restaurant, RestaurantStatus

SHOWN = 50


class RequestForm(forms.Form):
    """What an owner fills in on the phone. `target` is a restaurant ("all bins") or
    one of its bins, written `restaurant-id/bin-id`."""

    kind = forms.ChoiceField(label=_("What do you need?"), choices=RequestKind.choices, widget=forms.RadioSelect)
    target = forms.ChoiceField(label=_("Bin"))
    requested_for = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("Note (optional)"), required=False, max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, restaurants, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        all_bins = gettext("all bins")
        for restaurant in restaurants:
            bins = [b for b in restaurant.bins.all() if b.status == "active"]
            choices.append((str(restaurant.id), f"{restaurant.name} · {all_bins}"))
            choices += [
                (f"{restaurant.id}/{b.id}", f"{restaurant.name} · {b.label} ({b.capacity_liters} L)") for b in bins
            ]
        self.fields["target"].choices = choices
        self.restaurants = {str(r.id): r for r in restaurants}

    def restaurant_and_bin(self):
        restaurant_id, _, bin_id = self.cleaned_data["target"].partition("/")
        restaurant = self.restaurants[restaurant_id]
        bin = next(b for b in restaurant.bins.all() if str(b.id) == bin_id) if bin_id else None
        return restaurant, bin


@login_required
def my_requests(request):
    user = request.user
    if not can_request_pickup(user):
        raise PermissionDenied
    restaurants = list(
        Restaurant.objects.visible_to(user)
        .filter(status=RestaurantStatus.OPEN)  # a closed restaurant takes no requests
        .select_related("municipality")
        .prefetch_related("bins")
        .order_by("name")
    )
    zone = restaurants[0].municipality.zone if restaurants else None
    today = timezone.localdate(timezone=zone)
    form = RequestForm(
        request.POST or None,
        restaurants=restaurants,
        initial={"requested_for": today, "kind": RequestKind.EXTRA_PICKUP},
    )
    if request.method == "POST" and form.is_valid():
        restaurant, bin = form.restaurant_and_bin()
        try:
            services.request_pickup(
                restaurant=restaurant,
                bin=bin,
                kind=form.cleaned_data["kind"],
                requested_for=form.cleaned_data["requested_for"],
                note=form.cleaned_data["note"],
                by=user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your request was received; follow it below."))
            return redirect("pickup_requests:mine")
    pickups = with_history(PickupRequest.objects.visible_to(user))[:SHOWN]
    municipality = restaurants[0].municipality if restaurants else None
    context = {"form": form, "pickups": pickups, "municipality": municipality, "restaurants": restaurants}
    if municipality is not None:
        context["missed_from"] = earliest_open_start(today, municipality.missed_pickup_window_working_days)
    return render(request, "pickup_requests/mine.html", context)


@login_required
@require_POST
def cancel(request, request_id):
    pickup = access_pickup_request(request.user, request_id)
    if not can_cancel_pickup(request.user):
        raise PermissionDenied
    try:
        services.cancel_request(pickup=pickup, by=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Request cancelled."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("pickup_requests:mine")


@login_required
@require_POST
def done(request, request_id):
    """A crew (from the day's stops) or an official closes a request."""
    user = request.user
    if not can_complete_pickup(user):
        raise PermissionDenied
    pickup = access_pickup_request(user, request_id)
    try:
        services.complete_request(pickup=pickup, by=user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Marked done."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("stops" if can_see_stops(user) else "pickup_requests:review")


def _chosen_hauler(value: str) -> Hauler | None:
    if not value:
        return None
    try:
        return get_object_or_404(Hauler, id=uuid.UUID(value))
    except ValueError:
        raise Http404 from None


def _deciders_only(request) -> None:
    if not can_decide_pickup(request.user):
        raise PermissionDenied


@login_required
def review(request):
    _deciders_only(request)
    pickups = list(
        with_history(PickupRequest.objects.visible_to(request.user).open()).order_by("requested_for", "created_at")[
            :SHOWN
        ]
    )
    haulers = assignable_haulers(request.user)
    return render(request, "pickup_requests/review.html", {"pickups": pickups, "haulers": haulers})


@login_required
@require_POST
def decide(request, request_id):
    _deciders_only(request)
    pickup = access_pickup_request(request.user, request_id)
    decision = request.POST.get("decision", "")
    hauler = _chosen_hauler(request.POST.get("hauler", "")) if decision == services.PickupDecision.ASSIGN else None
    try:
        services.decide_request(
            pickup=pickup, by=request.user, decision=decision, reason=request.POST.get("reason", ""), hauler=hauler
        )
        messages.success(request, _("Done."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("pickup_requests:review")
