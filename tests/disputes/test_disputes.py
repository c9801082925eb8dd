"""Owners dispute collections; officials accept (void, and credit if billed) or reject."""

import pytest
import time_machine

from backend.billing.models import Invoice, LineKind
from backend.collection_events.models import CollectionEventStatusChange
from backend.disputes.models import Dispute
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db
URL = "/api/v1/disputes/"


@pytest.fixture
def billed_scan(tariff, old_bin, scan, bill):
    wrong = scan(old_bin, seoul(2026, 8, 3, 5), 10_000)
    bill("2026-08")
    return wrong


@pytest.fixture
def disputable(billed_scan):
    """The billed scan, the morning after it was collected: inside the dispute window
    (in a test's one transaction the invoice's snapshot does not see the scan, so the
    window counts from the pickup)."""
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=True):
        yield billed_scan


def raise_dispute(api, owner, event):
    response = api.as_user(owner).post(
        URL, {"collection": str(event.id), "reason": "그날은 휴무였습니다"}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db(transaction=True)  # two billing windows: commits in between
def test_accepting_voids_the_collection_and_credits_it_on_the_next_invoice(
    api, owner, official, billed_scan, old_bin, scan, bill
):
    dispute = raise_dispute(api, owner, billed_scan)
    assert dispute["billed_on"] == Invoice.objects.get().number
    response = api.as_user(official).post(f"{URL}{dispute['id']}/accept/", {"reason": "GPS 기록 확인"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["decided_by"]) == ("accepted", "official")
    billed_scan.refresh_from_db()
    assert billed_scan.status == "void"
    change = CollectionEventStatusChange.objects.get(event=billed_scan)
    assert (change.changed_by, change.to_status) == (official, "void") and "GPS" in change.reason
    scan(old_bin, seoul(2026, 9, 3, 5), 20_000)
    bill("2026-09")
    september = Invoice.objects.get(period__month=9)
    credit = september.lines.get(kind=LineKind.CREDIT)
    assert credit.amount_krw == -1300
    assert september.total_krw == 2600 - 1300


def test_rejecting_records_who_when_why_and_keeps_the_collection(api, owner, official, disputable):
    dispute = raise_dispute(api, owner, disputable)
    response = api.as_user(official).post(f"{URL}{dispute['id']}/reject/", {"reason": "수거 사진 확인"}, format="json")
    assert response.json()["status"] == "rejected"
    stored = Dispute.objects.get()
    assert (stored.decided_by, stored.decision_reason) == (official, "수거 사진 확인") and stored.decided_at
    disputable.refresh_from_db()
    assert disputable.status == "billable"
    again = api.post(f"{URL}{dispute['id']}/accept/", {"reason": "x"}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_decided")


def test_one_open_dispute_per_collection_and_a_reason_is_required(api, owner, disputable):
    raise_dispute(api, owner, disputable)
    response = api.post(URL, {"collection": str(disputable.id), "reason": "again"}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "dispute_open")
    response = api.post(URL, {"collection": str(disputable.id), "reason": " "}, format="json")
    assert response.status_code == 400


def test_permissions(api, owner, official, collector, stranger, other_owner, disputable):
    dispute = raise_dispute(api, owner, disputable)
    assert (
        api.as_user(official).post(URL, {"collection": str(disputable.id), "reason": "x"}, format="json").status_code
        == 403
    )
    assert api.as_user(owner).post(f"{URL}{dispute['id']}/accept/", {"reason": "x"}, format="json").status_code == 403
    for user in (stranger, other_owner, collector):
        api.as_user(user)
        assert api.get(f"{URL}{dispute['id']}/").status_code == 404
        assert api.get(URL).json()["count"] == 0
    assert (
        api.as_user(stranger).post(f"{URL}{dispute['id']}/accept/", {"reason": "x"}, format="json").status_code == 404
    )
    response = api.as_user(other_owner).post(URL, {"collection": str(disputable.id), "reason": "x"}, format="json")
    assert response.status_code == 400  # another owner's collection does not exist for them


def test_the_disputes_review_page_sends_held_scans_to_the_review_queue(client, official, old_bin, scan):
    held = scan(old_bin, seoul(2026, 10, 3, 5), 10_000, status="held")
    client.force_login(official)
    page = client.get("/disputes/review/").content.decode()
    assert 'href="/console/review/"' in page and str(held.id) not in page  # one list of held scans, not two
    assert str(held.id) in client.get("/console/review/").content.decode()


def test_an_owner_disputes_from_the_phone(client, owner, disputable):
    client.force_login(owner)
    page = client.get(f"/disputes/new/{disputable.id}/")
    assert "이의신청" in page.content.decode()
    client.post(f"/disputes/new/{disputable.id}/", {"reason": "휴무일"})
    assert Dispute.objects.get().reason == "휴무일"
