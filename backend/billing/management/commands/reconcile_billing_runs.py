from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from backend.billing import runs
from backend.billing.models import BillingRun, RunStatus


class Command(BaseCommand):
    help = "Send stalled billing runs (stale heartbeat, never picked up) to the workers again; --here runs them here."

    def add_arguments(self, parser):
        parser.add_argument("--here", action="store_true", help="finish them in this process instead of the workers")

    def handle(self, *args, **options):
        if options["here"]:
            stale = timezone.now() - timedelta(seconds=settings.BILLING_RUN_STALE_SECONDS)
            pending = BillingRun.objects.filter(
                Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale)
            ).values_list("id", flat=True)
            for run_id in pending:
                status = runs.execute_billing_run(run_id=run_id)
                self.stdout.write(f"run {run_id}: {status}")
            return
        run_ids = runs.reconcile_runs()
        self.stdout.write(f"{len(run_ids)} run(s) sent again: {', '.join(map(str, run_ids)) or '-'}")
