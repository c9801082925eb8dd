"""The one adapter between DRF's permission checks and the domain's access policies.

Who may do what is decided in each app's `access.py`; reading is scoped by each
model's `visible_to(user)`. A view names, per action, the function that decides:

    permission_classes = [AccessPolicy]
    access_policy = {"create": can_raise_dispute, "accept": can_decide_dispute}

An action it does not name is decided by its `READ` entry (safe methods; default:
anyone signed in, within `visible_to`) or its `WRITE` entry (default: nobody).
"""

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser as DjangoAnonymousUser
from rest_framework.permissions import SAFE_METHODS, BasePermission

READ = "read"
WRITE = "write"


class AccessPolicy(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        policy: dict[str, Callable[..., bool]] = getattr(view, "access_policy", {})
        action = getattr(view, "action", None)
        if action in policy:
            return policy[action](user)
        if request.method in SAFE_METHODS:
            return policy[READ](user) if READ in policy else True
        if action is None and hasattr(view, "action"):
            return True  # a method the viewset has no route for: DRF answers 405
        return policy[WRITE](user) if WRITE in policy else False


class AnonymousUser(DjangoAnonymousUser):
    """Someone not signed in: no role, no municipality, no hauler. Every model's
    `visible_to(user)` answers an empty queryset for them."""

    is_official = is_collector = is_owner = is_system_admin = False
    role = ""
    municipality = municipality_id = hauler = hauler_id = None
