from django.core.management.base import BaseCommand, CommandError

from backend.archive.services import archive_months
from backend.billing.periods import Period
from backend.collection_events import partitions
from backend.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "The scans' monthly partitions (docs/operations.md, 'Scan partitions'): "
        "`ensure` makes the coming months and empties the default partition into its months; "
        "`list` shows them; `detach --before YYYY-MM` archives older months the rule lets go."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        ensure = actions.add_parser("ensure")
        ensure.add_argument("--months-ahead", type=int, default=None)
        actions.add_parser("list")
        detach = actions.add_parser("detach")
        detach.add_argument("--before", required=True, help="YYYY-MM: archive the months before this one")

    def handle(self, *args, **options):
        if options["action"] == "ensure":
            made = partitions.ensure_months(months_ahead=options["months_ahead"])
            self.stdout.write(f"made {len(made)}: {', '.join(f'{month:%Y-%m}' for month in made) or '-'}")
        elif options["action"] == "list":
            for partition in partitions.list_partitions():
                month = f"{partition.month:%Y-%m}" if partition.month else "default"
                self.stdout.write(f"{month}\t{partition.name}\t{partition.rows}")
        else:
            try:
                period = Period.parse(options["before"])
                archived = archive_months(before=period.first_day)
            except DomainError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"archived {len(archived)}: {', '.join(archived) or '-'}")
