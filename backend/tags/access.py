"""Who may do what with tags. Who sees which: `Tag.objects.visible_to`."""

from backend.accounts.access import AnyUser, acts_for_municipality, is_owner


def can_manage_tags(user: AnyUser) -> bool:
    """Issue, revoke and pair tags with their chips: officials, within their
    municipality, and administrators."""
    return acts_for_municipality(user)


def can_report_tag_problem(user: AnyUser) -> bool:
    """ "My tag is lost or damaged": owners, for their own bins (`Bin.objects.visible_to`)."""
    return is_owner(user)


def can_handle_tag_reports(user: AnyUser) -> bool:
    """Owners' tag reports: officials of the municipality (and administrators) read and close them."""
    return acts_for_municipality(user)
