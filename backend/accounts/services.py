import uuid

from backend.accounts.access import AnyUser, can_attach_owner
from backend.accounts.models import User
from backend.core.errors import DomainError

OWNER_NOT_IN_MUNICIPALITY = (
    "owner_not_in_municipality",
    "이 지자체에 속하거나 이 지자체를 통해 초대된 업주만 연결할 수 있습니다. "
    "Only an owner who belongs to this municipality or was invited through it can be attached.",
)


def check_owner_binding(*, by: AnyUser, owner: User | None, municipality_id: uuid.UUID) -> None:
    """Refuses (400 `owner_not_in_municipality`) an owner `by` may not attach to a
    restaurant in the municipality (accounts.access.can_attach_owner)."""
    if owner is not None and not can_attach_owner(by, owner, municipality_id):
        code, message = OWNER_NOT_IN_MUNICIPALITY
        raise DomainError(code, message, fields={"owner": [message]})
