"""`fee_krw` on each collection: the tariff in force on its local day, for whoever sees it."""

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from backend.billing.models import Tariff

pytestmark = pytest.mark.django_db
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def tariffs(city):
    Tariff.objects.create(
        municipality=city, effective_from=date(2026, 1, 1), effective_to=date(2026, 10, 14), price_per_kg_krw=130
    )
    Tariff.objects.create(municipality=city, effective_from=date(2026, 10, 15), price_per_kg_krw=150)


@pytest.fixture
def pickups(f, tag, collector, tariffs):
    def make(when, grams=10_000, status="billable", exception=""):
        return f.CollectionEventFactory(
            id=uuid.uuid4(),
            tag=tag,
            collector=collector,
            weight_g=grams,
            collected_at=when,
            status=status,
            exception_code=exception,
        )

    return {
        # 23:30 on the 14th in Seoul is 14:30 UTC: the old price, though UTC's day is the same.
        "old_price": make(datetime(2026, 10, 14, 23, 30, tzinfo=SEOUL)),
        # 00:30 on the 15th in Seoul is still the 14th in UTC: the new price.
        "new_price": make(datetime(2026, 10, 15, 0, 30, tzinfo=SEOUL)),
        "held": make(datetime(2026, 10, 16, 9, tzinfo=SEOUL), status="held"),
        "not_put_out": make(
            datetime(2026, 10, 17, 9, tzinfo=SEOUL), grams=None, status="not_collected", exception="not_put_out"
        ),
        "voided": make(datetime(2026, 10, 18, 9, tzinfo=SEOUL), status="void"),
    }


EXPECTED = {"old_price": 1_300, "new_price": 1_500, "held": None, "not_put_out": 0, "voided": 0}


@pytest.mark.parametrize("role", ["owner", "official"])
def test_each_collection_carries_its_fee_at_the_tariff_of_its_local_day(api, pickups, role, request):
    api.as_user(request.getfixturevalue(role))
    body = api.get(reverse("v1:collection-list")).json()
    fees = {row["id"]: row["fee_krw"] for row in body["results"]}
    assert fees == {str(event.id): EXPECTED[name] for name, event in pickups.items()}
    one = api.get(reverse("v1:collection-detail", args=[pickups["new_price"].id])).json()
    assert one["fee_krw"] == 1_500


def test_a_released_pickup_gets_its_fee_in_the_answer_to_the_release(api, pickups, official):
    api.as_user(official)
    url = reverse("v1:collection-change-status", args=[pickups["held"].id])
    answer = api.post(url, {"status": "billable", "reason": "확인함"}, format="json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["fee_krw"] == 1_500


def test_another_owner_sees_neither_the_collections_nor_their_fees(api, pickups, other_owner):
    api.as_user(other_owner)
    assert api.get(reverse("v1:collection-list")).json()["results"] == []
    assert api.get(reverse("v1:collection-detail", args=[pickups["old_price"].id])).status_code == 404


def test_the_fee_is_in_the_schema(api, official):
    api.as_user(official)
    schema = api.get(reverse("v1:schema"), {"format": "json"}).json()
    component = next(c for name, c in schema["components"]["schemas"].items() if "fee_krw" in c.get("properties", {}))
    assert component["properties"]["fee_krw"]["nullable"] is True
