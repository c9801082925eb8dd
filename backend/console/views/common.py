"""What every console view shares: who may enter, and the municipality an official acts for.
Who may do what is decided in the apps' access.py; these only call it."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from backend.accounts.access import AnyUser
from backend.core.errors import DomainError
from backend.restaurants.access import can_manage_restaurants
from backend.restaurants.models import Bin, Restaurant
from backend.tags.access import can_manage_tags
from backend.tags.models import Tag


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def restaurants_managed_by(user: AnyUser) -> None:
    require(can_manage_restaurants(user))


def tags_managed_by(user: AnyUser) -> None:
    require(can_manage_tags(user))


def visible_restaurant(user, restaurant_id) -> Restaurant:
    return get_object_or_404(Restaurant.objects.visible_to(user).select_related("district", "owner"), pk=restaurant_id)


def visible_bin(user, bin_id) -> Bin:
    return get_object_or_404(Bin.objects.visible_to(user).select_related("restaurant"), pk=bin_id)


def visible_tag(user, code) -> Tag:
    return get_object_or_404(Tag.objects.visible_to(user).select_related("bin__restaurant"), code=code)


def own_municipality_id(user):
    """Work over a whole municipality (bulk bins, tags, label sheets) is an official's, for their own."""
    if user.municipality_id is None:
        raise DomainError(
            "permission_denied",
            _("Only an official of a municipality can do this."),
            status_code=403,
        )
    return user.municipality_id


def form_with_error(form, error: DomainError):
    """A domain error shown on the form: on the fields it names, else above the form."""
    placed = False
    for field, messages in (error.fields or {}).items():
        if field in form.fields:
            for message in messages:
                form.add_error(field, f"{error.message} ({message})" if not placed else message)
            placed = True
    if not placed:
        form.add_error(None, error.message)
    return form
