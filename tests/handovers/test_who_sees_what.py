"""Handover matrix: for every owner page and API endpoint, who sees what after a sale.

The old owner (`owner`) sees their own past only, read-only (their pickups before
the 15th, the final invoice billed to them, which they may still pay); the new owner
sees the restaurant from the 15th on and nothing before; a stranger (`other_owner`,
another city) sees nothing of it. Before the sale the owner saw everything."""

import time_machine

from tests.billing.conftest import seoul

OLD = {"nov3", "nov14_late_evening"}
NEW = {"nov15_early", "nov20", "nov25"}


def _ids(scans, names):
    return {str(scans[name].id) for name in names}


def _results(response):
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def test_before_the_sale_the_owner_sees_every_pickup(api, owner, restaurant, tag, scan_at):
    first = scan_at(seoul(2026, 11, 3, 9), 10_000)
    second = scan_at(seoul(2026, 11, 20, 9), 5_000)
    seen = {row["id"] for row in _results(api.as_user(owner).get("/api/v1/collections/"))}
    assert seen == {str(first.id), str(second.id)}


def test_collections_api(api, month_billed, owner, new_owner, other_owner):
    def seen(user):
        return {row["id"] for row in _results(api.as_user(user).get("/api/v1/collections/"))}

    assert seen(owner) == _ids(month_billed, OLD)
    assert seen(new_owner) == _ids(month_billed, NEW)
    assert seen(other_owner) == set()
    old_scan = month_billed["nov3"].id
    assert api.as_user(new_owner).get(f"/api/v1/collections/{old_scan}/").status_code == 404
    assert api.as_user(owner).get(f"/api/v1/collections/{old_scan}/").status_code == 200
    assert api.as_user(owner).get(f"/api/v1/collections/{month_billed['nov20'].id}/").status_code == 404


def test_invoices_api_and_paying(api, month_billed, restaurant, owner, new_owner, other_owner):
    from backend.billing.models import Invoice

    final = Invoice.objects.get(restaurant=restaurant, last_day__isnull=False)
    month = Invoice.objects.get(restaurant=restaurant, last_day__isnull=True)

    def seen(user):
        return {row["id"] for row in _results(api.as_user(user).get("/api/v1/invoices/"))}

    assert seen(owner) == {str(final.id)}
    assert seen(new_owner) == {str(month.id)}
    assert seen(other_owner) == set()
    # The old owner still pays what was billed to them, and nothing billed to the new one.
    assert api.as_user(owner).post("/api/v1/payment-orders/", {"invoice": str(final.id)}).status_code == 201
    assert api.as_user(owner).post("/api/v1/payment-orders/", {"invoice": str(month.id)}).status_code == 400
    assert api.as_user(new_owner).post("/api/v1/payment-orders/", {"invoice": str(final.id)}).status_code == 400
    assert api.as_user(new_owner).post("/api/v1/payment-orders/", {"invoice": str(month.id)}).status_code == 201


def test_restaurants_and_bins_api(api, sold, restaurant, bin, owner, new_owner, other_owner):
    for path in ("/api/v1/restaurants/", "/api/v1/bins/"):
        assert [row["id"] for row in _results(api.as_user(owner).get(path))] == []
        assert api.as_user(new_owner).get(path).json()["results"][0]["id"] in {str(restaurant.id), str(bin.id)}
        assert str(restaurant.id) not in str(api.as_user(other_owner).get(path).json())
    assert api.as_user(owner).get(f"/api/v1/restaurants/{restaurant.id}/").status_code == 404


def test_disputes_api(api, sold, owner, new_owner, other_owner):
    # The day after the new owner's pickup: within its dispute window (2 working days).
    with time_machine.travel(seoul(2026, 11, 21, 9), tick=False):
        old_scan, new_scan = sold["nov3"], sold["nov20"]
        refused = api.as_user(owner).post(
            "/api/v1/disputes/", {"collection": str(old_scan.id), "reason": "무게가 이상해요"}
        )
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_current_owner"
        # The new owner cannot dispute what they never see.
        hidden = api.as_user(new_owner).post("/api/v1/disputes/", {"collection": str(old_scan.id), "reason": "x"})
        assert hidden.status_code == 400
        made = api.as_user(new_owner).post(
            "/api/v1/disputes/", {"collection": str(new_scan.id), "reason": "두 번 찍혔어요"}
        )
        assert made.status_code == 201
        assert [row["id"] for row in _results(api.as_user(new_owner).get("/api/v1/disputes/"))] == [made.json()["id"]]
        assert _results(api.as_user(owner).get("/api/v1/disputes/")) == []
        assert _results(api.as_user(other_owner).get("/api/v1/disputes/")) == []


def test_an_old_owner_keeps_sight_of_their_own_dispute(api, f, owner, new_owner, restaurant, tag, scan_at, official):
    from backend.disputes.models import Dispute
    from backend.handovers import services

    with time_machine.travel(seoul(2026, 11, 16, 12), tick=False):
        old_scan = scan_at(seoul(2026, 11, 13, 9), 10_000)  # a Friday: disputable until Tuesday
        dispute = api.as_user(owner).post("/api/v1/disputes/", {"collection": str(old_scan.id), "reason": "이상해요"})
        assert dispute.status_code == 201
        handover = services.report_handover(
            by=owner,
            restaurant=restaurant,
            kind="sale",
            proposed_on=seoul(2026, 11, 15).date(),
            new_owner_email="new@example.org",
        )
        services.confirm_handover(handover=handover, by=official, effective_on=seoul(2026, 11, 15).date())
    assert [row["id"] for row in _results(api.as_user(owner).get("/api/v1/disputes/"))] == [dispute.json()["id"]]
    assert _results(api.as_user(new_owner).get("/api/v1/disputes/")) == []
    assert Dispute.objects.count() == 1


def test_pickup_requests_api(api, sold, restaurant, owner, new_owner, other_owner):
    body = {"restaurant": str(restaurant.id), "kind": "extra_pickup"}
    assert api.as_user(owner).post("/api/v1/pickup-requests/", body).status_code == 404
    made = api.as_user(new_owner).post("/api/v1/pickup-requests/", body)
    assert made.status_code == 201
    assert [row["id"] for row in _results(api.as_user(new_owner).get("/api/v1/pickup-requests/"))] == [
        made.json()["id"]
    ]
    assert _results(api.as_user(owner).get("/api/v1/pickup-requests/")) == []
    assert _results(api.as_user(other_owner).get("/api/v1/pickup-requests/")) == []


def test_old_owner_s_request_stays_theirs_and_read_only(api, f, owner, new_owner, restaurant, tag, official):
    from backend.handovers import services

    with time_machine.travel(seoul(2026, 11, 10, 12), tick=False):
        made = api.as_user(owner).post(
            "/api/v1/pickup-requests/", {"restaurant": str(restaurant.id), "kind": "extra_pickup"}
        )
        assert made.status_code == 201
    with time_machine.travel(seoul(2026, 11, 16, 12), tick=False):
        handover = services.report_handover(
            by=owner,
            restaurant=restaurant,
            kind="sale",
            proposed_on=seoul(2026, 11, 15).date(),
            new_owner_email="new@example.org",
        )
        services.confirm_handover(handover=handover, by=official, effective_on=seoul(2026, 11, 15).date())
    request_id = made.json()["id"]
    assert [row["id"] for row in _results(api.as_user(owner).get("/api/v1/pickup-requests/"))] == [request_id]
    assert _results(api.as_user(new_owner).get("/api/v1/pickup-requests/")) == []
    cancel = api.as_user(owner).post(f"/api/v1/pickup-requests/{request_id}/cancel/", {})
    assert cancel.status_code == 403 and cancel.json()["error"]["code"] == "not_current_owner"


def test_owner_pages(client, month_billed, restaurant, tag, owner, new_owner, other_owner):
    from backend.billing.models import Invoice

    final = Invoice.objects.get(restaurant=restaurant, last_day__isnull=False)
    month = Invoice.objects.get(restaurant=restaurant, last_day__isnull=True)

    def page(user, path):
        client.force_login(user)
        return client.get(path)

    # Home: the restaurant is the new owner's; each sees their own pickups, and only
    # the new owner is offered to dispute (the old owner's past is read-only).
    home_new = page(new_owner, "/").content.decode()
    assert "11월 20일" in home_new and "11월 3일" not in home_new
    assert f"/disputes/new/{month_billed['nov20'].id}/" in home_new
    home_old = page(owner, "/").content.decode()
    assert "11월 3일" in home_old and "11월 20일" not in home_old
    assert "/disputes/new/" not in home_old
    # The tag page: the history is the new owner's from the 15th; the old owner gets the public page.
    history_new = page(new_owner, f"/t/{tag.code}").content.decode()
    assert "11월 20일" in history_new and "11월 3일" not in history_new
    assert "11월 3일" not in page(owner, f"/t/{tag.code}").content.decode()
    # Invoices: list and page.
    listed_old = page(owner, "/billing/invoices/").content.decode()
    assert f"/billing/invoices/{final.id}/" in listed_old and f"/billing/invoices/{month.id}/" not in listed_old
    listed_new = page(new_owner, "/billing/invoices/").content.decode()
    assert f"/billing/invoices/{month.id}/" in listed_new and f"/billing/invoices/{final.id}/" not in listed_new
    assert page(owner, f"/billing/invoices/{month.id}/").status_code == 404
    assert page(new_owner, f"/billing/invoices/{final.id}/").status_code == 404
    assert page(owner, f"/billing/invoices/{final.id}/").status_code == 200
    assert page(other_owner, f"/billing/invoices/{final.id}/").status_code == 404
    # Pickup requests and disputes pages: the old owner has no restaurant to ask for.
    assert restaurant.name not in page(owner, "/pickup-requests/").content.decode()
    assert restaurant.name in page(new_owner, "/pickup-requests/").content.decode()
    client.force_login(owner)
    refused = client.post(f"/disputes/new/{month_billed['nov3'].id}/", {"reason": "이상해요"})
    assert "조회만" in refused.content.decode()
    assert page(new_owner, f"/disputes/new/{month_billed['nov3'].id}/").status_code == 404
    # The handover page: the old owner sees their confirmed report, the new owner does not.
    assert "확인 완료" in page(owner, "/handover/").content.decode()
    assert "확인 완료" not in page(new_owner, "/handover/").content.decode()


def test_scans_keep_working_after_a_sale(api, sold, tag, bin, collector, new_owner):
    """The tag stays on the bin: a crew's next scan is the new owner's pickup."""
    from tests.api.scans import URL, scan

    with time_machine.travel(seoul(2026, 11, 27, 9), tick=False):
        body = scan(tag)
        response = api.as_user(collector).post(URL, body, format="json")
    assert response.status_code == 201, response.content
    seen = {row["id"] for row in _results(api.as_user(new_owner).get("/api/v1/collections/"))}
    assert body["id"] in seen


def test_the_home_page_s_latest_pickups_are_those_the_owner_may_see_newest_first(
    month_billed, owner, new_owner, other_owner, official
):
    """`latest_seen_by` (per ownership period, from the index) picks the same rows as
    `visible_to` sorted whole, for each side of the sale, however few are asked for."""
    from backend.collection_events.models import CollectionEvent

    for user in (owner, new_owner, other_owner, official):
        for count in (1, 2, 20):
            expected = list(CollectionEvent.objects.visible_to(user).order_by("-collected_at", "-id")[:count])
            assert list(CollectionEvent.objects.latest_seen_by(user, count)) == expected
