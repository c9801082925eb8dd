"""Who may import the licence register: officials, for their own municipality. Which
imports they see: `RegisterImport.objects.visible_to`."""

from django.http import Http404

from backend.accounts.access import AnyUser
from backend.registers.models import RegisterImport


def can_import_register(user: AnyUser) -> bool:
    """Officials with a municipality. Administrators have none to import into."""
    return bool(user.is_authenticated and user.is_official and user.municipality_id)


def access_register_import(user: AnyUser, import_id):
    """The import, if the user may see it; otherwise 404."""
    found = RegisterImport.objects.visible_to(user).filter(id=import_id).first()
    if found is None or not can_import_register(user):
        raise Http404
    return found
