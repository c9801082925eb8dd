"""The owner's pages: a tariff that changes mid-October, pickups at chosen local times."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.billing.conftest import bill, old_bin, scan, tariff  # noqa: F401 (the billing fixtures these pages share)

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SEOUL)


@pytest.fixture
def tariffs(city):
    from backend.billing.models import Tariff

    Tariff.objects.create(
        municipality=city, effective_from=date(2026, 1, 1), effective_to=date(2026, 10, 14), price_per_kg_krw=130
    )
    return Tariff.objects.create(municipality=city, effective_from=date(2026, 10, 15), price_per_kg_krw=150)


@pytest.fixture
def pickup(f, tag, collector, tariffs):
    """pickup(when, grams=10_000, **fields) → a stored collection of the shared tag."""

    def make(when, grams=10_000, **fields):
        return f.CollectionEventFactory(
            id=uuid.uuid4(), tag=tag, collector=collector, weight_g=grams, collected_at=when, **fields
        )

    return make


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW)
    return NOW
