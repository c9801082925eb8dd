from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backend.pickup_requests import services


class Command(BaseCommand):
    help = "수거 기록이 있는 수거 요청을 처리 완료로 표시합니다. Mark done the open pickup requests a crew weighed."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD (default: yesterday and today)")

    def handle(self, *args, **options):
        if options["day"]:
            try:
                days = [date.fromisoformat(options["day"])]
            except ValueError:
                raise CommandError("--day must be YYYY-MM-DD") from None
        else:
            today = timezone.localdate()
            days = [today - timedelta(days=1), today]
        for day in days:
            steps = services.settle_pickup_requests(day=day)
            self.stdout.write(f"{day:%Y-%m-%d}: {len(steps)}건 처리 완료 (settled)")
