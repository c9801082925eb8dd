"""A restaurant sold mid-month: the old owner (`owner`) until 14 November 2026, the
new owner from the 15th. Scans on both sides of the date, one of the new owner's
recorded before the official confirmed (the date is given after the fact)."""

import uuid
from datetime import date

import pytest
import time_machine

from tests.billing.conftest import seoul

SOLD_ON = date(2026, 11, 15)


@pytest.fixture
def priced(city):
    from backend.billing.models import Tariff

    return Tariff.objects.create(
        municipality=city, effective_from=date(2026, 1, 1), price_per_kg_krw=130, base_fee_per_bin_krw=1_000
    )


@pytest.fixture
def new_owner(f, city):
    return f.UserFactory(username="new_owner", role="owner", email="new@example.org", invited_through=city)


@pytest.fixture
def scan_at(f, collector, tag):
    def make(when, grams, status="billable"):
        return f.CollectionEventFactory(
            id=uuid.uuid4(), tag=tag, collector=collector, weight_g=grams, collected_at=when, status=status
        )

    return make


@pytest.fixture
def sold(priced, restaurant, bin, tag, owner, new_owner, official, scan_at):
    """The sale reported by the owner and confirmed by the official on 16 November;
    returns the scans by name and the handover."""
    from backend.handovers import services
    from backend.restaurants.models import Bin

    Bin.objects.filter(id=bin.id).update(created_at=seoul(2025, 1, 1))
    scans = {}
    with time_machine.travel(seoul(2026, 11, 16, 12), tick=False):
        scans["nov3"] = scan_at(seoul(2026, 11, 3, 9), 10_000)
        scans["nov14_late_evening"] = scan_at(seoul(2026, 11, 14, 23, 30), 20_000)
        scans["nov15_early"] = scan_at(seoul(2026, 11, 15, 0, 30), 3_000)  # the new owner's, known before confirming
        handover = services.report_handover(
            by=owner,
            restaurant=restaurant,
            kind="sale",
            proposed_on=SOLD_ON,
            new_owner_email="new@example.org",
            new_owner_name="김새주인",
        )
        handover = services.confirm_handover(handover=handover, by=official, effective_on=SOLD_ON)
    with time_machine.travel(seoul(2026, 11, 26, 12), tick=False):
        scans["nov20"] = scan_at(seoul(2026, 11, 20, 9), 5_000)
        scans["nov25"] = scan_at(seoul(2026, 11, 25, 9), 7_000)
    return {"handover": handover, **scans}


@pytest.fixture
def month_billed(sold, official):
    """November's regular run, on 2 December."""
    from backend.billing import runs
    from backend.billing.periods import Period

    with time_machine.travel(seoul(2026, 12, 2, 9), tick=False):
        runs.bill_synchronously(municipality=official.municipality, period=Period.parse("2026-11"))
    return sold
