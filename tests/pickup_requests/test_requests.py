"""Owners ask for a pickup or report a missed one; the crews' records decide what is refused."""

import pytest

from backend.notifications.models import Notice
from backend.pickup_requests.models import PickupRequest
from tests.pickup_requests.conftest import seoul

pytestmark = pytest.mark.django_db
URL = "/api/v1/pickup-requests/"


def ask(api, owner, bin, kind="missed_pickup", day="2026-10-05", **extra):
    return api.as_user(owner).post(
        URL, {"bin": str(bin.id), "kind": kind, "requested_for": day, **extra}, format="json"
    )


def test_a_missed_report_is_refused_when_the_crew_found_the_bin_not_put_out(api, owner, bin, visit, frozen):
    visit(seoul(2026, 10, 5, 6, 12), exception="not_put_out")
    response = ask(api, owner, bin)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "bin_not_put_out"
    assert "06:12" in error["message"] and "미배출" in error["message"]
    assert not PickupRequest.objects.exists()
    # The owner can still ask for an extra pickup of the same bin that day.
    assert ask(api, owner, bin, kind="extra_pickup").status_code == 201


def test_a_missed_report_is_refused_when_the_bin_was_collected_that_day(api, owner, bin, visit, frozen):
    visit(seoul(2026, 10, 5, 5, 40), exception="not_put_out")
    visit(seoul(2026, 10, 5, 7, 5), grams=21_500)  # the crew came back and weighed it
    response = ask(api, owner, bin)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "already_collected")
    assert "21.500 kg" in response.json()["error"]["message"]
    assert "07:05" in response.json()["error"]["message"]


def test_the_local_day_decides_and_other_exceptions_do_not_refuse(api, owner, bin, visit, frozen):
    visit(seoul(2026, 10, 4, 23, 50), exception="not_put_out")  # Sunday night, not Monday
    visit(seoul(2026, 10, 5, 6, 0), exception="contaminated")
    response = ask(api, owner, bin, note="차가 오지 않았어요")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "received"


def test_a_void_weighing_does_not_count_as_collected(api, owner, bin, visit, frozen):
    weighing = visit(seoul(2026, 10, 5, 6, 0), grams=3_000)
    weighing.status = "void"
    weighing.save(update_fields=["status"])
    assert ask(api, owner, bin).status_code == 201


def test_all_bins_are_refused_only_when_every_bin_is_accounted_for(api, f, owner, restaurant, bin, visit, frozen):
    second = f.BinFactory(restaurant=restaurant, label="주방 2")
    visit(seoul(2026, 10, 5, 6, 0), exception="not_put_out")
    body = {"restaurant": str(restaurant.id), "kind": "missed_pickup", "requested_for": "2026-10-05"}
    first = api.as_user(owner).post(URL, body, format="json")
    assert first.status_code == 201, first.json()  # the second bin was really missed
    api.post(f"{URL}{first.json()['id']}/cancel/", {}, format="json")
    visit(seoul(2026, 10, 5, 6, 1), grams=8_000, bin=second)
    response = api.post(URL, body, format="json")
    assert response.json()["error"]["code"] == "bin_not_put_out"


def test_dates_in_the_future_and_in_the_past(api, owner, bin, frozen):
    response = ask(api, owner, bin, day="2026-10-06")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "date_in_future")
    response = ask(api, owner, bin, kind="extra_pickup", day="2026-10-04")
    assert response.json()["error"]["code"] == "date_in_past"
    assert ask(api, owner, bin, kind="extra_pickup", day="2026-10-06").status_code == 201


def test_one_open_request_per_bin_day_and_kind(api, owner, bin, frozen):
    first = ask(api, owner, bin)
    assert first.status_code == 201
    again = ask(api, owner, bin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "duplicate_request")
    assert ask(api, owner, bin, kind="extra_pickup").status_code == 201  # another kind
    api.post(f"{URL}{first.json()['id']}/cancel/", {}, format="json")
    assert ask(api, owner, bin).status_code == 201  # once closed, asking again is fine


def test_another_owners_bin_does_not_exist_for_them(api, owner, other_owner, bin, restaurant, frozen):
    response = ask(api, other_owner, bin)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
    response = api.post(URL, {"restaurant": str(restaurant.id), "kind": "extra_pickup"}, format="json")
    assert response.status_code == 404
    assert not PickupRequest.objects.exists()


def test_the_day_defaults_to_today_in_the_municipality(api, owner, restaurant, frozen):
    response = api.as_user(owner).post(URL, {"restaurant": str(restaurant.id), "kind": "extra_pickup"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["requested_for"], response.json()["bin"]) == ("2026-10-05", None)
    assert response.json()["steps"][0]["status"] == "received"
    assert Notice.objects.get().kind == "pickup_request_received"
