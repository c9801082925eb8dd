"""Who someone is, as the access policies of every app ask it (`<app>/access.py`).

Each app decides who may do what with its own resources in its `access.py`: which
rows a user sees is the model's `visible_to(user)`, and what they may do is a small
`can_*` function (or an `access_*` function that returns the object or answers 404).
The API's permission adapter (core/permissions.py) and the pages both call them.
"""

from django.contrib.auth.models import AnonymousUser

from backend.accounts.models import User

AnyUser = User | AnonymousUser


def acts_for_municipality(user: AnyUser) -> bool:
    """An official (for their own municipality) or an administrator (for any)."""
    return user.is_authenticated and (user.is_official or user.is_system_admin)


def is_owner(user: AnyUser) -> bool:
    return user.is_authenticated and user.is_owner


def is_collector(user: AnyUser) -> bool:
    return user.is_authenticated and user.is_collector


def can_attach_owner(user: AnyUser, owner: User, municipality_id) -> bool:
    """Whether `user` may make `owner` the owner of a restaurant in the municipality.

    An administrator may attach any owner. An official, only in their own municipality,
    and only an owner invited through it (an account made by or for it,
    `User.invited_through`) or who already owns a restaurant there."""
    if not user.is_authenticated or not owner.is_owner:
        return False
    if user.is_system_admin:
        return True
    if not (user.is_official and user.municipality_id == municipality_id):
        return False
    return (
        owner.invited_through_id == municipality_id
        or owner.restaurants.filter(municipality_id=municipality_id).exists()
    )
