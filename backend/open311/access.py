"""Who may handle outside apps' API keys: officials, for their own municipality (an
administrator sees and revokes every key, but a key is made by an official, whose
municipality it serves). Who sees which: `ApiKey.objects.visible_to`."""

from backend.accounts.access import AnyUser, acts_for_municipality


def can_manage_api_keys(user: AnyUser) -> bool:
    return acts_for_municipality(user)
