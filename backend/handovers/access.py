"""Who may do what with handovers. Who sees which: `Handover.objects.visible_to`."""

import uuid

from django.shortcuts import get_object_or_404

from backend.accounts.access import AnyUser, acts_for_municipality, is_owner
from backend.handovers.models import Handover


def can_report_handover(user: AnyUser) -> bool:
    """Owners report closing or selling one of the restaurants they own now."""
    return is_owner(user)


def can_decide_handover(user: AnyUser) -> bool:
    """Officials of the restaurant's municipality (and administrators) confirm or reject."""
    return acts_for_municipality(user)


def access_handover(user: AnyUser, handover_id: uuid.UUID | str) -> Handover:
    """The handover, if the user sees it; 404 otherwise, like every object out of scope."""
    return get_object_or_404(Handover.objects.visible_to(user).select_related("restaurant"), id=handover_id)
