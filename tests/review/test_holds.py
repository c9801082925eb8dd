"""Each hold rule: the scan is stored once, answered "created" to the crew, held with
its reason code (not billable), and its evidence kept; the thresholds are the
municipality's own."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.collection_events.models import CollectionEvent, HoldRules
from backend.collection_events.rules import check_weight_history
from tests.api.scans import scan
from tests.review.conftest import batch

pytestmark = pytest.mark.django_db
HISTORY = [10_000, 10_400, 9_800, 10_100, 9_900, 10_300, 10_000, 9_700]


def stored(body) -> CollectionEvent:
    return CollectionEvent.objects.get(id=body["id"])


class TestWeightRule:
    def test_a_weight_far_from_the_bins_median_either_way_is_implausible(self):
        judge = dict(z_threshold=Decimal("3.5"), min_history=8)
        assert check_weight_history(10_200, HISTORY, **judge).implausible is False
        heavy = check_weight_history(31_000, HISTORY, **judge)
        assert heavy.implausible and heavy.median_g == 10_000 and heavy.z > Decimal("3.5")
        assert check_weight_history(2_000, HISTORY, **judge).implausible is True

    def test_one_wild_weighing_in_the_history_does_not_excuse_the_next(self):
        judge = dict(z_threshold=Decimal("3.5"), min_history=8)
        assert check_weight_history(60_000, [90_000, *HISTORY[1:]], **judge).implausible is True

    def test_a_bin_that_weighs_the_same_every_time_is_not_held_for_grams(self):
        judge = dict(z_threshold=Decimal("3.5"), min_history=3)
        assert check_weight_history(10_300, [10_000] * 8, **judge).implausible is False

    def test_too_short_a_history_judges_nothing(self):
        assert check_weight_history(90_000, HISTORY[:7], z_threshold=Decimal("3.5"), min_history=8) is None


def test_each_rule_holds_its_scan_with_its_reason_and_the_crew_sees_it_accepted(
    api, collector, tag, weighed_bin, f, restaurant
):
    tag.record_nfc_uid("04A1B2C3D4E5F6")
    history = weighed_bin()
    secure = f.TagFactory(bin=f.BinFactory(restaurant=restaurant))
    secure.record_nfc_uid("04DE5F1EACC040", sun_enabled=True)
    earlier = (timezone.now() - timedelta(hours=3)).isoformat()
    cases = {
        "far_from_restaurant": scan(tag, lat="37.565000", lng="126.910000", collected_at=earlier),  # ~1.1 km
        "uid_mismatch": scan(tag, reader_uid="04A1B2C3D4E5F7"),
        "weight_implausible": scan(history, weight_kg="31"),
        "sun_missing": scan(secure, source="qr"),  # a plain URL of a secure tag: no proof of a tap
        "unregistered_scale": scan(f.TagFactory(bin=f.BinFactory(restaurant=restaurant)), scale_id="UNKNOWN-1"),
    }
    clean = scan(weighed_bin(), weight_kg="10.2")
    answers = batch(api, collector, clean, *cases.values())
    assert set(answers.values()) == {"created"}  # held is not an error for the crew
    assert (stored(clean).status, stored(clean).flags, stored(clean).weight_evidence) == ("billable", [], None)
    for reason, body in cases.items():
        event = stored(body)
        assert (event.status, event.hold_reasons) == ("held", [reason]), reason
    weighed = stored(cases["weight_implausible"]).weight_evidence
    assert weighed["median_g"] == 10_000 and weighed["history_g"] == HISTORY
    far = stored(cases["far_from_restaurant"])
    assert far.lat == Decimal("37.565000") and 1000 < far.distance_m < 1200
    # A retry of a held scan is a duplicate, stored once.
    assert batch(api, collector, cases["uid_mismatch"]) == {cases["uid_mismatch"]["id"]: "duplicate"}
    assert CollectionEvent.objects.filter(id=cases["uid_mismatch"]["id"]).count() == 1


def test_a_single_post_of_a_held_scan_answers_201_with_its_status(api, collector, tag):
    response = api.as_user(collector).post(
        "/api/v1/collections/", scan(tag, lat="37.565000", lng="126.910000"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "held"
    assert response.json()["flags"] == response.json()["hold_reasons"] == ["far_from_restaurant"]


def test_the_municipalitys_own_thresholds_decide(api, collector, tag, city, weighed_bin, f, restaurant):
    HoldRules.objects.create(
        municipality=city,
        far_from_restaurant_m=2_000,
        weight_z_threshold=Decimal("50"),
        weight_min_history=8,
        sun_required=False,
    )
    secure = f.TagFactory(bin=f.BinFactory(restaurant=restaurant))
    secure.record_nfc_uid("04DE5F1EACC040", sun_enabled=True)
    bodies = [
        scan(tag, lat="37.565000", lng="126.910000"),
        scan(weighed_bin(), weight_kg="31"),
        scan(secure, source="qr"),
    ]
    batch(api, collector, *bodies)
    assert [stored(body).status for body in bodies] == ["billable"] * 3


def test_the_bins_weights_are_read_once_per_batch(api, collector, weighed_bin):
    def queries_for(bins: int) -> int:
        bodies = [scan(weighed_bin(HISTORY[:3])) for _ in range(bins)]
        with CaptureQueriesContext(connection) as captured:
            batch(api, collector, *bodies)
        return len(captured)

    assert queries_for(2) == queries_for(8)
