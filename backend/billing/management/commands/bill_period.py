from django.core.management.base import BaseCommand, CommandError

from backend.billing.periods import Period
from backend.billing.runs import bill_synchronously
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality


class Command(BaseCommand):
    help = "Bill a municipality's month in this process: bill_period 11440 2026-10 (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("municipality_code")
        parser.add_argument("period", help="YYYY-MM")

    def handle(self, *args, **options):
        try:
            municipality = Municipality.objects.get(code=options["municipality_code"])
            run = bill_synchronously(municipality=municipality, period=Period.parse(options["period"]))
        except (Municipality.DoesNotExist, DomainError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{run.billing_period}: {run.status}, {run.invoices_issued} invoices issued ({run.id})")
