"""Who may do what with routes. The crew's stops and directory: `can_see_stops`
(collection_events/access.py). A round's order: officials, for their municipality's haulers."""

from django.db.models import QuerySet

from backend.accounts.access import AnyUser, acts_for_municipality
from backend.municipalities.models import Hauler


def can_set_routes(user: AnyUser) -> bool:
    """Put a hauler's round in order: officials (their municipality's haulers) and administrators."""
    return acts_for_municipality(user)


def haulers_visible_to(user: AnyUser) -> QuerySet[Hauler]:
    if not user.is_authenticated:
        return Hauler.objects.none()
    if user.is_system_admin:
        return Hauler.objects.all()
    if user.is_official and user.municipality_id is not None:
        return Hauler.objects.filter(municipality_id=user.municipality_id)
    return Hauler.objects.none()
