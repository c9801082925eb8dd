"""Whose numbers a report may show: an official sees their own municipality's, an
administrator names the municipality; nobody else sees reports at all."""

import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError
from backend.municipalities.models import Municipality


def may_read_reports(user) -> bool:
    return user.is_authenticated and (user.is_official or user.is_system_admin)


def may_compare(user) -> bool:
    """Owners compare their own restaurants with similar ones (never see another's figures)."""
    return user.is_authenticated and user.is_owner


def report_choices(user) -> list[Municipality] | None:
    """The municipalities a report page offers: every one to an administrator, who
    names the one to show; None to an official, who sees only their own."""
    if user.is_system_admin:
        return list(Municipality.objects.all())
    return None


def access_report_municipality(user, municipality_id: str | None) -> Municipality:
    """The municipality a report covers. Another municipality than an official's own
    answers 404, like every object out of scope."""
    if not may_read_reports(user):
        raise PermissionDenied
    if user.is_official and not user.is_system_admin:
        if municipality_id and municipality_id != str(user.municipality_id):
            raise Http404
        return user.municipality
    if not municipality_id:
        raise DomainError(
            "municipality_required",
            _("Choose a municipality."),
            fields={"municipality": ["required for administrators"]},
        )
    try:
        return Municipality.objects.get(id=uuid.UUID(municipality_id))
    except (ValueError, Municipality.DoesNotExist):
        raise Http404 from None
