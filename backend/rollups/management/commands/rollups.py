"""`manage.py rollups check` compares the kept rollups with the scans; `rollups rebuild`
recomputes them (docs/reports.md). `--municipality CODE` limits either to one."""

from django.core.management.base import BaseCommand, CommandError

from backend.municipalities.models import Municipality
from backend.rollups.cells import differences, rebuild

SHOWN = 20


class Command(BaseCommand):
    help = "Check the volume rollups against the scans, or rebuild them from the scans."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["check", "rebuild"])
        parser.add_argument("--municipality", help="administrative code (행정표준코드) of one municipality")

    def handle(self, *args, action: str, municipality: str | None, **options):
        scope = None
        if municipality:
            scope = Municipality.objects.filter(code=municipality).first()
            if scope is None:
                raise CommandError(f"no municipality with code {municipality}")
        if action == "rebuild":
            written = rebuild(municipality=scope)
            self.stdout.write("rebuilt " + ", ".join(f"{rows} rows of {name}" for name, rows in written.items()))
            return
        found = differences(municipality=scope)
        for cell in found[:SHOWN]:
            self.stdout.write(str(cell))
        if found:
            raise CommandError(f"{len(found)} cells differ from the scans; `manage.py rollups rebuild` recomputes them")
        self.stdout.write("rollups match the scans")
