"""Pages: an owner disputes a collection from the phone; officials review disputes
and void wrong weighings from an unregistered or uninspected scale (held scans are
decided in the review queue, collection_events/console.py). Thin views over
disputes/services.py; who may do what: disputes/access.py."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.billing.pickups import TariffBook, receipts
from backend.collection_events.models import CollectionEvent, CollectionStatus, Flag
from backend.core.errors import DomainError
from backend.disputes import services
from backend.disputes.access import access_dispute, can_decide_dispute, can_raise_dispute
from backend.disputes.deadlines import dispute_window
from backend.disputes.forms import typed_kg
from backend.disputes.models import Dispute, DisputeStatus

SCALE_FLAGS = [Flag.UNREGISTERED_SCALE, Flag.SCALE_INSPECTION_DUE]
SCALE_FLAGS_SHOWN_DAYS = 31


@login_required
def new_dispute(request, event_id):
    """The owner disputes a pickup ("this is wrong", from its receipt or an invoice): the
    receipt's facts above the form, the form while the window is open, why not and whom
    to call once it has closed. The reason is the owner's own words: the official reads
    the same facts from the collection itself on the review page."""
    event = get_object_or_404(
        CollectionEvent.objects.visible_to(request.user).select_related("bin", "restaurant__municipality"),
        id=event_id,
    )
    if not can_raise_dispute(request.user):
        raise PermissionDenied
    window = dispute_window(event)
    error = None
    # Said before the form, not after it is filled in: under review already, voided, a former owner's.
    barrier = services.why_not_disputable(event=event, by=request.user)
    if request.method == "POST" and barrier is None:
        try:
            services.raise_dispute(
                event=event,
                by=request.user,
                reason=request.POST.get("reason", ""),
                proposed_weight_g=services.parse_weight_kg(
                    typed_kg(request.POST.get("proposed_weight_kg", "")), field="proposed_weight_kg"
                ),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your dispute was received; an official will review it."))
            return redirect("disputes:mine")
    context = {
        "event": event,
        "receipt": receipts([event], book=TariffBook.for_user(request.user))[event.id],
        "error": error,
        "barrier": barrier.message if barrier else None,
        "window": window,
        "is_open": window.is_open(timezone.now()),
        "municipality": event.restaurant.municipality,
        "values": request.POST if request.method == "POST" else {},
    }
    return render(request, "disputes/new.html", context)


@login_required
def my_disputes(request):
    disputes = Dispute.objects.visible_to(request.user).select_related("event__bin", "restaurant", "replacement")[:100]
    return render(request, "disputes/mine.html", {"disputes": disputes})


def _deciders_only(request) -> None:
    if not can_decide_dispute(request.user):
        raise PermissionDenied


@login_required
def review(request):
    _deciders_only(request)
    disputes = list(
        Dispute.objects.visible_to(request.user)
        .filter(status=DisputeStatus.OPEN)
        .select_related("event__bin", "event__photo", "event__restaurant__municipality", "restaurant", "raised_by")[
            :100
        ]
    )
    billed = services.billed_on_many(dispute.event_id for dispute in disputes)
    # The pickup's receipt as its owner saw it (fee, identification, scale), read from
    # the collection rather than copied into the owner's reason.
    found = receipts((dispute.event for dispute in disputes), book=TariffBook.for_user(request.user))
    for dispute in disputes:  # for the page, not fields
        dispute.billed_on = billed.get(dispute.event_id)
        dispute.receipt = found[dispute.event_id]
    # Held scans are decided in the review queue (/console/review/), with their evidence;
    # this page links there. Billable weighings whose scale is unregistered or past its
    # inspection (stored before such a weighing was held): an official voids a wrong
    # one; the rest stay billed.
    flagged = (
        CollectionEvent.objects.visible_to(request.user)
        .filter(
            status=CollectionStatus.BILLABLE,
            flags__overlap=SCALE_FLAGS,
            collected_at__gte=timezone.now() - timedelta(days=SCALE_FLAGS_SHOWN_DAYS),
        )
        .select_related("bin", "restaurant", "photo")
        .order_by("-collected_at")[:100]
    )
    return render(
        request,
        "disputes/review.html",
        {"disputes": disputes, "flagged": flagged},
    )


@login_required
@require_POST
def decide(request, dispute_id):
    _deciders_only(request)
    dispute = access_dispute(request.user, dispute_id)
    try:
        services.decide_dispute(
            dispute=dispute,
            by=request.user,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            outcome=request.POST.get("outcome", ""),
            weight_kg=typed_kg(request.POST.get("weight_kg", "")),
        )
        messages.success(request, _("Done; the owner is told."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("disputes:review")


@login_required
@require_POST
def decide_held(request, event_id):
    _deciders_only(request)
    event = get_object_or_404(CollectionEvent.objects.visible_to(request.user), id=event_id)
    try:
        services.decide_held_scan(
            event=event,
            by=request.user,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("Done."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("disputes:review")
