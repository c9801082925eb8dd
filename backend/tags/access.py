"""Who may do what with tags. Who sees which: `Tag.objects.visible_to`."""

from backend.accounts.access import AnyUser, acts_for_municipality


def can_manage_tags(user: AnyUser) -> bool:
    """Issue, revoke and pair tags with their chips: officials, within their
    municipality, and administrators."""
    return acts_for_municipality(user)
