"""Scans carry the phone's GPS accuracy and the id of the photo it took: the geofence
judges with the accuracy, and neither field changes what a retry of an older scan is."""

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from backend.collection_events.models import CollectionEvent, ScanReceipt
from backend.collection_events.rules import far_from_restaurant
from backend.collection_events.submissions import ScanSubmission
from tests.api.scans import BATCH, URL, error_code, scan

# ~1.1 km north of the shared restaurant (tests/factories.py), and at its door.
FAR = {"lat": "37.565000", "lng": "126.910000"}
NEAR = {"lat": "37.555100", "lng": "126.910100"}


@pytest.mark.parametrize(
    ("distance", "accuracy", "far"),
    [
        (300, 1000, False),  # 300 m off with 1 km accuracy is no finding (the case)
        (1100, 1000, False),  # could still have been 100 m away
        (1400, 1000, True),  # 400 m away even at the circle's near edge
        (301, None, True),  # no accuracy: the position is taken as exact
        (301, 0, True),
        (300, None, False),
        (350, 50, False),  # exactly at the limit is not beyond it
        (351, 50, True),
    ],
)
def test_far_from_restaurant_only_beyond_the_error_circle(distance, accuracy, far):
    assert far_from_restaurant(distance, gps_accuracy_m=accuracy, limit_m=300) is far


def _submission(**overrides) -> ScanSubmission:
    values = {
        "id": uuid.UUID("5f0c6c8e-0000-4000-8000-000000000001"),
        "tag": "ABCDEFGHK",
        "weight_g": 12345,
        "exception_code": "",
        "collected_at": datetime(2026, 11, 2, 7, 30, tzinfo=timezone(timedelta(hours=9))),
        "lat": Decimal("37.555100"),
        "lng": Decimal("126.910100"),
        "source": "qr",
        "scale_id": "S-1",
        "reader_uid": "",
        "device_id": "phone-7",
    }
    return ScanSubmission(**{**values, **overrides})


TAG_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")
# The fingerprint this scan's receipt got before scans had accuracy or photos: stored
# receipts hold values like it, and a retry must still find them.
STORED_BEFORE = "bd630beaa818e9a3509d80737af0bc3447da5a17f2539d3cc18c44d4dac38d05"


def test_a_scan_without_the_new_fields_keeps_its_old_fingerprint():
    assert _submission().fingerprint(tag_id=TAG_ID, collector_id=42) == STORED_BEFORE


def test_accuracy_and_photo_make_another_scan_when_sent():
    fingerprints = {
        _submission().fingerprint(tag_id=TAG_ID, collector_id=42),
        _submission(gps_accuracy_m=0).fingerprint(tag_id=TAG_ID, collector_id=42),
        _submission(gps_accuracy_m=35).fingerprint(tag_id=TAG_ID, collector_id=42),
        _submission(photo_id=uuid.uuid4()).fingerprint(tag_id=TAG_ID, collector_id=42),
    }
    assert len(fingerprints) == 4


@pytest.mark.django_db
def test_a_retry_of_a_scan_stored_before_still_is_a_duplicate(crew, tag, collector, f):
    """A scan stored (with its receipt) before these fields existed, retried now by a
    phone that still sends the same body: duplicate, not a conflict."""
    body = scan(tag, **NEAR)
    f.CollectionEventFactory(id=body["id"], tag=tag, collector=collector, weight_g=12_345)
    old_style = _submission(
        id=uuid.UUID(body["id"]),
        tag=tag.url,
        collected_at=datetime.fromisoformat(body["collected_at"]),
        source="nfc",
        scale_id="",
        device_id="",
    )
    ScanReceipt.objects.create(
        id=body["id"],
        fingerprint=old_style.fingerprint(tag_id=tag.id, collector_id=collector.pk),
        collected_at=old_style.collected_at,
    )
    results = crew.post(BATCH, {"events": [body]}, format="json").json()["results"]
    assert results == [{"id": body["id"], "status": "duplicate"}]
    assert CollectionEvent.objects.count() == 1


@pytest.mark.django_db
def test_same_id_with_another_accuracy_is_a_conflict(crew, tag):
    body = scan(tag, **NEAR, gps_accuracy_m=20)
    assert crew.post(URL, body, format="json").status_code == 201
    assert crew.post(URL, body, format="json").status_code == 200  # the retry
    response = crew.post(URL, {**body, "gps_accuracy_m": 21}, format="json")
    assert (response.status_code, error_code(response)) == (409, "idempotency_conflict")


@pytest.mark.django_db
class TestGeofenceWithAccuracy:
    def test_a_far_fix_with_poor_accuracy_is_not_flagged(self, crew, tag):
        response = crew.post(URL, scan(tag, **FAR, gps_accuracy_m=1000), format="json")
        assert response.status_code == 201
        assert response.json()["flags"] == [] and response.json()["gps_accuracy_m"] == 1000

    def test_a_far_fix_with_good_accuracy_is_flagged(self, crew, tag):
        response = crew.post(URL, scan(tag, **FAR, gps_accuracy_m=15), format="json")
        assert response.json()["flags"] == ["far_from_restaurant"]

    def test_a_far_fix_without_accuracy_is_flagged_as_before(self, crew, tag):
        response = crew.post(URL, scan(tag, **FAR), format="json")
        assert response.json()["flags"] == ["far_from_restaurant"]
        assert response.json()["gps_accuracy_m"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("gps_accuracy_m", -1),
        ("gps_accuracy_m", 100_001),
        ("gps_accuracy_m", "12"),
        ("gps_accuracy_m", 12.5),
        ("gps_accuracy_m", True),
        ("photo_id", "not-a-uuid"),
        ("photo_id", "00000000-0000-0000-0000-000000000000"),
        ("photo_id", 7),
    ],
)
def test_bad_accuracy_or_photo_id_is_refused_by_name(crew, tag, field, value):
    results = crew.post(BATCH, {"events": [scan(tag, **{field: value})]}, format="json").json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["code"] == "validation_error"
    assert field in results[0]["error"]["fields"]


@pytest.mark.django_db
def test_accuracy_at_its_bounds_is_accepted(crew, tag):
    for accuracy in (0, 100_000):
        response = crew.post(URL, scan(tag, **NEAR, gps_accuracy_m=accuracy), format="json")
        assert response.status_code == 201 and response.json()["gps_accuracy_m"] == accuracy
