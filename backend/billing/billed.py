"""Whether a month has been billed already, so that starting it again tells the
official so (with the run that billed it) instead of starting a run with nothing to do.

A month is billed once a run for it has finished and every restaurant of the
municipality without an invoice for it was already there when that run started (the
run saw it and found nothing to bill). A restaurant registered since, still without
an invoice, makes a new run worth starting: it bills only what is not invoiced yet.
"""

from django.utils.translation import gettext_lazy as _

from backend.billing.models import BillingRun, Invoice, RunStatus
from backend.billing.periods import Period
from backend.core.errors import DomainError
from backend.restaurants.models import Restaurant


def billed_by(*, municipality_id, period: Period) -> BillingRun | None:
    """The finished run that billed the month, or None while a run still has work."""
    last = (
        BillingRun.objects.filter(municipality_id=municipality_id, period=period.first_day, status=RunStatus.DONE)
        .order_by("-created_at")
        .first()
    )
    if last is None:
        return None
    newcomers = (
        Restaurant.objects.filter(municipality_id=municipality_id, created_at__gte=last.started_at or last.created_at)
        .exclude(id__in=Invoice.objects.filter(period=period.first_day, last_day=None).values("restaurant_id"))
        .exists()
    )
    return None if newcomers else last


def already_billed(period: Period, run: BillingRun) -> DomainError:
    return DomainError(
        "period_already_billed",
        _("%(period)s has already been billed; no restaurant is left to invoice.") % {"period": period},
        fields={"period": ["already billed"], "run": [str(run.id)]},
        status_code=409,
    )


def refuse_if_billed(*, municipality_id, period: Period) -> None:
    run = billed_by(municipality_id=municipality_id, period=period)
    if run is not None:
        raise already_billed(period, run)
