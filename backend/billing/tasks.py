"""Celery's way into billing: each task takes ids and calls one function."""

from celery import shared_task
from django.db import OperationalError

from backend.billing import prepaid, runs, services


@shared_task(
    bind=True, acks_late=True, max_retries=5, time_limit=3600, soft_time_limit=3500, name="billing.execute_billing_run"
)
def execute_billing_run(self, run_id: str) -> str:
    # acks_late: a run is idempotent and resumable, so being delivered twice is fine
    # and being lost is not; the reconciler covers what the broker forgets.
    try:
        return runs.execute_billing_run(run_id=run_id)
    except OperationalError as error:
        raise self.retry(exc=error, countdown=2**self.request.retries * 10) from error


@shared_task(time_limit=300, name="billing.reconcile_billing_runs")
def reconcile_billing_runs() -> int:
    return len(runs.reconcile_runs())


@shared_task(time_limit=300, name="billing.start_due_billing_runs")
def start_due_billing_runs() -> int:
    return len(runs.start_due_runs())


@shared_task(time_limit=300, name="billing.mark_overdue_invoices")
def mark_overdue_invoices() -> int:
    return len(services.mark_overdue_invoices())


@shared_task(time_limit=120, soft_time_limit=100, name="billing.charge_prepaid_pickups")
def charge_prepaid_pickups() -> int:
    # Idempotent (each draw is keyed by its scan): a missed or doubled beat does no harm.
    return prepaid.sweep_prepaid_pickups().drawn
