"""Who may do what with scans (collection events). Who sees which:
`CollectionEvent.objects.visible_to` (a crew its own scans, an owner their restaurants')."""

from django.utils.translation import gettext_lazy as _

from backend.accounts.access import AnyUser, acts_for_municipality, is_collector
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality
from backend.restaurants.models import Bin, Restaurant


def can_record_scans(user: AnyUser) -> bool:
    """Crews record scans; which bins they may scan is checked per scan
    (services.record_collections: the tag is active and on the hauler's route)."""
    return is_collector(user)


def can_change_scan_status(user: AnyUser) -> bool:
    """Release a held scan, void a wrong one: officials, within their municipality,
    and administrators."""
    return acts_for_municipality(user)


def can_read_bin_history(user: AnyUser, bin: Bin) -> bool:
    """A bin's scans, on its tag's page: whoever sees the restaurant, except crews
    (a route gives no sight of a restaurant's history)."""
    if not user.is_authenticated or user.is_collector:
        return False
    return Restaurant.objects.visible_to(user).filter(id=bin.restaurant_id).exists()


def can_see_stops(user: AnyUser) -> bool:
    """The day's stops are a crew's page."""
    return is_collector(user)


def can_manage_scales(user: AnyUser) -> bool:
    """Registering the crews' scales and reading them: officials of the municipality
    (and administrators). Which scales: `Scale.objects.visible_to`."""
    return acts_for_municipality(user)


def scale_municipality(user) -> Municipality:
    """Whose scale a new one is: the official's own municipality."""
    if user.municipality is None:
        raise DomainError(
            "permission_denied",
            _("Only an official of a municipality registers scales."),
            status_code=403,
        )
    return user.municipality
