"""A missed pickup is reported within the municipality's working days after the day it
was missed (weekends and public holidays skipped); later, the owner is told why and
whom to call. The frozen clock is Monday 5 October 2026, itself a holiday (the
substitute day for 개천절)."""

import pytest

from backend.municipalities.models import Municipality
from backend.pickup_requests.models import PickupRequest
from tests.pickup_requests.test_requests import ask

pytestmark = pytest.mark.django_db
PAGE = "/pickup-requests/"


@pytest.fixture
def phone_on_record(city):
    Municipality.objects.filter(id=city.id).update(contact_phone="02-2600-6114")


def test_a_missed_pickup_within_two_working_days_is_taken(api, owner, bin, frozen):
    # Thursday 1 October: Friday the 2nd, then (the weekend and Monday's holiday skipped) Tuesday the 6th.
    assert ask(api, owner, bin, day="2026-10-01").status_code == 201


def test_past_the_window_the_api_says_why_and_whom_to_call(api, owner, bin, frozen, phone_on_record):
    response = ask(api, owner, bin, day="2026-09-30")  # closed at the end of Friday 2 October
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "report_window_closed"
    assert error["fields"]["deadline"] == "2026-10-02" and error["fields"]["contact_phone"] == "02-2600-6114"
    assert "2 근무일" in error["message"] and "02-2600-6114" in error["message"]
    assert not PickupRequest.objects.exists()


def test_the_window_follows_the_municipalitys_setting(api, owner, bin, city, frozen):
    Municipality.objects.filter(id=city.id).update(missed_pickup_window_working_days=4)
    assert ask(api, owner, bin, day="2026-09-29").status_code == 201


def test_an_extra_pickup_has_no_such_window(api, owner, bin, frozen):
    assert ask(api, owner, bin, kind="extra_pickup", day="2026-10-06").status_code == 201


def test_the_page_says_which_days_can_still_be_reported_and_whom_to_call(
    client, owner, restaurant, bin, frozen, phone_on_record
):
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert "오늘은 10월 1일 이후의 날짜만 신고할 수 있습니다" in page
    assert 'href="tel:02-2600-6114"' in page
    page = client.post(
        PAGE, {"kind": "missed_pickup", "target": f"{restaurant.id}/{bin.id}", "requested_for": "2026-09-30"}
    ).content.decode()
    assert "2 근무일 이내(2026-10-02까지)" in page and "02-2600-6114" in page
    assert not PickupRequest.objects.exists()
