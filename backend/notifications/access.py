"""Who may do what with notices: everyone signed in has a notice centre and marks
their own notices read. Which notices they see: `Notice.objects.visible_to` (their own)."""

from backend.accounts.access import AnyUser


def can_read_own_notices(user: AnyUser) -> bool:
    return user.is_authenticated
