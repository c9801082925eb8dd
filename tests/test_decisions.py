"""A decision is one of its named choices; a bogus one is refused and changes nothing.

Before, any dispute decision other than "accept" rejected, any held-scan decision
other than "release" voided, and any pickup decision other than assign/reject closed
the request.
"""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from backend.collection_events.models import CollectionEventStatusChange
from backend.core.errors import DomainError
from backend.disputes import services as disputes
from backend.disputes.models import Dispute
from backend.pickup_requests import services as pickups
from backend.pickup_requests.models import PickupRequestStep

pytestmark = pytest.mark.django_db
BOGUS = ["", "ACCEPT", "accept ", "yes", "assign;done"]


@pytest.fixture
def scan(f, tag):
    return lambda status="billable": f.CollectionEventFactory(tag=tag, status=status)


@pytest.fixture
def dispute(owner, scan):
    return disputes.raise_dispute(event=scan(), by=owner, reason="휴무일")


@pytest.fixture
def pickup(owner, bin):
    day = timezone.localdate(timezone=bin.restaurant.municipality.zone) + timedelta(days=7)
    return pickups.request_pickup(restaurant=bin.restaurant, bin=bin, kind="extra_pickup", requested_for=day, by=owner)


def refused_with_a_message(client, url, data) -> None:
    response = client.post(url, data)
    assert response.status_code == 302
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error" and "처리 방법을 선택해 주세요" in str(message.message)


@pytest.mark.parametrize("decision", [*BOGUS, None])
def test_a_bogus_dispute_decision_leaves_the_dispute_open(client, official, dispute, decision):
    client.force_login(official)
    data = {"reason": "확인"} if decision is None else {"decision": decision, "reason": "확인"}
    refused_with_a_message(client, f"/disputes/review/{dispute.id}/", data)
    dispute.refresh_from_db()
    dispute.event.refresh_from_db()
    assert (dispute.status, dispute.decided_by, dispute.event.status) == ("open", None, "billable")


@pytest.mark.parametrize("decision", BOGUS)
def test_a_bogus_held_scan_decision_leaves_it_held(client, official, scan, decision):
    held = scan(status="held")
    client.force_login(official)
    refused_with_a_message(client, f"/disputes/review/held/{held.id}/", {"decision": decision, "reason": "확인"})
    held.refresh_from_db()
    assert held.status == "held" and not CollectionEventStatusChange.objects.exists()


@pytest.mark.parametrize("decision", BOGUS)
def test_a_bogus_pickup_decision_leaves_the_request_open(client, official, pickup, decision):
    client.force_login(official)
    refused_with_a_message(client, f"/pickup-requests/review/{pickup.id}/", {"decision": decision, "reason": "x"})
    pickup.refresh_from_db()
    assert pickup.status == "received" and PickupRequestStep.objects.filter(request=pickup).count() == 1


@pytest.mark.parametrize(
    "decision,status,scan_status", [("accept", "accepted", "void"), ("reject", "rejected", "billable")]
)
def test_each_dispute_decision_does_what_it_says(official, dispute, decision, status, scan_status):
    disputes.decide_dispute(dispute=dispute, by=official, decision=decision, reason="확인", outcome="void")
    dispute.event.refresh_from_db()
    assert (Dispute.objects.get().status, dispute.event.status) == (status, scan_status)


@pytest.mark.parametrize("decision,status", [("release", "billable"), ("void", "void")])
def test_each_held_scan_decision_does_what_it_says(official, scan, decision, status):
    held = scan(status="held")
    disputes.decide_held_scan(event=held, by=official, decision=decision, reason="확인")
    held.refresh_from_db()
    assert held.status == status


@pytest.mark.parametrize("decision,status", [("assign", "assigned"), ("reject", "rejected"), ("done", "done")])
def test_each_pickup_decision_does_what_it_says(official, hauler, pickup, decision, status):
    pickups.decide_request(pickup=pickup, by=official, decision=decision, reason="확인", hauler=hauler)
    pickup.refresh_from_db()
    assert pickup.status == status


def test_the_domain_answers_a_bogus_decision_with_a_stable_code(official, dispute, scan, pickup):
    attempts = [
        lambda: disputes.decide_dispute(dispute=dispute, by=official, decision="x", reason="r"),
        lambda: disputes.decide_held_scan(event=scan(status="held"), by=official, decision="x", reason="r"),
        lambda: pickups.decide_request(pickup=pickup, by=official, decision="x", reason="r"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as refused:
            attempt()
        assert (refused.value.code, refused.value.status_code) == ("invalid_decision", 400)
        assert list(refused.value.fields) == ["decision"]
