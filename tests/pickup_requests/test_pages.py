"""The pages: an owner asks and follows the steps; a crew sees the day's requests on
the stops; an official assigns."""

import pytest

from backend.pickup_requests.models import PickupRequest
from tests.pickup_requests.conftest import seoul

pytestmark = pytest.mark.django_db
PAGE = "/pickup-requests/"


def test_an_owner_asks_from_the_phone_and_sees_the_timeline(client, owner, restaurant, bin, frozen):
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert 'value="2026-10-05"' in page  # the day defaults to today
    assert f'value="{restaurant.id}/{bin.id}"' in page and "모든 용기" in page
    response = client.post(
        PAGE, {"kind": "extra_pickup", "target": f"{restaurant.id}/{bin.id}", "requested_for": "2026-10-05"}
    )
    assert response.status_code == 302
    page = client.get(PAGE).content.decode()
    assert page.count('data-testid="step"') == 1 and "접수" in page and "주방 1 용기" in page
    assert "요청 취소" in page
    assert "/pickup-requests/" in client.get("/").content.decode()  # linked from the owner's home


def test_a_refused_missed_report_shows_the_crews_visit_time(client, owner, restaurant, bin, visit, frozen):
    visit(seoul(2026, 10, 5, 6, 12), exception="not_put_out")
    client.force_login(owner)
    response = client.post(
        PAGE, {"kind": "missed_pickup", "target": f"{restaurant.id}/{bin.id}", "requested_for": "2026-10-05"}
    )
    assert response.status_code == 200
    assert "06:12" in response.content.decode() and "미배출" in response.content.decode()
    assert not PickupRequest.objects.exists()


def test_the_crew_sees_todays_requests_on_the_stops_and_marks_one_done(client, owner, collector, bin, tag):
    from django.utils import timezone

    from backend.pickup_requests.services import request_pickup

    today = timezone.localdate()
    pickup = request_pickup(
        restaurant=bin.restaurant, bin=bin, kind="extra_pickup", requested_for=today, note="뒷문", by=owner
    )
    client.force_login(collector)
    page = client.get("/stops/").content.decode()
    assert page.count('data-testid="pickup-request"') == 1 and "뒷문" in page
    client.post(f"/pickup-requests/{pickup.id}/done/")
    pickup.refresh_from_db()
    assert pickup.status == "done" and pickup.steps.last().by == collector
    assert 'data-testid="pickup-request"' not in client.get("/stops/").content.decode()


def test_an_official_assigns_from_the_review_page(client, owner, official, collector, bin, hauler, frozen):
    from backend.pickup_requests.services import request_pickup

    pickup = request_pickup(
        restaurant=bin.restaurant, bin=bin, kind="extra_pickup", requested_for=frozen.date(), by=owner
    )
    client.force_login(official)
    assert hauler.name in client.get(f"{PAGE}review/").content.decode()
    client.post(f"{PAGE}review/{pickup.id}/", {"decision": "assign", "hauler": str(hauler.id), "reason": ""})
    pickup.refresh_from_db()
    assert (pickup.status, pickup.hauler) == ("assigned", hauler)
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert page.count('data-testid="step"') == 2 and hauler.name in page and "요청 취소" not in page


def test_only_owners_ask_and_only_officials_review(client, collector, owner):
    client.force_login(collector)
    assert client.get(PAGE).status_code == 403
    client.force_login(owner)
    assert client.get(f"{PAGE}review/").status_code == 403


def test_a_closed_restaurant_takes_no_request(client, owner, restaurant, bin, frozen):
    from backend.core.errors import DomainError
    from backend.pickup_requests.services import request_pickup

    restaurant.close(on=seoul(2026, 10, 4).date())
    with pytest.raises(DomainError) as refused:
        request_pickup(
            restaurant=restaurant, bin=bin, kind="extra_pickup", requested_for=seoul(2026, 10, 5).date(), by=owner
        )
    assert refused.value.code == "restaurant_closed"
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert f'value="{restaurant.id}/{bin.id}"' not in page and 'data-testid="no-open-restaurant"' in page
    response = client.post(
        PAGE, {"kind": "extra_pickup", "target": f"{restaurant.id}/{bin.id}", "requested_for": "2026-10-05"}
    )
    assert response.status_code == 200 and "접수되었습니다" not in response.content.decode()
    assert not PickupRequest.objects.exists()


def test_a_note_too_long_is_shown_on_the_form(client, owner, restaurant, bin, frozen):
    client.force_login(owner)
    response = client.post(
        PAGE,
        {
            "kind": "extra_pickup",
            "target": f"{restaurant.id}/{bin.id}",
            "requested_for": "2026-10-05",
            "note": "가" * 1001,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and not PickupRequest.objects.exists()
    assert 'id="id_note_error"' in page and "1000" in page  # the field's error, where aria-describedby points
    assert 'aria-describedby="id_note_error"' in page
