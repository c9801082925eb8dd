from django.core.management.base import BaseCommand

from backend.billing.prepaid import sweep_prepaid_pickups


class Command(BaseCommand):
    help = "Draw prepaid restaurants' new pickups from their wallets (what the beat task does every few seconds)."

    def handle(self, *args, **options):
        result = sweep_prepaid_pickups()
        self.stdout.write(f"{result.drawn} pickups drawn, {result.reversed} given back")
