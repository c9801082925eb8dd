"""Each request moves step by step; each step is recorded with who, when and why, and
told to the owner exactly once, after commit."""

import pytest
from django.core import mail

from backend.notifications.models import Notice
from backend.pickup_requests.models import PickupRequest, PickupRequestStep

pytestmark = pytest.mark.django_db
URL = "/api/v1/pickup-requests/"


@pytest.fixture
def pickup(api, owner, bin, frozen, eager_celery, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(owner).post(
            URL, {"bin": str(bin.id), "kind": "extra_pickup", "note": "단체 손님"}, format="json"
        )
    assert response.status_code == 201, response.json()
    return response.json()


def post(api, user, pickup, action, body=None, capture=None):
    with capture(execute=True):
        return api.as_user(user).post(f"{URL}{pickup['id']}/{action}/", body or {}, format="json")


def test_received_assigned_done_each_recorded_and_told_once(
    api, pickup, owner, official, collector, hauler, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    assert len(mail.outbox) == 1 and "접수" in mail.outbox[0].subject
    response = post(api, official, pickup, "assign", {"assignee": "collector", "reason": "오후 배차"}, capture)
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["hauler"], response.json()["assignee"]) == (
        "assigned",
        str(hauler.id),
        "collector",
    )
    response = post(api, collector, pickup, "done", {"reason": "14시 수거"}, capture)
    assert response.json()["status"] == "done"

    steps = response.json()["steps"]
    assert [(s["status"], s["by"]) for s in steps] == [
        ("received", "owner"),
        ("assigned", "official"),
        ("done", "collector"),
    ]
    assert steps[1]["hauler_name"] == hauler.name and steps[1]["reason"] == "오후 배차"
    assert {n.about for n in Notice.objects.all()} == {s["id"] for s in steps}
    assert sorted(Notice.objects.values_list("kind", flat=True)) == [
        "pickup_request_assigned",
        "pickup_request_done",
        "pickup_request_received",
    ]
    assert len(mail.outbox) == 3 and all(m.to == ["owner@example.org"] for m in mail.outbox)
    assert "처리 완료" in mail.outbox[2].subject and "14시 수거" in mail.outbox[2].body

    # Done is done: a second "done" (or a cancel) neither moves it nor tells anyone again.
    again = post(api, official, pickup, "done", {}, capture)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "request_closed")
    assert PickupRequestStep.objects.count() == 3 and Notice.objects.count() == 3 and len(mail.outbox) == 3


def test_an_owner_cancels_only_while_the_request_is_received(
    api, pickup, owner, official, bin, hauler, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    assigned = post(api, official, pickup, "assign", {}, capture)
    assert assigned.json()["hauler"] == str(hauler.id)  # the district's one hauler
    response = post(api, owner, pickup, "cancel", {}, capture)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "not_cancellable")

    second = api.as_user(owner).post(URL, {"bin": str(bin.id), "kind": "extra_pickup", "requested_for": "2026-10-06"})
    response = post(api, owner, second.json(), "cancel", {"reason": "필요 없어졌어요"}, capture)
    assert response.json()["status"] == "cancelled"
    assert response.json()["steps"][-1]["reason"] == "필요 없어졌어요"


def test_a_rejection_needs_a_reason_and_the_owner_reads_it(api, pickup, official, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    response = post(api, official, pickup, "reject", {"reason": " "}, capture)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "reason_required")
    response = post(api, official, pickup, "reject", {"reason": "정기 수거일에 함께 수거합니다"}, capture)
    assert response.json()["status"] == "rejected"
    assert "정기 수거일에 함께 수거합니다" in mail.outbox[-1].body
    assert PickupRequest.objects.get().status == "rejected"


def test_assigning_a_hauler_that_does_not_serve_the_district_is_refused(
    api, f, pickup, official, city, other_collector
):
    elsewhere = f.HaulerFactory(municipality=city)
    response = api.as_user(official).post(f"{URL}{pickup['id']}/assign/", {"hauler": str(elsewhere.id)})
    assert response.json()["error"]["code"] == "hauler_not_serving"
    response = api.post(f"{URL}{pickup['id']}/assign/", {"assignee": "other_collector"})
    assert response.json()["error"]["code"] == "hauler_not_serving"
    assert PickupRequest.objects.get().status == "received"


def test_each_role_sees_and_does_only_its_part(
    api, f, pickup, owner, official, collector, stranger, other_owner, other_collector, city, bin
):
    detail = f"{URL}{pickup['id']}/"
    for user in (owner, official, collector):
        assert api.as_user(user).get(URL).json()["count"] == 1, user
        assert api.get(detail).status_code == 200
    other_hauler = f.HaulerFactory(municipality=city)  # same city, another district's hauler
    outsiders = (stranger, other_owner, other_collector, f.UserFactory(role="collector", hauler=other_hauler))
    for user in outsiders:
        assert api.as_user(user).get(URL).json()["count"] == 0, user
        assert api.get(detail).status_code == 404
        assert api.post(f"{detail}done/", {}).status_code in (403, 404)
    assert api.as_user(collector).post(URL, {"bin": str(bin.id), "kind": "extra_pickup"}).status_code == 403
    assert api.as_user(official).post(URL, {"bin": str(bin.id), "kind": "extra_pickup"}).status_code == 403
    assert api.as_user(collector).post(f"{detail}assign/", {}).status_code == 403
    assert api.as_user(owner).post(f"{detail}done/", {}).status_code == 403
    assert api.as_user(owner).post(f"{detail}reject/", {"reason": "x"}).status_code == 403
    assert PickupRequest.objects.get().status == "received"


def test_the_list_does_not_grow_queries_with_its_rows(api, f, owner, restaurant, frozen, django_assert_max_num_queries):
    from backend.pickup_requests.services import request_pickup

    for label in "ABCDE":
        request_pickup(
            restaurant=restaurant,
            bin=f.BinFactory(restaurant=restaurant, label=label),
            kind="extra_pickup",
            requested_for=frozen.date(),
            by=owner,
        )
    api.as_user(owner)
    with django_assert_max_num_queries(12):
        assert api.get(URL).json()["count"] == 5
