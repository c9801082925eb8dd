"""Billing personas and builders: a tariff in force, scans at chosen local times."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def tariff(f, city):
    from backend.billing.models import Tariff

    return Tariff.objects.create(municipality=city, effective_from=date(2026, 1, 1), price_per_kg_krw=130)


@pytest.fixture
def old_bin(bin):
    """The shared `bin`, in service since long before the months billed here."""
    from backend.restaurants.models import Bin

    Bin.objects.filter(id=bin.id).update(created_at=seoul(2025, 1, 1))
    bin.refresh_from_db()
    return bin


@pytest.fixture
def english_names(old_bin):
    """Names in the register written in English, so only the pages' own words are left."""
    restaurant = old_bin.restaurant
    restaurant.name, restaurant.address = "Grandma's Sundae", "12 Wausan-ro"
    restaurant.save(update_fields=["name", "address"])
    old_bin.label = "Kitchen 1"
    old_bin.save(update_fields=["label"])
    district = restaurant.district
    district.name = "Seogyo-dong"
    district.save(update_fields=["name"])
    return old_bin


@pytest.fixture
def scan(f, collector):
    """scan(bin, when, grams, status="billable") → a stored collection."""

    def make(bin, when: datetime, grams: int, status: str = "billable"):
        from backend.tags.models import Tag

        tag = Tag.objects.filter(bin=bin).first() or f.TagFactory(bin=bin)
        return f.CollectionEventFactory(
            id=uuid.uuid4(), tag=tag, collector=collector, weight_g=grams, collected_at=when, status=status
        )

    return make


@pytest.fixture
def bill(official):
    """bill("2026-10") → the finished run, executed in-process."""

    def run(period: str, municipality=None):
        from backend.billing import runs
        from backend.billing.models import BillingRun
        from backend.billing.periods import Period

        run = runs.start_billing_run(
            municipality=municipality or official.municipality, period=Period.parse(period), requested_by=official
        )
        runs.execute_billing_run(run_id=run.id)
        return BillingRun.objects.get(id=run.id)

    return run
