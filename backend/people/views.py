"""Officials' pages for owners' and crews' accounts (/console/people/), and the pages a
one-time link opens (set a first password, reset a forgotten one). Thin views over
backend/people/services.py and backend/accounts/services.py."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.accounts import services as accounts
from backend.accounts.access import can_deactivate, can_manage_people, people_visible_to
from backend.accounts.models import LinkKind
from backend.core.errors import DomainError
from backend.municipalities.models import Hauler
from backend.notifications.models import NoticeDelivery
from backend.people import services
from backend.people.forms import DeactivateForm, InviteForm, ResetRequestForm, SetPasswordForm
from backend.restaurants.models import Restaurant

PAGE_SIZE = 50
RESTAURANT_CHOICES = 50


def _official(request):
    if not can_manage_people(request.user):
        raise PermissionDenied
    return request.user


@login_required
def people_list(request):
    user = _official(request)
    people = people_visible_to(user).select_related("hauler").prefetch_related("restaurants")
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    if query:
        people = people.filter(
            Q(username__icontains=query)
            | Q(first_name__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
            | Q(restaurants__name__icontains=query)
        ).distinct()
    if role in ("owner", "collector"):
        people = people.filter(role=role)
    page = Paginator(people.order_by("username"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/list.html", {"page": page, "q": query, "role": role})


def _restaurant_choices(user, query: str, chosen: str):
    restaurants = Restaurant.objects.visible_to(user).order_by("name")
    if chosen:
        restaurants = restaurants.filter(Q(pk=chosen) if _is_uuid(chosen) else Q(pk__in=[]))
    elif query:
        restaurants = restaurants.filter(Q(name__icontains=query) | Q(address__icontains=query))
    else:
        restaurants = restaurants.filter(owner__isnull=True)
    return {str(r.pk): r for r in restaurants.select_related("owner")[:RESTAURANT_CHOICES]}


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def invite_owner(request):
    user = _official(request)
    query = request.GET.get("q", "").strip()
    chosen = request.POST.get("target") or request.GET.get("restaurant", "")
    restaurants = _restaurant_choices(user, query, chosen if request.method == "POST" or not query else "")
    choices = [
        (pk, f"{r.name} · {r.address}" + (" " + _("(owner %(owner)s)") % {"owner": r.owner} if r.owner else ""))
        for pk, r in restaurants.items()
    ]
    form = InviteForm(request.POST or None, target_label=_("Restaurant"), target_choices=choices)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_owner(
                by=user,
                restaurant=restaurants[form.cleaned_data["target"]],
                **{k: form.cleaned_data[k] for k in ("email", "phone", "name")},
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            return render(request, "people/invited.html", {"invitation": invitation})
    return render(request, "people/invite.html", {"form": form, "kind": "owner", "q": query})


@login_required
@require_http_methods(["GET", "POST"])
def invite_crew(request):
    user = _official(request)
    haulers = (
        Hauler.objects.all()
        if user.is_system_admin
        else Hauler.objects.filter(districts__municipality_id=user.municipality_id).distinct()
    )
    haulers = {str(h.pk): h for h in haulers.order_by("name")}
    form = InviteForm(
        request.POST or None,
        target_label=_("Hauler"),
        target_choices=[(pk, h.name) for pk, h in haulers.items()],
    )
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_crew(
                by=user,
                hauler=haulers[form.cleaned_data["target"]],
                **{k: form.cleaned_data[k] for k in ("email", "phone", "name")},
            )
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            return render(request, "people/invited.html", {"invitation": invitation})
    return render(request, "people/invite.html", {"form": form, "kind": "crew"})


@login_required
@require_http_methods(["GET", "POST"])
def deactivate(request, user_id: int):
    user = _official(request)
    person = people_visible_to(user).filter(pk=user_id).prefetch_related("restaurants").first()
    if person is None:
        raise Http404
    if not can_deactivate(user, person):
        raise PermissionDenied
    form = DeactivateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.deactivate(by=user, person=person, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("Account %(username)s deactivated.") % {"username": person.username})
            return redirect("people:list")
    return render(request, "people/deactivate.html", {"form": form, "person": person})


def _set_password_page(request, token: str, kind: str):
    try:
        link = accounts.open_link(token)
        if link.kind != kind:
            raise accounts.link_invalid()
    except DomainError as error:
        return render(request, "people/link_invalid.html", {"message": error.message}, status=404)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.use_link(token=token, password=form.cleaned_data["password"])
        except DomainError as error:
            if error.code == "link_invalid":
                return render(request, "people/link_invalid.html", {"message": error.message}, status=404)
            form.add_error("password", str(error.message))
        else:
            messages.success(request, _("Your password is set: sign in now."))
            return redirect(reverse("login"))
    # The token in the URL goes to no other site: Referrer-Policy same-origin (settings).
    return render(request, "people/set_password.html", {"form": form, "person": link.user, "kind": kind})


@never_cache
@require_http_methods(["GET", "POST"])
def welcome(request, token: str):
    return _set_password_page(request, token, LinkKind.INVITATION)


@never_cache
@require_http_methods(["GET", "POST"])
def reset(request, token: str):
    return _set_password_page(request, token, LinkKind.PASSWORD_RESET)


@require_http_methods(["GET", "POST"])
def reset_request(request):
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(login=form.cleaned_data["login"])
        return render(request, "people/reset_requested.html")
    return render(request, "people/reset_request.html", {"form": form})


@login_required
def undeliverable(request):
    """The messages to the municipality's owners that can never arrive on their channel
    (no valid number, number unknown, template refused, text message failed too), newest
    first, each with the reason and a form to correct the number and send it again."""
    user = _official(request)
    rows = (
        NoticeDelivery.objects.visible_to(user)
        .undeliverable()
        .select_related("notice__recipient")
        .order_by("-updated_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/undeliverable.html", {"page": page, "section": "undeliverable"})


@login_required
@require_http_methods(["POST"])
def resend(request, delivery_id):
    user = _official(request)
    try:
        services.correct_phone_and_resend(by=user, delivery_id=str(delivery_id), phone=request.POST.get("phone", ""))
    except DomainError as error:
        if error.status_code == 404:
            raise Http404 from error
        messages.error(request, str(error.message))
    else:
        messages.success(request, str(_("The number was saved and the message is being sent again.")))
    return redirect("people:undeliverable")
