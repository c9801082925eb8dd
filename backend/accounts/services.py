from backend.core.errors import DomainError

OWNER_NOT_IN_MUNICIPALITY = (
    "owner_not_in_municipality",
    "이 지자체에 속하거나 이 지자체를 통해 초대된 업주만 연결할 수 있습니다. "
    "Only an owner who belongs to this municipality or was invited through it can be attached.",
)


def may_bind_owner(*, by, owner, municipality_id) -> bool:
    """Whether `by` may make `owner` the owner of a restaurant in the municipality.

    An administrator may attach anyone. An official, only in their own municipality, and
    only an owner invited through it (an account made by or for it) or who already
    owns a restaurant there."""
    if by.is_system_admin:
        return True
    if not (by.is_official and by.municipality_id == municipality_id and owner.is_owner):
        return False
    if owner.invited_through_id == municipality_id:
        return True
    return owner.restaurants.filter(municipality_id=municipality_id).exists()


def check_owner_binding(*, by, owner, municipality_id) -> None:
    if owner is not None and not may_bind_owner(by=by, owner=owner, municipality_id=municipality_id):
        code, message = OWNER_NOT_IN_MUNICIPALITY
        raise DomainError(code, message, fields={"owner": [message]})
