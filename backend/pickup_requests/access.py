"""Who may do what with pickup requests: owners ask and cancel; officials assign,
reject and close; crews close them from the day's stops. Who sees which:
`PickupRequest.objects.visible_to`."""

import uuid

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from backend.accounts.access import AnyUser, acts_for_municipality, is_collector, is_owner
from backend.accounts.models import User
from backend.municipalities.models import Hauler
from backend.pickup_requests.models import PickupRequest


def can_request_pickup(user: AnyUser) -> bool:
    return is_owner(user)


def can_cancel_pickup(user: AnyUser) -> bool:
    return is_owner(user)


def can_decide_pickup(user: AnyUser) -> bool:
    """Review open requests, assign them to a hauler or reject them."""
    return acts_for_municipality(user)


def can_complete_pickup(user: AnyUser) -> bool:
    return acts_for_municipality(user) or is_collector(user)


def access_pickup_request(user: AnyUser, request_id: uuid.UUID | str) -> PickupRequest:
    """The request, if the user sees it; 404 otherwise, like every object out of scope."""
    return get_object_or_404(PickupRequest.objects.visible_to(user).select_related("restaurant"), id=request_id)


def assignable_haulers(user: User) -> QuerySet[Hauler]:
    """The haulers a reviewer picks from: their municipality's, or all for an administrator."""
    if user.is_system_admin:
        return Hauler.objects.all()
    return Hauler.objects.filter(municipality=user.municipality)
