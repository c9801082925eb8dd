"""An Open311 client written by others (civicbot's GeoReport v2 client, from PyPI) talks
to a real server over HTTP: it lists the services, reads a definition, files a request
with an api_key as a form, and reads the request's status as it changes."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_civicbots_client_files_a_missed_pickup_and_follows_it(live_server, issued, tag, official, owner):
    from civicbot.http import HttpTransport, RateLimiter
    from civicbot.open311 import Open311Client
    from civicbot.registry import Endpoint

    from backend.notifications.models import Notice
    from backend.pickup_requests.models import PickupRequest
    from backend.pickup_requests.services import complete_request

    endpoint = Endpoint(id="mapo", name="마포구", base_url=f"{live_server.url}/open311/v2", write=True)
    client = Open311Client(
        endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)), jurisdiction_id="11440"
    )

    services = client.list_services()
    assert {s["service_code"] for s in services} == {"extra_pickup", "missed_pickup", "tag_problem"}
    definition = client.get_service_definition("missed_pickup")
    assert [a["code"] for a in definition["attributes"] if a["required"]] == ["tag"]

    restaurant = tag.bin.restaurant
    filed = client.create_request(
        "missed_pickup",
        dry_run=False,
        confirm="SEND",
        api_key=issued[1],
        validate_remote=True,  # checks the form against our service list and definition first
        lat=float(restaurant.lat or 37.55),
        lng=float(restaurant.lng or 126.92),
        description="오늘 아침 수거가 안 되었습니다",
        attributes={"tag": tag.manual_code_display},
    )
    [answer] = filed.response
    request_id = answer["service_request_id"]

    shown = client.get_request(request_id)
    assert (shown["status"], shown["service_code"]) == ("open", "missed_pickup")
    pickup = PickupRequest.objects.get()
    assert Notice.objects.filter(recipient=owner, kind="pickup_request_received").exists()

    complete_request(pickup=pickup, by=official, reason="오후에 수거함")
    shown = client.get_request(request_id)
    assert shown["status"] == "closed" and "오후에 수거함" in shown["status_notes"]
    assert [r["service_request_id"] for r in client.list_requests(status="closed")] == [request_id]
