"""Scans through NTAG 424 DNA tags with Secure Unique NFC: a tap is proven, a copied or
replayed URL is refused, and a plain QR scan of the same bin still counts (unproven)."""

import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from backend.collection_events.models import CollectionEvent
from backend.tags import sun

URL = "/api/v1/collections/"
UID = bytes.fromhex("04DE5F1EACC040")


@pytest.fixture
def secure_tag(api, official, tag):
    response = api.as_user(official).post(
        f"/api/v1/tags/{tag.code}/nfc-uid/", {"uid": UID.hex(), "sun_enabled": True}, format="json"
    )
    assert response.json()["sun_enabled"] is True
    tag.refresh_from_db()
    return tag


def tapped_url(tag, counter):
    keys = sun.tag_keys(sun.master_key_from_hex(settings.SUN_MASTER_KEY), UID)
    return sun.simulate_tap(
        sun.sun_url_template(tag.url),
        uid=UID,
        counter=counter,
        meta_read_key=keys.meta_read_key,
        file_read_key=keys.file_read_key,
    )


def post(api, collector, tag_reference, source="nfc"):
    body = {
        "id": str(uuid.uuid4()),
        "tag": tag_reference,
        "weight_kg": "5",
        "collected_at": timezone.now().isoformat(),
        "source": source,
    }
    return api.as_user(collector).post(URL, body, format="json")


def test_a_genuine_tap_is_marked_physically_tapped(api, collector, secure_tag):
    response = post(api, collector, tapped_url(secure_tag, 7))
    assert response.status_code == 201, response.json()
    assert response.json()["physically_tapped"] is True
    secure_tag.refresh_from_db()
    assert secure_tag.sun_last_counter == 7


def test_a_replayed_url_is_refused(api, collector, secure_tag):
    url = tapped_url(secure_tag, 7)
    post(api, collector, url)
    replay = post(api, collector, url)  # a new scan id, the same captured URL
    assert (replay.status_code, replay.json()["error"]["code"]) == (400, "sun_replayed")
    assert CollectionEvent.objects.count() == 1


def test_an_older_tap_after_a_newer_one_is_refused(api, collector, secure_tag):
    post(api, collector, tapped_url(secure_tag, 9))
    assert post(api, collector, tapped_url(secure_tag, 8)).json()["error"]["code"] == "sun_replayed"


def test_a_tampered_mac_is_refused(api, collector, secure_tag):
    url = tapped_url(secure_tag, 3)
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    response = post(api, collector, tampered)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "sun_bad_mac")


def test_another_tags_sun_values_on_this_url_are_refused(api, collector, secure_tag, f, official):
    other = f.TagFactory(bin__restaurant=secure_tag.bin.restaurant)
    other.record_nfc_uid("04112233445566", sun_enabled=True)
    grafted = other.url + "?" + tapped_url(secure_tag, 4).split("?", 1)[1]
    assert post(api, collector, grafted).json()["error"]["code"] == "sun_bad_mac"


def test_a_printed_qr_of_a_secure_tag_still_counts_but_is_not_proof(api, collector, secure_tag):
    response = post(api, collector, secure_tag.url, source="qr")
    assert response.status_code == 201
    assert response.json()["physically_tapped"] is False


def test_a_retry_of_an_accepted_tap_is_a_duplicate_not_a_replay(api, collector, secure_tag):
    body = {
        "id": str(uuid.uuid4()),
        "tag": tapped_url(secure_tag, 11),
        "weight_kg": "5",
        "collected_at": timezone.now().isoformat(),
        "source": "nfc",
    }
    client = api.as_user(collector)
    assert client.post(URL, body, format="json").status_code == 201
    assert client.post(URL, body, format="json").status_code == 200
