"""`GET /api/v1/crew/stops/` and the crew's page `/stops/`: the bins due today by their
collection days and those asked for, in the round's order, each done or not."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from backend.routes.services import set_route

SEOUL = ZoneInfo("Asia/Seoul")
MONDAY = datetime(2026, 11, 30, 10, 0, tzinfo=SEOUL)  # a Monday, local time
URL = "/api/v1/crew/stops/"


@pytest.fixture
def monday(time_machine):
    time_machine.move_to(MONDAY)


def names(body):
    return [(stop["restaurant_name"], stop["bin_label"]) for stop in body["stops"]]


def bin_at(f, district, name, lat, lng, **bin_fields):
    restaurant = f.RestaurantFactory(district=district, name=name, lat=Decimal(lat), lng=Decimal(lng))
    bin = f.BinFactory(restaurant=restaurant, label="주방", **bin_fields)
    f.TagFactory(bin=bin)
    return bin


def test_only_bins_due_today_by_their_days_and_a_bin_without_days_every_day(api, f, collector, district, monday):
    bin_at(f, district, "월수금", "37.55", "126.91", collection_days=[1, 3, 5])
    bin_at(f, district, "화목", "37.55", "126.91", collection_days=[2, 4])
    bin_at(f, district, "매일", "37.55", "126.91")
    body = api.as_user(collector).get(URL).json()
    assert body["day"] == "2026-11-30"
    assert sorted(names(body)) == [("매일", "주방"), ("월수금", "주방")]
    assert body["left"] == 2
    assert {stop["reason"] for stop in body["stops"]} == {"scheduled"}


def test_the_day_is_the_municipalitys_local_day_near_midnight(api, f, collector, district, time_machine):
    bin_at(f, district, "월요일만", "37.55", "126.91", collection_days=[1])
    bin_at(f, district, "일요일만", "37.55", "126.91", collection_days=[7])
    # 23:30 UTC on Sunday is 08:30 on Monday in Seoul.
    time_machine.move_to(datetime(2026, 11, 29, 23, 30, tzinfo=ZoneInfo("UTC")))
    body = api.as_user(collector).get(URL).json()
    assert body["day"] == "2026-11-30"
    assert names(body) == [("월요일만", "주방")]
    # 23:59 in Seoul on Sunday: still Sunday there.
    time_machine.move_to(datetime(2026, 11, 29, 23, 59, tzinfo=SEOUL))
    assert names(api.get(URL).json()) == [("일요일만", "주방")]


def test_the_rounds_order_first_then_nearest_next_from_the_crew(api, f, collector, official, hauler, district, monday):
    far = bin_at(f, district, "먼 곳", "37.60", "126.91")
    near = bin_at(f, district, "가까운 곳", "37.551", "126.91")
    middle = bin_at(f, district, "중간", "37.57", "126.91")
    second = bin_at(f, district, "두 번째", "37.50", "126.91")
    first = bin_at(f, district, "첫 번째", "37.40", "126.91")
    set_route(hauler=hauler, bin_ids=[first.id, second.id], by=official)
    body = api.as_user(collector).get(URL, {"lat": "37.55", "lng": "126.91"}).json()
    assert [stop["restaurant_name"] for stop in body["stops"]] == ["첫 번째", "두 번째", "가까운 곳", "중간", "먼 곳"]
    assert [stop["position"] for stop in body["stops"]] == [1, 2, None, None, None]
    # Without the crew's position, the unplaced follow by address.
    body = api.get(URL).json()
    assert [stop["bin_id"] for stop in body["stops"][:2]] == [str(first.id), str(second.id)]
    assert {stop["bin_id"] for stop in body["stops"][2:]} == {str(far.id), str(near.id), str(middle.id)}


def test_a_scan_today_marks_the_stop_done_and_yesterdays_does_not(api, f, collector, district, monday):
    today = bin_at(f, district, "오늘 수거", "37.55", "126.91")
    yesterday = bin_at(f, district, "어제 수거", "37.55", "126.91")
    f.CollectionEventFactory(tag=today.tags.get(), collector=collector, collected_at=MONDAY - timedelta(hours=1))
    f.CollectionEventFactory(tag=yesterday.tags.get(), collector=collector, collected_at=MONDAY - timedelta(days=1))
    body = api.as_user(collector).get(URL).json()
    done = {stop["restaurant_name"]: stop["done"] for stop in body["stops"]}
    assert done == {"오늘 수거": True, "어제 수거": False}
    assert body["left"] == 1


def test_an_open_pickup_request_for_today_adds_its_bin_on_any_day(api, f, collector, owner, district, monday):
    from backend.pickup_requests.services import request_pickup

    not_due = bin_at(f, district, "요청한 곳", "37.55", "126.91", collection_days=[2])
    not_due.restaurant.owner = owner
    not_due.restaurant.save()
    tomorrow_only = bin_at(f, district, "내일 요청", "37.55", "126.91", collection_days=[2])
    tomorrow_only.restaurant.owner = owner
    tomorrow_only.restaurant.save()
    asked = request_pickup(
        restaurant=not_due.restaurant, bin=None, kind="extra_pickup", requested_for=MONDAY.date(), by=owner
    )
    request_pickup(
        restaurant=tomorrow_only.restaurant,
        bin=tomorrow_only,
        kind="extra_pickup",
        requested_for=MONDAY.date() + timedelta(days=1),
        by=owner,
    )
    body = api.as_user(collector).get(URL).json()
    (stop,) = body["stops"]
    assert stop["restaurant_name"] == "요청한 곳"
    assert stop["reason"] == "pickup_request"
    assert stop["pickup_request_id"] == str(asked.id)


def test_a_stop_carries_what_the_phone_shows(api, f, collector, district, monday):
    bin = bin_at(f, district, "할매순대국", "37.555123", "126.910456", capacity_liters=120)
    tag = bin.tags.get()
    (stop,) = api.as_user(collector).get(URL).json()["stops"]
    assert stop == {
        "bin_id": str(bin.id),
        "tag_code": tag.code,
        "manual_code": tag.manual_code,
        "restaurant_name": "할매순대국",
        "address": bin.restaurant.address,
        "bin_label": "주방",
        "capacity_liters": 120,
        "lat": "37.555123",
        "lng": "126.910456",
        "position": None,
        "done": False,
        "reason": "scheduled",
        "pickup_request_id": None,
    }


def test_retired_bins_closed_restaurants_and_other_districts_are_not_stops(
    api, f, collector, district, unserved_district, monday
):
    from backend.tags.services import retire_bin

    bin_at(f, district, "남음", "37.55", "126.91")
    retired = bin_at(f, district, "사용 중지", "37.55", "126.91")
    retire_bin(bin=retired, by=collector)
    closed = bin_at(f, district, "폐업", "37.55", "126.91")
    closed.restaurant.close(on=MONDAY.date() - timedelta(days=1))
    bin_at(f, unserved_district, "다른 구역", "37.55", "126.91")
    assert names(api.as_user(collector).get(URL).json()) == [("남음", "주방")]


@pytest.mark.parametrize("role", ["official", "owner", "stranger"])
def test_only_crews_get_stops(api, role, request):
    response = api.as_user(request.getfixturevalue(role)).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_anonymous_is_asked_to_sign_in(api):
    assert api.get(URL).status_code == 401


@pytest.mark.parametrize("query", [{"lat": "37.5"}, {"lat": "91", "lng": "126"}, {"lat": "x", "lng": "1"}])
def test_a_bad_position_is_a_clear_400(api, collector, query):
    response = api.as_user(collector).get(URL, query)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) & {"lat", "lng"}


def test_queries_do_not_grow_with_the_round(api, f, collector, official, hauler, district, monday, owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from backend.pickup_requests.services import request_pickup

    def grow(k):
        for i in range(k):
            bin = bin_at(f, district, f"식당 {i}", "37.55", f"126.9{i}")
            bin.restaurant.owner = owner
            bin.restaurant.save()
            f.CollectionEventFactory(tag=bin.tags.get(), collector=collector, collected_at=MONDAY)
            request_pickup(
                restaurant=bin.restaurant, bin=bin, kind="extra_pickup", requested_for=MONDAY.date(), by=owner
            )

    api.as_user(collector)
    grow(2)
    with CaptureQueriesContext(connection) as few:
        assert len(api.get(URL, {"lat": "37.5", "lng": "126.9"}).json()["stops"]) == 2
    grow(6)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(URL, {"lat": "37.5", "lng": "126.9"}).json()["stops"]) == 8
    assert len(many) == len(few)


def test_the_crews_page_shows_the_same_list_in_the_same_order(
    client, api, f, collector, official, hauler, district, monday
):
    later = bin_at(f, district, "나중", "37.55", "126.91")
    sooner = bin_at(f, district, "먼저", "37.55", "126.91")
    bin_at(f, district, "안 오는 날", "37.55", "126.91", collection_days=[6])
    set_route(hauler=hauler, bin_ids=[sooner.id, later.id], by=official)
    client.force_login(collector)
    page = client.get("/stops/").content.decode()
    assert page.count('data-testid="stop"') == 2
    assert page.index("먼저") < page.index("나중")
    assert "안 오는 날" not in page
    assert 'data-testid="left">2<' in page
