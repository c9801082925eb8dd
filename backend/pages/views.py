"""Pages for people on phones: thin views over the same domain functions as the API."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from backend.accounts.access import is_owner
from backend.collection_events.access import can_read_bin_history, can_record_scans, can_see_stops
from backend.collection_events.models import CollectionEvent, Source
from backend.core.http import error_page
from backend.notifications.models import Notice
from backend.pages.owner_views import owner_home_context
from backend.restaurants.models import Restaurant
from backend.routes.selectors import day_stops
from backend.tags import codes, sun
from backend.tags.models import Tag

RECENT = 20
LATEST_NOTICES = 3


def tag_page(request, code: str):
    """What the tag's URL shows: the crew's app for a crew, the history for the owner,
    and to anyone else only that the bin is registered."""
    reference = codes.parse_tag_reference(code) if len(code) <= MANUAL_CODE_TYPED_MAX else None
    if reference is not None and reference.bad_check_character:
        return error_page(404, str(BAD_CHECK_CHARACTER))
    if reference is not None and reference.manual_code:
        return _to_tag_code(request, reference.manual_code)
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
        events = (
            CollectionEvent.objects.visible_to(user)
            .filter(bin=bin)
            .select_related("tag", "photo", "restaurant")[:RECENT]
        )
        return render(request, "pages/tag_history.html", {**context, "events": events})
    return render(request, "pages/tag_public.html", {**context, "signed_in_elsewhere": True})


# The manual code as people type it: dashes, spaces, either case, O/I/L for 0/1.
MANUAL_CODE_TYPED_MAX = 20
BAD_CHECK_CHARACTER = _("Check the manual code again: its last character, the check character, does not match.")


def _to_tag_code(request, manual_code: str):
    """`/t/<manual code>` (as printed on the label) opens the tag's own page, query string and all."""
    tag = get_object_or_404(Tag.objects.only("code"), manual_code=manual_code)
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"/t/{tag.code}" + (f"?{query}" if query else ""))


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
    events = CollectionEvent.objects.latest_seen_by(user, RECENT).select_related("bin", "restaurant", "photo")
    notices = Notice.objects.visible_to(user).order_by("-created_at", "-id")[:LATEST_NOTICES]  # read if shown
    context = {"restaurants": restaurants[:100], "events": events, "notices": notices}
    if is_owner(user):
        context.update(owner_home_context(user))
    return render(request, "pages/home.html", context)


@login_required
def stops(request):
    """A crew's day: the bins due today and those asked for, in the round's order (the
    same list as the crew app's, `/api/v1/crew/stops/`), collected or still to go."""
    if not can_see_stops(request.user):
        raise PermissionDenied
    today = day_stops(collector=request.user)
    return render(
        request,
        "pages/stops.html",
        {
            "stops": today.stops,
            "day": today.day,
            "done": today.done,
            "left": today.left,
            "total": len(today.stops),
            "pickup_requests": today.pickup_requests,
        },
    )
