"""Pages for people on phones: thin views over the same domain functions as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from backend.collection_events.access import can_collect_at, can_read_bin_history, can_see_stops
from backend.collection_events.models import CollectionEvent
from backend.collection_events.selectors import day_stops
from backend.collection_events.services import CREATED, DUPLICATE, record_collections
from backend.pages.forms import CollectionForm
from backend.pickup_requests.selectors import open_requests_for_day
from backend.restaurants.models import Restaurant
from backend.tags import codes
from backend.tags.models import Tag

RECENT = 20
SAVED_NOTICE = {CREATED: "저장했습니다. Saved.", DUPLICATE: "이미 저장된 스캔입니다. Already saved."}


def tag_page(request, code: str):
    """What the tag's URL shows: the form for a crew, the history for the owner, and
    to anyone else only that the bin is registered."""
    # A code no tag can have (too long, NUL, other odd characters) is simply not found,
    # before it reaches the database.
    if not (0 < len(code) <= codes.CODE_LENGTH and code.isascii() and code.isalnum()):
        raise Http404
    tag = get_object_or_404(Tag.objects.select_related("bin__restaurant__district"), code=code)
    user = request.user
    bin = tag.bin
    context = {"tag": tag, "bin": bin, "restaurant": bin.restaurant}
    if not user.is_authenticated:
        return render(request, "pages/tag_public.html", context)

    if can_collect_at(user, tag):
        form = CollectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            submission = form.as_submission(tag_code=tag.code)
            (outcome,) = record_collections(collector=user, events=[submission])
            if outcome.error is not None:
                form.add_error(None, outcome.error.message)
            else:
                messages.success(request, SAVED_NOTICE[outcome.result])
                request.session["last_event"] = str(outcome.event_id)
                return redirect("tag-page", code=code)
        last_id = request.session.pop("last_event", None)
        last = CollectionEvent.objects.filter(id=last_id).first() if last_id else None
        return render(request, "pages/tag_collect.html", {**context, "form": form, "last_event": last})

    if can_read_bin_history(user, bin):
        events = CollectionEvent.objects.visible_to(user).filter(bin=bin).select_related("tag", "restaurant")[:RECENT]
        return render(request, "pages/tag_history.html", {**context, "events": events})
    return render(request, "pages/tag_public.html", {**context, "signed_in_elsewhere": True})


@login_required
def home(request):
    user = request.user
    restaurants = Restaurant.objects.visible_to(user).select_related("district")
    events = CollectionEvent.objects.visible_to(user).select_related("bin", "restaurant")[:RECENT]
    return render(request, "pages/home.html", {"restaurants": restaurants[:100], "events": events})


@login_required
def stops(request):
    """A crew's day: every bin on the hauler's route, collected or still to go."""
    if not can_see_stops(request.user):
        raise PermissionDenied
    zone = request.user.hauler.municipality.zone
    day = timezone.localdate(timezone=zone)
    route = day_stops(collector=request.user, day=day, zone=zone)
    done = sum(stop.done for stop in route)
    pickups = open_requests_for_day(collector=request.user, day=day)
    return render(
        request,
        "pages/stops.html",
        {"stops": route, "day": day, "done": done, "total": len(route), "pickup_requests": pickups},
    )
