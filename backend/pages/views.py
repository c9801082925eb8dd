"""Pages for people on phones: thin views over the same domain functions as the API."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from backend.collection_events.access import can_read_bin_history, can_record_scans, can_see_stops
from backend.collection_events.models import CollectionEvent, Source
from backend.collection_events.selectors import day_stops
from backend.notifications.models import Notice
from backend.pickup_requests.selectors import open_requests_for_day
from backend.restaurants.models import Restaurant
from backend.tags import codes, sun
from backend.tags.models import Tag

RECENT = 20
LATEST_NOTICES = 3


def tag_page(request, code: str):
    """What the tag's URL shows: the crew's app for a crew, the history for the owner,
    and to anyone else only that the bin is registered."""
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

    if can_record_scans(user):
        return redirect(crew_weighing_url(request))

    if can_read_bin_history(user, bin):
        events = CollectionEvent.objects.visible_to(user).filter(bin=bin).select_related("tag")[:RECENT]
        return render(request, "pages/tag_history.html", {**context, "events": events})
    return render(request, "pages/tag_public.html", {**context, "signed_in_elsewhere": True})


def crew_weighing_url(request) -> str:
    """The crew app's weighing screen for the tag URL the phone opened, whole: an NFC
    chip's SUN parameters must reach the server with the scan to prove the tap. Opened
    by the phone, the URL may have come from the QR code or the chip; only SUN
    parameters show it was the chip (docs/tags.md)."""
    tag_url = settings.PUBLIC_BASE_URL + request.get_full_path()
    source = Source.NFC if sun.PICC_DATA_PARAM in request.GET else Source.QR
    return "/crew/weigh?" + urlencode({"tag": tag_url, "source": source})


@login_required
def home(request):
    user = request.user
    restaurants = Restaurant.objects.visible_to(user).select_related("district")
    events = CollectionEvent.objects.visible_to(user).select_related("bin", "restaurant")[:RECENT]
    notices = Notice.objects.visible_to(user).order_by("-created_at", "-id")[:LATEST_NOTICES]  # read if shown
    return render(request, "pages/home.html", {"restaurants": restaurants[:100], "events": events, "notices": notices})


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
