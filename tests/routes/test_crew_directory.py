"""`GET /api/v1/crew/directory/[?since=cursor]`: every bin the crew's hauler serves, then
only what changed, so that the phone finds a bin with no signal."""

import time
from datetime import timedelta

import pytest

from backend.routes import selectors
from backend.routes.services import set_route

URL = "/api/v1/crew/directory/"
MARGIN = timedelta(milliseconds=200)
# Each statement commits on its own, as in production: the cursor goes back to the start
# of the oldest open transaction, which in a test wrapped in one would be the test's start.
pytestmark = pytest.mark.django_db(transaction=True)


def by_id(body):
    return {entry["bin_id"]: entry for entry in body["bins"]}


@pytest.fixture
def crew(api, collector):
    return api.as_user(collector)


@pytest.fixture
def after_a_while(monkeypatch):
    """Changes made after the cursor: the cursor moves back a margin for clocks and open
    transactions, so the test moves it by more than that instead of sleeping."""

    def step():
        monkeypatch.setattr(selectors, "CLOCK_MARGIN", MARGIN)
        time.sleep(1.5 * MARGIN.total_seconds())

    return step


def test_the_whole_directory_lists_every_bin_served(crew, f, tag, district, unserved_district):
    other = f.TagFactory(bin__restaurant__district=district, bin__collection_days=[1, 4])
    f.TagFactory(bin__restaurant__district=unserved_district)
    body = crew.get(URL).json()
    assert body["full"] is True
    assert isinstance(body["cursor"], str)
    bins = by_id(body)
    assert set(bins) == {str(tag.bin_id), str(other.bin_id)}
    entry = bins[str(tag.bin_id)]
    assert entry == {
        "bin_id": str(tag.bin_id),
        "tag_code": tag.code,
        "manual_code": tag.manual_code,
        "restaurant_name": "할매순대국",
        "address": tag.bin.restaurant.address,
        "bin_label": "주방 1",
        "capacity_liters": 60,
        "lat": "37.555000",
        "lng": "126.910000",
        "collection_days": [],
        "position": None,
        "active": True,
    }
    assert bins[str(other.bin_id)]["collection_days"] == [1, 4]


def test_since_a_cursor_only_what_changed(crew, f, tag, district, official, hauler, after_a_while):
    from backend.restaurants.services import update_bin, update_restaurant
    from backend.tags.services import issue_tag, retire_bin

    renamed = f.TagFactory(bin__restaurant__district=district)
    retired = f.TagFactory(bin__restaurant__district=district)
    relabelled = f.TagFactory(bin__restaurant__district=district)
    retagged = f.TagFactory(bin__restaurant__district=district)
    placed = f.TagFactory(bin__restaurant__district=district)
    f.TagFactory(bin__restaurant__district=district)  # unchanged
    after_a_while()
    cursor = crew.get(URL).json()["cursor"]
    after_a_while()
    update_restaurant(by=official, restaurant=renamed.bin.restaurant, name="새 이름")
    retire_bin(bin=retired.bin, by=official)
    update_bin(bin=relabelled.bin, label="홀", capacity_liters=80, collection_days=[2])
    new_tag = issue_tag(bin=retagged.bin, issued_by=official)
    set_route(hauler=hauler, bin_ids=[placed.bin_id], by=official)
    body = crew.get(URL, {"since": cursor}).json()
    assert body["full"] is False
    bins = by_id(body)
    assert set(bins) == {str(t.bin_id) for t in (renamed, retired, relabelled, retagged, placed)}
    assert bins[str(renamed.bin_id)]["restaurant_name"] == "새 이름"
    assert bins[str(retired.bin_id)]["active"] is False
    assert bins[str(relabelled.bin_id)]["bin_label"] == "홀"
    assert bins[str(relabelled.bin_id)]["collection_days"] == [2]
    assert bins[str(retagged.bin_id)]["tag_code"] == new_tag.code
    assert bins[str(placed.bin_id)]["position"] == 1
    # Changes within the margin of a cursor may come again; once quiet, nothing comes.
    after_a_while()
    again = crew.get(URL, {"since": body["cursor"]}).json()
    after_a_while()
    assert crew.get(URL, {"since": again["cursor"]}).json()["bins"] == []


def test_a_restaurant_moved_out_of_the_round_is_sent_inactive_without_its_details(
    crew, f, tag, official, unserved_district, after_a_while
):
    from backend.restaurants.services import update_restaurant

    after_a_while()
    cursor = crew.get(URL).json()["cursor"]
    after_a_while()
    update_restaurant(by=official, restaurant=tag.bin.restaurant, district=unserved_district)
    (entry,) = crew.get(URL, {"since": cursor}).json()["bins"]
    assert entry["bin_id"] == str(tag.bin_id)
    assert entry["active"] is False
    assert entry["restaurant_name"] is None and entry["tag_code"] is None


def test_when_the_hauler_stops_serving_a_district_the_phone_gets_the_whole_directory(
    crew, f, tag, hauler, district, after_a_while
):
    kept = f.DistrictFactory(municipality=district.municipality)
    hauler.districts.add(kept)
    staying = f.TagFactory(bin__restaurant__district=kept)
    after_a_while()
    cursor = crew.get(URL).json()["cursor"]
    after_a_while()
    hauler.districts.remove(district)
    body = crew.get(URL, {"since": cursor}).json()
    assert body["full"] is True
    assert set(by_id(body)) == {str(staying.bin_id)}


def test_a_change_committed_after_the_cursor_by_a_transaction_begun_before_it_is_not_missed(crew, tag, after_a_while):
    """Another transaction writes the bin (stamping it then), the phone takes a cursor,
    and only then does the writer commit: the next call still brings the change."""
    import threading

    from django.db import connection, transaction

    from backend.restaurants.services import update_bin

    after_a_while()
    written, go = threading.Event(), threading.Event()

    def writer():
        try:
            with transaction.atomic():
                update_bin(bin=tag.bin, label="늦은 커밋", capacity_liters=60)
                written.set()
                go.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    after_a_while()  # the change is stamped well before the cursor's moment less the margin
    cursor = crew.get(URL).json()["cursor"]
    go.set()
    thread.join(10)
    labels = [entry["bin_label"] for entry in crew.get(URL, {"since": cursor}).json()["bins"]]
    assert labels == ["늦은 커밋"]


@pytest.mark.parametrize("cursor", ["nonsense", "1.abc.x", "2.1.x", "1.99999999999999999.x", "1." + "9" * 30 + ".x"])
def test_a_bad_cursor_is_400_with_a_stable_code(crew, tag, cursor):
    response = crew.get(URL, {"since": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_cursor"


@pytest.mark.parametrize("role", ["official", "owner", "stranger", "other_owner"])
def test_only_crews_get_the_directory(api, tag, role, request):
    response = api.as_user(request.getfixturevalue(role)).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_another_haulers_crew_sees_none_of_these_bins(api, tag, other_collector):
    assert api.as_user(other_collector).get(URL).json()["bins"] == []


def test_queries_do_not_grow_with_the_directory(crew, f, district):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    f.TagFactory(bin__restaurant__district=district)
    with CaptureQueriesContext(connection) as few:
        cursor = crew.get(URL).json()["cursor"]
    for _ in range(5):
        f.TagFactory(bin__restaurant__district=district)
    with CaptureQueriesContext(connection) as many:
        assert len(crew.get(URL).json()["bins"]) == 6
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as changed:
        crew.get(URL, {"since": cursor})
    assert len(changed) == len(few)


def test_a_phone_that_accepts_gzip_gets_the_directory_compressed(crew, f, tag, district):
    import gzip
    import json

    f.TagFactory.create_batch(30, bin__restaurant__district=district)
    plain = crew.get(URL)
    packed = crew.get(URL, HTTP_ACCEPT_ENCODING="gzip")
    assert plain.get("Content-Encoding") is None
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content) / 3
    unpacked = json.loads(gzip.decompress(packed.content))
    assert by_id(unpacked).keys() == by_id(plain.json()).keys()
