"""Celery's way into the register import: the task takes an id and calls one function."""

from celery import shared_task
from django.db import OperationalError

from backend.registers import runs


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=5,
    time_limit=3600,
    soft_time_limit=3500,
    name="registers.run_register_import",
)
def run_register_import(self, import_id: str) -> str:
    # acks_late: a run resumes after its cursor and rewrites a chunk identically, so
    # being delivered twice is harmless and being lost is not.
    try:
        return runs.run_import(import_id=import_id)
    except OperationalError as error:
        raise self.retry(exc=error, countdown=2**self.request.retries * 10) from error
