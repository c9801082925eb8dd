"""Who may do what with restaurants and bins. Who sees which: `Restaurant.objects.visible_to`
and `Bin.objects.visible_to`."""

from backend.accounts.access import AnyUser, acts_for_municipality


def can_manage_restaurants(user: AnyUser) -> bool:
    """Register and edit restaurants, add and retire their bins: officials, within
    their municipality, and administrators."""
    return acts_for_municipality(user)
