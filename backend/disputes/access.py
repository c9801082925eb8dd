"""Who may do what with disputes. Who sees which: `Dispute.objects.visible_to`."""

import uuid

from django.shortcuts import get_object_or_404

from backend.accounts.access import AnyUser, acts_for_municipality, is_owner
from backend.disputes.models import Dispute


def can_raise_dispute(user: AnyUser) -> bool:
    """Owners dispute their restaurants' collections (the ones they see)."""
    return is_owner(user)


def can_decide_dispute(user: AnyUser) -> bool:
    """Officials, within their municipality, and administrators review and decide
    disputes and held scans."""
    return acts_for_municipality(user)


def access_dispute(user: AnyUser, dispute_id: uuid.UUID | str) -> Dispute:
    """The dispute, if the user sees it; 404 otherwise, like every object out of scope."""
    return get_object_or_404(Dispute.objects.visible_to(user), id=dispute_id)
