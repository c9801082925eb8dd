"""The officials' tariffs, billing and scales pages read a fixed number of queries
whatever the number of rows they list (no query per row)."""

import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backend.billing.models import BillingRun, Tariff
from backend.collection_events.models import Scale
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture
def rows(f, official, collector, tag):
    """add(n): n more of each listed thing (tariffs, runs, scales, weighings, changes)."""
    state = {"year": 2000, "month": 0}

    def add(n):
        for _ in range(n):
            state["year"] += 1
            Tariff.objects.create(
                municipality=official.municipality,
                effective_from=date(state["year"], 1, 1),
                effective_to=date(state["year"], 12, 31),
                price_per_kg_krw=100,
            )
            serial = f"S-{uuid.uuid4().hex[:8]}"
            Scale.objects.create(
                municipality=official.municipality,
                hauler=collector.hauler,
                serial=serial,
                inspected_on=timezone.localdate() - timedelta(days=10),
            )
            f.CollectionEventFactory(
                id=uuid.uuid4(),
                tag=tag,
                collector=collector,
                weight_g=1000,
                scale_id="SHARED",
                flags=["unregistered_scale"],
                collected_at=timezone.now() - timedelta(hours=2),
            )
            state["month"] += 1
            BillingRun.objects.create(
                municipality=official.municipality,
                period=date(2020 + state["month"] // 12, state["month"] % 12 + 1, 1),
                status="done",
                finished_at=timezone.now(),
            )
            for restaurant_name in ("a", "b"):
                f.RestaurantFactory(district=tag.bin.restaurant.district, name=restaurant_name)

    return add


def test_list_pages_do_not_grow_with_their_rows(client, official, rows, tag):
    client.force_login(official)
    scale = Scale.objects.create(
        municipality=official.municipality,
        hauler=tag.bin.restaurant.district.haulers.first(),
        serial="SHARED",
        inspected_on=timezone.localdate(),
    )
    tariff = Tariff.objects.create(
        municipality=official.municipality, effective_from=date(2090, 1, 1), price_per_kg_krw=1
    )
    run = BillingRun.objects.create(
        municipality=official.municipality, period=seoul(2019, 1, 1).date(), status="done", finished_at=timezone.now()
    )
    pages = [
        (reverse("billing-console:tariffs"), None),
        (reverse("billing-console:runs"), None),
        (reverse("billing-console:run", args=[run.id]), None),
        (reverse("scales:list"), None),
        (reverse("scales:weighings"), {"scale": "SHARED"}),
        (reverse("disputes:review"), None),
    ]

    def measure():
        for n in range(3):  # changes for the objects' history pages
            tariff.price_per_kg_krw = n + 2
            tariff.save()
            scale.model = f"model {n}"
            scale.save()
        return [queries(client, url, params) for url, params in pages] + [
            queries(client, reverse("billing-console:tariff", args=[tariff.id])),
            queries(client, reverse("scales:detail", args=[scale.id])),
        ]

    rows(2)
    few = measure()
    rows(15)
    assert measure() == few
