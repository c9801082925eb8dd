"""Scans held for review: bins with a history of weighings, and the batch endpoint."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.billing.conftest import bill, old_bin, scan, tariff  # noqa: F401 (fixtures shared with billing)

BATCH = "/api/v1/collections/batch/"


@pytest.fixture
def weighed_bin(f, restaurant, collector):
    """weighed_bin(grams=[...]) → a bin with an active tag and those billable weighings,
    one a day before today, the first the newest."""

    def make(grams=(10_000, 10_400, 9_800, 10_100, 9_900, 10_300, 10_000, 9_700)):
        bin = f.BinFactory(restaurant=restaurant, capacity_liters=120)
        tag = f.TagFactory(bin=bin)
        now = timezone.now()
        for days, weight in enumerate(grams, start=1):
            f.CollectionEventFactory(
                id=uuid.uuid4(),
                tag=tag,
                collector=collector,
                weight_g=weight,
                collected_at=now - timedelta(days=days),
                status="billable",
            )
        return tag

    return make


def batch(api, collector, *events) -> dict:
    response = api.as_user(collector).post(BATCH, {"events": list(events)}, format="json")
    assert response.status_code == 200, response.content
    return {result["id"]: result["status"] for result in response.json()["results"]}
