"""Who may do what with tariffs and billing runs. Who sees which tariffs, runs and
invoices: `Tariff.objects.visible_to`, `BillingRun.objects.visible_to`,
`Invoice.objects.visible_to` (owners their restaurants', never drafts)."""

from django.utils.translation import gettext_lazy as _

from backend.accounts.access import AnyUser, acts_for_municipality
from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality


def can_manage_tariffs(user: AnyUser) -> bool:
    return acts_for_municipality(user)


def can_set_municipal_low_balance(user: User, municipality: Municipality) -> bool:
    """The municipality's own officials (or an administrator) set its wallets' default threshold."""
    return acts_for_municipality(user) and (user.is_system_admin or user.municipality_id == municipality.id)


def can_start_billing_run(user: AnyUser) -> bool:
    return acts_for_municipality(user)


def can_see_invoice_notices(user: AnyUser) -> bool:
    """Officials (of the invoice's municipality, by `Invoice.objects.visible_to`) see
    what the owner was sent about it and whether it was read."""
    return acts_for_municipality(user)


def can_see_arrears(user: AnyUser) -> bool:
    """Officials see their municipality's overdue invoices (`billing/arrears.py`)."""
    return acts_for_municipality(user)


def can_remind_arrears(user: AnyUser) -> bool:
    """Officials remind the owners of their municipality's overdue invoices."""
    return acts_for_municipality(user)


def tariff_municipality(user: User) -> Municipality:
    """Whose tariff a new one is: the official's own municipality."""
    if user.municipality is None:
        raise DomainError(
            "permission_denied",
            _("Only an official of a municipality creates tariffs."),
            status_code=403,
        )
    return user.municipality


def billing_run_municipality(user: User) -> Municipality:
    """Whose invoices a run issues: the official's own municipality."""
    if user.municipality is None:
        raise DomainError(
            "permission_denied",
            _("Only an official of a municipality starts a billing run."),
            status_code=403,
        )
    return user.municipality
