"""Malformed scans: each bad event is rejected with its own code, the rest of its batch
is stored, and no content of an event ever answers 5xx."""

import json
import time
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from backend.collection_events.models import CollectionEvent, CollectionStatus
from tests.api.scans import BATCH, URL, scan


def post_json(client, url, body):
    """JSON with ASCII escapes, as devices send it: a lone surrogate travels as `\\ud800`."""
    return client.post(url, json.dumps(body), content_type="application/json")


def post_beside_a_good_event(crew, tag, f, /, **bad_fields):
    """POST a batch of [good, bad, good]; answer the bad event's result."""
    other = f.TagFactory(bin__restaurant=tag.bin.restaurant)
    good = [scan(tag), scan(other)]
    bad = scan(tag, **bad_fields)
    response = post_json(crew, BATCH, {"events": [good[0], bad, good[1]]})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert set(CollectionEvent.objects.values_list("id", flat=True)) == {uuid.UUID(g["id"]) for g in good}
    return results[1]


# Each answered 500 for the whole batch before (issue 7, point 1), or was accepted.
WRONG_TYPES_AND_TEXT = [
    ("reader_uid", 5),
    ("reader_uid", ["04A1B2"]),
    ("reader_uid", {"uid": "04A1B2"}),
    ("reader_uid", "04:A1:ZZ"),
    ("scale_id", "a\u0000"),
    ("scale_id", "x" * 65),
    ("scale_id", 7),
    ("device_id", "\ud800"),
    ("device_id", "truck\udfff7"),
    ("device_id", ["truck-7"]),
    ("source", ["nfc"]),
    ("source", "bluetooth"),
    ("exception_code", {}),
    ("exception_code", "sleeping"),
    ("lat", [1]),
    ("lat", {"v": 1}),
    ("lat", "91"),
    ("lat", True),
    ("lng", "1e3"),
    ("lng", 180.5),
    ("tag", ["abc"]),
    ("tag", 12345),
    ("tag", "https://waste.example/t/\u0000abc"),
    ("tag", "\ud800"),
    ("tag", "a" * 301),
    ("tag", "   "),
    ("id", "00000000-0000-0000-0000-000000000000"),
    ("id", 5),
    ("id", "not-a-uuid"),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES_AND_TEXT)
def test_a_malformed_field_rejects_only_its_event(crew, tag, f, field, value):
    result = post_beside_a_good_event(crew, tag, f, **{field: value})
    assert result["error"]["code"] == "validation_error"
    assert field in result["error"]["fields"] or (field == "reader_uid" and "reader_uid" in str(result["error"]))


@pytest.mark.parametrize(
    "weight",
    ["1e5000", "1e500000", " 5 ", "5 ", "1_0", "2.5E+1", "+5", "5.", ".5", "1.2345", "NaN", "Infinity", "0x10",
     "12,5", "１２", "", [12], {"kg": 1}, True, None, "9" * 33],
)  # fmt: skip
def test_a_weight_that_is_not_a_plain_decimal_is_refused(crew, tag, f, weight):
    result = post_beside_a_good_event(crew, tag, f, weight_kg=weight)
    assert result["error"]["code"] == "validation_error"
    assert "weight_kg" in result["error"]["fields"]


# Digits beyond any weight are too heavy, not malformed, as text as well as a number.
@pytest.mark.parametrize("weight", ["0", "0.000", "-1.5", -3, 1e300, "99999999.999", 10**30, "9" * 13, "9" * 32])
def test_a_weight_out_of_any_range_is_refused_as_such(crew, tag, f, weight):
    result = post_beside_a_good_event(crew, tag, f, weight_kg=weight)
    assert result["error"]["code"] == "weight_out_of_range"


def test_a_huge_exponent_is_refused_at_once(crew, tag):
    started = time.process_time()
    response = crew.post(URL, scan(tag, weight_kg="1e500000"), format="json")
    assert response.status_code == 400
    assert time.process_time() - started < 0.5


@pytest.mark.parametrize("weight", ["12", "12.3", "12.34", "12.345", 12, 12.5, "0.001"])
def test_plain_decimal_weights_are_stored_to_the_gram(crew, tag, weight):
    response = crew.post(URL, scan(tag, weight_kg=weight), format="json")
    assert response.status_code == 201, response.json()
    grams = round(float(weight) * 1000)
    assert CollectionEvent.objects.get().weight_g == grams


@pytest.mark.parametrize(
    "collected_at",
    [
        "2026-11-28T10:00:00+20:00",
        "2026-11-28T10:00:00-15:00",
        "2026-11-28T10:00:00\u0000+09:00",
        "2026-11-28\u0000T10:00:00+09:00",
        "0001-01-01T00:00:00+00:00",
        "0000-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59+00:00",
        "1999-12-31T23:59:59+00:00",
        "2026-11-28T10:00:00",
        "yesterday",
        "",
        1764324000,
        ["2026-11-28T10:00:00+09:00"],
        None,
    ],
)
def test_a_timestamp_without_offset_or_with_an_impossible_year_or_offset(crew, tag, f, collected_at):
    result = post_beside_a_good_event(crew, tag, f, collected_at=collected_at)
    assert result["error"]["code"] == "invalid_timestamp"
    assert "collected_at" in result["error"]["fields"]


def test_offsets_up_to_fourteen_hours_are_accepted(crew, tag):
    moment = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    for offset in ("+14:00", "-12:00"):
        hours = int(offset[:3])
        local = (moment + timedelta(hours=hours)).replace(tzinfo=None).isoformat() + offset
        response = crew.post(URL, scan(tag, collected_at=local), format="json")
        assert response.status_code == 201, response.json()
        assert CollectionEvent.objects.get(id=response.json()["id"]).collected_at == moment


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.org/t/{code}",
        "http://127.0.0.1.evil.example/t/{code}",
        "https://evil.example.org/t/{code}?host=127.0.0.1",
    ],
)
def test_a_tag_url_on_another_host_is_refused_with_its_own_code(crew, tag, f, url):
    result = post_beside_a_good_event(crew, tag, f, tag=url.format(code=tag.code))
    assert result["error"]["code"] == "foreign_tag_host"
    assert "tag" in result["error"]["fields"]


@pytest.mark.parametrize("reference", ["ftp://127.0.0.1/t/{code}", "http:///t/{code}", "http://[::1/t/{code}"])
def test_a_tag_that_is_no_url_code_or_manual_code_is_refused(crew, tag, f, reference):
    result = post_beside_a_good_event(crew, tag, f, tag=reference.format(code=tag.code))
    assert result["error"]["code"] == "validation_error"


def test_the_tag_url_of_our_own_host_works_whatever_the_scheme_or_case(crew, tag, settings):
    url = tag.url.replace("http://", "HTTPS://")
    assert crew.post(URL, scan(tag, tag=url), format="json").status_code == 201


def test_events_that_are_not_objects_are_rejected_one_by_one(crew, tag):
    good = scan(tag)
    response = crew.post(BATCH, {"events": [5, None, "x", [good], good]}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 4 + ["created"]
    assert {r["error"]["code"] for r in results[:4]} == {"validation_error"}


def test_unknown_fields_are_ignored(crew, tag):
    response = crew.post(URL, {**scan(tag), "firmware": {"v": [1, 2]}}, format="json")
    assert response.status_code == 201


class TestTagsOutsideTheServiceArea:
    """A crew must not tell a real tag of another district from a code that does not exist."""

    def test_answer_is_the_same_as_for_an_unknown_tag(self, crew, tag, f, unserved_district):
        far = f.TagFactory(bin__restaurant__district=unserved_district)
        unknown_url = tag.url.replace(tag.code, "aaaaaaaaaaaaaaaa")
        events = [scan(far), scan(tag, tag=unknown_url), scan(far, tag=far.manual_code), scan(tag, tag="ZZZZZZZZZ")]
        results = crew.post(BATCH, {"events": events}, format="json").json()["results"]
        errors = [r["error"] for r in results]
        assert errors[0] == errors[1] == errors[2]
        assert errors[0]["code"] == "unknown_tag"
        singles = [crew.post(URL, scan(far), format="json"), crew.post(URL, scan(tag, tag=unknown_url), format="json")]
        assert singles[0].status_code == singles[1].status_code == 400
        assert singles[0].json() == singles[1].json()
        assert not CollectionEvent.objects.exists()

    def test_the_office_can_still_see_why_in_the_log(self, crew, f, unserved_district, caplog):
        far = f.TagFactory(bin__restaurant__district=unserved_district)
        crew.post(URL, scan(far), format="json")
        assert "outside the service area" in caplog.text


class TestStatusChange:
    @pytest.fixture
    def held(self, f, tag, collector):
        return f.CollectionEventFactory(tag=tag, collector=collector, status=CollectionStatus.HELD)

    def url(self, event):
        return f"{URL}{event.id}/status/"

    def test_the_change_is_answered_with_the_scan(self, api, official, held):
        response = api.as_user(official).post(
            self.url(held), {"status": "billable", "reason": "저울 확인 완료"}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["id"] == str(held.id)
        assert response.json()["status"] == "billable"
        held.refresh_from_db()
        assert held.status == CollectionStatus.BILLABLE

    def test_a_retry_of_the_same_change_is_a_clear_conflict(self, api, official, held):
        client = api.as_user(official)
        body = {"status": "void", "reason": "중복 스캔"}
        assert client.post(self.url(held), body, format="json").status_code == 200
        again = client.post(self.url(held), body, format="json")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "status_already_changed"
        assert held.status_changes.count() == 1


@pytest.mark.parametrize("field", ["id", "source", "collected_at", "exception_code", "weight_kg", "lat", "\ud800"])
def test_an_unpaired_surrogate_in_any_field_or_key_rejects_only_its_event(crew, tag, f, field):
    result = post_beside_a_good_event(crew, tag, f, **{field: "\ud800"})
    assert result["error"]["code"] in ("validation_error", "invalid_timestamp")


def test_the_public_host_follows_the_setting(crew, tag, f, settings):
    settings.PUBLIC_BASE_URL = "https://waste.city.example"
    result = post_beside_a_good_event(crew, tag, f, tag=f"http://127.0.0.1:8000/t/{tag.code}")
    assert result["error"]["code"] == "foreign_tag_host"
    ours = f"https://WASTE.city.example/t/{tag.code}"
    assert crew.post(URL, scan(tag, tag=ours), format="json").status_code == 201
