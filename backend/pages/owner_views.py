"""The owner's pages: the month so far on the home page, my bins and tags, every pickup
and its receipt, whose "this is wrong" opens the disputes app's form while the dispute
window is open. Thin views: what a pickup costs and its receipt are billing's
(billing/pickups.py), a tag report is tags' and a dispute is disputes' work; who sees
what is each model's `visible_to`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.accounts.access import is_owner
from backend.billing.models import Invoice, InvoiceStatus
from backend.billing.pickups import TariffBook, month_so_far, receipts
from backend.billing.selectors import balances
from backend.collection_events.models import CollectionEvent
from backend.core.errors import DomainError
from backend.disputes import services as disputes
from backend.disputes.access import can_raise_dispute
from backend.disputes.deadlines import dispute_window
from backend.disputes.models import Dispute, DisputeStatus
from backend.pages import pickup_list
from backend.restaurants.models import Bin, Restaurant, RestaurantStatus
from backend.tags import services as tag_services
from backend.tags.access import can_report_tag_problem
from backend.tags.label_sheets import single_label_pdf
from backend.tags.models import Tag, TagReport, TagReportKind
from backend.tags.qr import qr_png

UNPAID_SHOWN = 24


def _owners_only(request) -> None:
    if not is_owner(request.user):
        raise PermissionDenied


def _closed(restaurants: list[Restaurant], user) -> list[dict]:
    """Closed restaurants with their final invoice: the one of the closing month (its
    last invoice, the closing's, or the month's run's when that came first)."""
    closed = []
    for restaurant in restaurants:
        closed_on = restaurant.closed_on  # always set once closed (a constraint)
        final = (
            Invoice.objects.visible_to(user)
            .filter(restaurant=restaurant, period=closed_on.replace(day=1))
            .exclude(status=InvoiceStatus.VOID)
            .order_by("-window_number")
            .first()
            if closed_on is not None
            else None
        )
        closed.append({"restaurant": restaurant, "final_invoice": final})
    return closed


def owner_home_context(user) -> dict:
    """The owner's part of the home page: the month so far of each open restaurant and
    its account (owed, or credit; a link to its wallet), the closed ones with their final
    invoice, unpaid invoices."""
    restaurants = list(Restaurant.objects.visible_to(user).select_related("municipality").order_by("name", "id"))
    unpaid = (
        Invoice.objects.visible_to(user)
        .filter(status__in=[InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE])
        .order_by("due_date", "number")[:UNPAID_SHOWN]
    )
    open_ones = [r for r in restaurants if r.status != RestaurantStatus.CLOSED]
    closed = [r for r in restaurants if r.status == RestaurantStatus.CLOSED]
    months = month_so_far(open_ones, now=timezone.now())
    # The viewer's own account at each restaurant: one query, however long the history.
    owed = balances({str(month.restaurant.id): str(user.id) for month in months}) if months else {}
    accounts = [
        {
            "restaurant": month.restaurant,
            "owed_krw": max(0, owed.get(str(month.restaurant.id), 0)),
            "credit_krw": max(0, -owed.get(str(month.restaurant.id), 0)),
        }
        for month in months
    ]
    return {
        "months": months,
        "accounts": accounts,
        "closed": _closed(closed, user),
        "unpaid": [i for i in unpaid if i.is_payable],
    }


def _my_bins(user):
    return (
        Bin.objects.visible_to(user)
        .active()
        .select_related("restaurant")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.active(), to_attr="active_tags"))
        .order_by("restaurant__name", "restaurant_id", "label")
    )


@login_required
def my_bins(request):
    """Each of my bins with its tag: status, manual code, a printable QR, and a report form."""
    _owners_only(request)
    bins = list(_my_bins(request.user))
    reports = {report.bin_id: report for report in TagReport.objects.visible_to(request.user).open()}
    for bin in bins:
        bin.tag = bin.active_tags[0] if bin.active_tags else None
        bin.open_report = reports.get(bin.id)
    return render(request, "pages/owner/bins.html", {"bins": bins, "kinds": TagReportKind.choices})


def _my_tag(request, bin_id) -> Tag:
    _owners_only(request)
    bin = get_object_or_404(Bin.objects.visible_to(request.user).active(), id=bin_id)
    return get_object_or_404(Tag.objects.active().select_related("bin__restaurant"), bin=bin)


@login_required
def bin_qr_png(request, bin_id):
    tag = _my_tag(request, bin_id)
    response = HttpResponse(qr_png(tag.url), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="tag-{tag.manual_code}.png"'
    return response


@login_required
def bin_label_pdf(request, bin_id):
    tag = _my_tag(request, bin_id)
    response = HttpResponse(single_label_pdf(tag), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="label-{tag.manual_code}.pdf"'
    return response


@login_required
@require_POST
def report_tag(request, bin_id):
    """ "My tag is lost or damaged": reaches the officials' console (console:tag-reports)."""
    if not can_report_tag_problem(request.user):
        raise PermissionDenied
    bin = get_object_or_404(Bin.objects.visible_to(request.user).select_related("restaurant"), id=bin_id)
    try:
        tag_services.report_tag_problem(
            bin=bin, by=request.user, kind=request.POST.get("kind", ""), note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(restaurant)s, bin %(bin)s: your report has reached the officials; they will send a new tag.")
            % {"restaurant": bin.restaurant.name, "bin": bin.label},
        )
    return redirect("owner-bins")


@login_required
def pickups(request):
    """Every pickup of my restaurants, newest first, a page at a time, by month and bin."""
    _owners_only(request)
    page = pickup_list.read_page(request.user, request.GET, now=timezone.now())
    with timezone.override(page.zone):
        return render(request, "pages/owner/pickups.html", {"page": page})


def _my_pickup(request, event_id) -> CollectionEvent:
    _owners_only(request)
    return get_object_or_404(
        CollectionEvent.objects.visible_to(request.user).select_related("bin", "tag", "restaurant__municipality"),
        id=event_id,
    )


def _receipt(event: CollectionEvent, user) -> dict:
    """What a receipt shows: the pickup's facts, its fee that day, its scale, its dispute,
    and whether the owner may still dispute it (until when) or whom to call instead."""
    dispute = Dispute.objects.filter(event=event).order_by("-created_at").first()
    disputable = (
        can_raise_dispute(user)
        and event.restaurant.owner_id == user.pk  # a former owner's past is read-only
        and event.status in disputes.DISPUTABLE_STATUSES
        and not (dispute and dispute.status == DisputeStatus.OPEN)
    )
    window = dispute_window(event) if disputable else None
    return {
        "event": event,
        "zone": event.restaurant.municipality.zone,
        "receipt": receipts([event], book=TariffBook.for_user(user))[event.id],
        "dispute": dispute,
        "disputable": disputable,
        "window": window,
        "window_open": window is not None and window.is_open(timezone.now()),
        "municipality": event.restaurant.municipality,
    }


@login_required
def receipt(request, event_id):
    """One pickup's receipt: when (local time), weight, fee that day, bin, exception, how the
    bin was identified, the scale and its last inspection, and "this is wrong"."""
    event = _my_pickup(request, event_id)
    context = _receipt(event, request.user)
    with timezone.override(context["zone"]):
        return render(request, "pages/owner/receipt.html", context)
