"""Celery's way into payments: the daily reconciliation with the gateway's settlements."""

import logging
from datetime import date

from celery import shared_task

from backend.core.errors import DomainError
from backend.payments import settlements

log = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=5, time_limit=300, soft_time_limit=240, name="payments.reconcile_settlements")
def reconcile_settlements(self, day: str | None = None) -> int:
    """Yesterday (local) against the gateway's list; one check per day, so a repeated
    beat or a retry replaces the day's findings with the same ones."""
    when = date.fromisoformat(day) if day else settlements.previous_local_day()
    try:
        check = settlements.reconcile_day(day=when)
    except DomainError as error:
        if error.code != "gateway_unavailable":
            raise
        raise self.retry(exc=error, countdown=2**self.request.retries * 60) from error
    if check is None:
        return 0
    count = check.differences.count()
    if count:
        log.warning("settlement check %s %s: %d differences", check.provider, check.day, count)
    return count
