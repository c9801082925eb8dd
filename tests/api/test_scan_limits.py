"""Per-crew scan limits: far above what a shift does, low enough to stop guessing tag
codes (429 with Retry-After, in the error shape). Batches count by their events."""

import secrets
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

URL = "/api/v1/collections/"
BATCH = "/api/v1/collections/batch/"


@pytest.fixture
def production_limits(settings):
    settings.SCAN_RATE = "60/min"
    settings.SCAN_EVENTS_RATE = "20000/hour"
    return settings


def event(tag_reference, at=None):
    return {
        "id": str(uuid.uuid4()),
        "tag": tag_reference,
        "weight_kg": "12.345",
        "collected_at": (at or timezone.now()).isoformat(),
        "source": "nfc",
    }


def guess():
    return f"https://waste.example/t/{secrets.token_hex(6)}"


def test_a_shift_at_one_bin_per_20_seconds_is_never_limited(production_limits, crew, f, bin):
    tags = [f.TagFactory(bin=f.BinFactory(restaurant=bin.restaurant)) for _ in range(90)]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for tag in tags:  # half an hour of a shift, one scan every 20 seconds
            response = crew.post(URL, event(tag.url, at=timezone.now()), format="json")
            assert response.status_code == 201, response.json()
            clock.shift(timedelta(seconds=20))


def test_guessing_one_by_one_is_cut_to_one_a_second(production_limits, crew, tag):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        answers = [crew.post(URL, event(guess()), format="json").status_code for _ in range(60)]
        assert 429 not in answers
        refused = crew.post(URL, event(tag.url), format="json")  # even a real tag, until the window moves
        assert refused.status_code == 429
        assert refused.json()["error"]["code"] == "throttled"
        assert set(refused.json()["error"]) == {"code", "message", "fields"}
        assert int(refused["Retry-After"]) == 60
        clock.shift(timedelta(seconds=61))
        assert crew.post(URL, event(tag.url), format="json").status_code == 201


def test_batches_count_their_events(settings, crew, tag):
    settings.SCAN_RATE = "60/min"
    settings.SCAN_EVENTS_RATE = "100/hour"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(2):
            response = crew.post(BATCH, {"events": [event(guess()) for _ in range(45)]}, format="json")
            assert response.status_code == 200, response.json()
        refused = crew.post(BATCH, {"events": [event(guess()) for _ in range(11)]}, format="json")
        assert (refused.status_code, refused.json()["error"]["code"]) == (429, "throttled")
        assert 3500 < int(refused["Retry-After"]) <= 3660  # the hour, counted in minute slices
        # What is left of the hour's budget still passes, batched or one by one.
        assert crew.post(BATCH, {"events": [event(guess()) for _ in range(9)]}, format="json").status_code == 200
        assert crew.post(URL, event(tag.url), format="json").status_code == 201
        assert crew.post(URL, event(guess()), format="json").status_code == 429
        clock.shift(timedelta(hours=1, minutes=1))
        assert crew.post(BATCH, {"events": [event(guess()) for _ in range(45)]}, format="json").status_code == 200


def test_each_crew_has_its_own_budget(settings, api, collector, f, hauler, tag):
    settings.SCAN_EVENTS_RATE = "10/hour"
    api.as_user(collector).post(BATCH, {"events": [event(guess()) for _ in range(10)]}, format="json")
    assert api.as_user(collector).post(URL, event(tag.url), format="json").status_code == 429
    other_crew = f.UserFactory(username="crew2", role="collector", hauler=hauler)
    assert api.as_user(other_crew).post(URL, event(tag.url), format="json").status_code == 201


def test_reading_scans_is_not_limited(settings, api, official, collector, tag):
    settings.SCAN_RATE = "1/min"
    settings.SCAN_EVENTS_RATE = "1/hour"
    reader = api.as_user(official)
    assert all(reader.get(URL).status_code == 200 for _ in range(5))
