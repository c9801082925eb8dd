"""Who someone is, as the access policies of every app ask it (`<app>/access.py`).

Each app decides who may do what with its own resources in its `access.py`: which
rows a user sees is the model's `visible_to(user)`, and what they may do is a small
`can_*` function (or an `access_*` function that returns the object or answers 404).
The API's permission adapter (core/permissions.py) and the pages both call them.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from backend.accounts.models import Role, User

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


def people_visible_to(user: AnyUser):
    """The owners and crew members an official looks after: owners of a restaurant in
    their municipality or invited through it, and crews of the haulers serving one of
    its districts. An administrator sees every owner and crew member; others, nobody."""
    people = User.objects.filter(role__in=[Role.OWNER, Role.COLLECTOR])
    if not user.is_authenticated:
        return people.none()
    if user.is_system_admin:
        return people
    if not user.is_official:
        return people.none()
    municipality_id = user.municipality_id
    ours = (
        Q(role=Role.OWNER, restaurants__municipality_id=municipality_id)
        | Q(role=Role.OWNER, invited_through_id=municipality_id)
        | Q(role=Role.COLLECTOR, hauler__districts__municipality_id=municipality_id)
    )
    return people.filter(id__in=User.objects.filter(ours).values("id"))


def can_manage_people(user: AnyUser) -> bool:
    """Invite, list and deactivate owners and crews: officials (their municipality's)
    and administrators."""
    return acts_for_municipality(user)


def can_invite_owner_for(user: AnyUser, restaurant: Any) -> bool:
    """An official invites the owner of a restaurant of their own municipality."""
    if not isinstance(user, User) or not can_manage_people(user):
        return False
    return user.is_system_admin or restaurant.municipality_id == user.municipality_id


def can_invite_crew_for(user: AnyUser, hauler: Any) -> bool:
    """An official invites the crew of a hauler that serves one of their districts."""
    if not isinstance(user, User) or not can_manage_people(user):
        return False
    return user.is_system_admin or hauler.districts.filter(municipality_id=user.municipality_id).exists()


def can_deactivate(user: AnyUser, person: User) -> bool:
    """An official deactivates an owner or crew member they look after, but not an
    owner who also has a restaurant in another municipality (that is its officials' or
    the administrator's call), and never themselves."""
    if not isinstance(user, User) or not can_manage_people(user) or person.pk == user.pk:
        return False
    if not people_visible_to(user).filter(pk=person.pk).exists():
        return False
    if user.is_system_admin or not person.is_owner:
        return True
    return not person.restaurants.exclude(municipality_id=user.municipality_id).exists()  # type: ignore[misc]
