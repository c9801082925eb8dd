"""Officials' pages for the haulers' rounds (/console/routes/): which bins a crew visits
in what order. Thin views over services.set_route; who may: access.can_set_routes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from backend.core.errors import DomainError
from backend.routes import services
from backend.routes.access import can_set_routes, haulers_visible_to
from backend.routes.selectors import round_bins

LARGEST_POSITION = 99_999


def _officials_only(request) -> None:
    if not can_set_routes(request.user):
        raise PermissionDenied


@login_required
def hauler_list(request):
    _officials_only(request)
    haulers = haulers_visible_to(request.user).prefetch_related("districts").order_by("name")
    return render(request, "routes/console/haulers.html", {"haulers": haulers, "section": "routes"})


@login_required
def round_order(request, hauler_id):
    """Each bin of the round with a number box: 1 goes first; a blank box leaves the bin
    without a place (the crew's phone puts it after the others, nearest first)."""
    _officials_only(request)
    hauler = get_object_or_404(haulers_visible_to(request.user), pk=hauler_id)
    bins = round_bins(hauler=hauler, user=request.user)
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    problem = None
    if request.method == "POST":
        numbers = {}
        for bin in bins:
            raw = request.POST.get(f"position-{bin.id}", "").strip()
            typed[str(bin.id)] = raw
            if not raw:
                continue
            if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= LARGEST_POSITION:
                errors[str(bin.id)] = _("A number from 1 to %(largest)d, please.") % {"largest": LARGEST_POSITION}
                continue
            numbers[bin.id] = int(raw)
        taken: dict[int, str] = {}
        for bin in bins:
            number = numbers.get(bin.id)
            if number is None:
                continue
            if number in taken:
                errors[str(bin.id)] = _("Number %(number)d is already on %(bin)s.") % {
                    "number": number,
                    "bin": taken[number],
                }
            else:
                taken[number] = f"{bin.restaurant.name} {bin.label}"
        if not errors:
            order = sorted(numbers, key=numbers.__getitem__)
            try:
                services.set_route(hauler=hauler, bin_ids=order, by=request.user)
            except DomainError as error:
                problem = error.message
            else:
                messages.success(request, _("The round's order is saved."))
                return redirect("routes:round", hauler_id=hauler.pk)
        problem = problem or _("Some numbers need fixing; see the boxes marked.")
    rows = [
        {
            "bin": bin,
            "value": typed.get(str(bin.id), "" if bin.position is None else str(bin.position)),
            "error": errors.get(str(bin.id)),
        }
        for bin in bins
    ]
    context = {"hauler": hauler, "rows": rows, "problem": problem, "section": "routes"}
    return render(request, "routes/console/round.html", context)
