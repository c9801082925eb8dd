"""The owner proposes a weight; the official voids, corrects or rejects, and the owner
is told; an invoiced pickup's accepted dispute records what the next invoice gives
back; disputes are taken only within the municipality's working-day window."""

import pytest
import time_machine

from backend.billing.models import Invoice, LineKind
from backend.collection_events.models import CollectionEvent, Flag
from backend.disputes.models import Dispute
from backend.municipalities.models import Municipality
from backend.notifications.models import Notice
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db
URL = "/api/v1/disputes/"


@pytest.fixture
def pickup(old_bin, scan, tariff):
    """10 kg collected on Monday 3 August 2026 at 05:00; 2 working days: until Wednesday the 5th."""
    Municipality.objects.filter(id=old_bin.restaurant.municipality_id).update(contact_phone="02-3153-8114")
    return scan(old_bin, seoul(2026, 8, 3, 5), 10_000)


def post_dispute(api, owner, event, **extra):
    return api.as_user(owner).post(URL, {"collection": str(event.id), "reason": "휴무일", **extra}, format="json")


# -- the window -------------------------------------------------------------------


def test_the_api_takes_a_dispute_until_the_last_working_days_midnight(api, owner, pickup):
    with time_machine.travel(seoul(2026, 8, 5, 23, 59), tick=False):
        assert post_dispute(api, owner, pickup).status_code == 201


def test_past_the_window_the_api_answers_a_stable_code_with_whom_to_call(api, owner, pickup):
    with time_machine.travel(seoul(2026, 8, 6, 0, 0), tick=False):
        response = post_dispute(api, owner, pickup)
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "dispute_window_closed"
    assert error["fields"] == {"deadline": "2026-08-05", "counted_from": "pickup", "contact_phone": "02-3153-8114"}
    assert "02-3153-8114" in error["message"]
    assert not Dispute.objects.exists()


def test_the_window_follows_the_municipalitys_setting(api, owner, pickup):
    Municipality.objects.filter(id=pickup.restaurant.municipality_id).update(dispute_window_working_days=5)
    with time_machine.travel(seoul(2026, 8, 10, 12), tick=False):  # Monday: day 5 of 5
        assert post_dispute(api, owner, pickup).status_code == 201


@pytest.mark.django_db(transaction=True)  # the invoice's snapshot must see the scan: commits in between
def test_an_invoiced_pickup_is_disputable_for_the_working_days_after_the_invoice(api, owner, pickup, bill):
    with time_machine.travel(seoul(2026, 9, 1, 9), tick=False):  # Tuesday: August is billed
        bill("2026-08")
    assert Invoice.objects.get().issued_at.astimezone(seoul(2026, 1, 1).tzinfo).date().isoformat() == "2026-09-01"
    with time_machine.travel(seoul(2026, 9, 4, 0, 0), tick=False):
        closed = post_dispute(api, owner, pickup)
    assert closed.json()["error"]["fields"]["counted_from"] == "invoice"
    assert closed.json()["error"]["fields"]["deadline"] == "2026-09-03"
    with time_machine.travel(seoul(2026, 9, 3, 18), tick=False):
        assert post_dispute(api, owner, pickup).status_code == 201


def test_the_page_shows_the_deadline_while_open(client, owner, pickup):
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        page = client.get(f"/disputes/new/{pickup.id}/").content.decode()
    assert "8월 5일까지 신청할 수 있습니다" in page
    assert "이의신청하기" in page


def test_past_the_window_the_page_says_why_and_whom_to_call_instead_of_a_button(client, owner, pickup):
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 8, 6, 9), tick=False):
        page = client.get(f"/disputes/new/{pickup.id}/").content.decode()
        client.post(f"/disputes/new/{pickup.id}/", {"reason": "휴무일"})
    assert "온라인 이의신청 기간이 지났습니다" in page
    assert "수거일로부터 2 근무일" in page and "8월 5일까지" in page
    assert 'href="tel:02-3153-8114"' in page
    assert "이의신청하기" not in page
    # Not yet invoiced: the owner learns the invoice will open a new window.
    assert "청구서가 발행되면" in page
    assert not Dispute.objects.exists()


# -- the proposed weight --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grams"), [("8.5", 8500), ("0", 0), ("9.999", 9999), (8.5, 8500), (7, 7000), ("", None)]
)
def test_the_owner_proposes_a_weight_in_kilograms(api, owner, pickup, text, grams):
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        response = post_dispute(api, owner, pickup, proposed_weight_kg=text)
    assert response.status_code == 201, response.json()
    assert response.json()["proposed_weight_g"] == grams
    assert Dispute.objects.get().proposed_weight_g == grams


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("8,5", "validation_error"),
        ("1e3", "validation_error"),
        ("8.5 kg", "validation_error"),
        ("1.2345", "validation_error"),
        ("NaN", "validation_error"),
        ("-1", "weight_out_of_range"),
        ("10001", "weight_out_of_range"),
        ("99999999999999", "weight_out_of_range"),  # too heavy, not malformed
        ("10", "weight_unchanged"),  # the recorded weight itself
    ],
)
def test_a_proposed_weight_is_read_as_strictly_as_a_scan(api, owner, pickup, text, code):
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        response = post_dispute(api, owner, pickup, proposed_weight_kg=text)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert "proposed_weight_kg" in response.json()["error"]["fields"]
    assert not Dispute.objects.exists()


def test_the_phone_form_keeps_what_was_typed_and_says_what_is_wrong(client, owner, pickup):
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        page = client.post(f"/disputes/new/{pickup.id}/", {"reason": "저울 오류", "proposed_weight_kg": "8.5 kg"})
        assert "소수점 세 자리까지의 킬로그램" in page.content.decode() and "저울 오류" in page.content.decode()
        assert "digits with at most one point" not in page.content.decode()  # the message alone, translated
        client.post(f"/disputes/new/{pickup.id}/", {"reason": "저울 오류", "proposed_weight_kg": "8.5"})
    assert Dispute.objects.get().proposed_weight_g == 8500


@pytest.mark.parametrize("typed", ["8,5", "８.５", "８，５", " 8.5 "])
def test_the_phone_form_takes_a_decimal_comma_and_full_width_digits(client, owner, pickup, typed):
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        response = client.post(
            f"/disputes/new/{pickup.id}/", {"reason": "저울 오류", "proposed_weight_kg": typed}, follow=True
        )
    assert Dispute.objects.get().proposed_weight_g == 8500
    assert "이의신청을 접수했습니다" in response.content.decode()  # said once it is received


def test_the_weight_error_is_one_translated_message(client, owner, pickup):
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        client.cookies["django_language"] = "en"
        page = client.post(f"/disputes/new/{pickup.id}/", {"reason": "x", "proposed_weight_kg": "8.5.1"})
    text = page.content.decode()
    assert "Enter the weight in kilograms with at most three decimals (e.g. 12.5)." in text
    assert "digits with at most one point" not in text


def test_a_pickup_under_review_says_so_before_the_form(client, owner, pickup):
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        client.post(f"/disputes/new/{pickup.id}/", {"reason": "휴무일"})
        page = client.get(f"/disputes/new/{pickup.id}/").content.decode()
    assert "이미 검토 중" in page and 'data-testid="not-disputable"' in page
    assert 'name="reason"' not in page


def test_a_voided_pickup_offers_no_dispute(client, owner, official, pickup):
    pickup.change_status(to="void", by=official, reason="중복 스캔")
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        page = client.get(f"/disputes/new/{pickup.id}/").content.decode()
        assert 'name="reason"' not in page and 'data-testid="not-disputable"' in page
        home = client.get("/").content.decode()
        receipt = client.get(f"/my/pickups/{pickup.id}/").content.decode()
    assert f"/disputes/new/{pickup.id}/" not in home and f"/disputes/new/{pickup.id}/" not in receipt


# -- the decision ----------------------------------------------------------------------


@pytest.fixture
def dispute(api, owner, pickup):
    with time_machine.travel(seoul(2026, 8, 4, 9), tick=False):
        response = post_dispute(api, owner, pickup, proposed_weight_kg="8.5")
    return Dispute.objects.get(id=response.json()["id"])


def decided_notice(owner):
    return Notice.objects.get(recipient=owner, kind="dispute_decided")


def test_accepting_with_void_voids_and_tells_the_owner(api, owner, official, dispute, pickup):
    response = api.as_user(official).post(
        f"{URL}{dispute.id}/accept/", {"reason": "휴무 확인", "outcome": "void"}, format="json"
    )
    assert (response.status_code, response.json()["outcome"]) == (200, "voided")
    pickup.refresh_from_db()
    assert pickup.status == "void"
    notice = decided_notice(owner)
    assert notice.about == str(dispute.id)
    assert "인정" in notice.subject and "취소" in notice.body and "휴무 확인" in notice.body


def test_accepting_with_a_correction_replaces_the_weighing_and_tells_the_owner(api, owner, official, dispute, pickup):
    pickup.gps_accuracy_m = 25  # the phone's fix: evidence the replacement keeps with its distance
    pickup.save(update_fields=["gps_accuracy_m"])
    response = api.as_user(official).post(
        f"{URL}{dispute.id}/accept/", {"reason": "재계량", "outcome": "correct", "weight_kg": "8.5"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["outcome"], response.json()["corrected_weight_g"]) == ("corrected", 8500)
    pickup.refresh_from_db()
    assert pickup.status == "void" and pickup.weight_g == 10_000  # never edited in place
    replacement = CollectionEvent.objects.get(status="billable", bin=pickup.bin)
    assert (replacement.weight_g, replacement.collected_at) == (8500, pickup.collected_at)
    assert (replacement.distance_m, replacement.gps_accuracy_m) == (pickup.distance_m, 25)
    assert Flag.CORRECTED in replacement.flags
    assert Dispute.objects.get().replacement == replacement
    assert "8.500 kg으로 정정" in decided_notice(owner).body
    assert Dispute.objects.get().credit_krw is None  # not invoiced: the month's bill simply has 8.5 kg


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"outcome": "correct"}, "validation_error"),
        ({"outcome": "correct", "weight_kg": "0"}, "weight_out_of_range"),
        ({"outcome": "correct", "weight_kg": "10"}, "weight_unchanged"),
        ({"outcome": "correct", "weight_kg": "8,5"}, "validation_error"),
        ({"outcome": "maybe"}, "invalid_choice"),
    ],
)
def test_a_correction_needs_a_new_weight(api, official, dispute, pickup, body, code):
    response = api.as_user(official).post(f"{URL}{dispute.id}/accept/", {"reason": "x", **body}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)
    dispute.refresh_from_db()
    pickup.refresh_from_db()
    assert (dispute.status, pickup.status) == ("open", "billable")
    assert not Notice.objects.filter(kind="dispute_decided").exists()


def test_rejecting_tells_the_owner_why(api, owner, official, dispute, pickup):
    api.as_user(official).post(f"{URL}{dispute.id}/reject/", {"reason": "수거 사진 확인"}, format="json")
    notice = decided_notice(owner)
    assert "기각" in notice.subject and "수거 사진 확인" in notice.body
    pickup.refresh_from_db()
    assert pickup.status == "billable"


def test_the_review_page_corrects_a_weight_and_the_owner_sees_it(client, owner, official, dispute, pickup):
    client.force_login(official)
    page = client.get("/disputes/review/").content.decode()
    assert "8.500 kg" in page  # the owner's weight, offered as the correction
    client.post(
        f"/disputes/review/{dispute.id}/",
        {"decision": "accept", "outcome": "correct", "weight_kg": "8.500", "reason": "재계량 확인"},
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.replacement.weight_g) == ("accepted", 8500)
    assert decided_notice(owner)
    client.force_login(owner)
    assert "8.500 kg" in client.get("/disputes/").content.decode()


def test_the_review_page_takes_a_decimal_comma(client, official, dispute):
    client.force_login(official)
    client.post(
        f"/disputes/review/{dispute.id}/",
        {"decision": "accept", "outcome": "correct", "weight_kg": "８,２", "reason": "재계량 확인"},
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.replacement.weight_g) == ("accepted", 8200)


def test_the_review_page_refuses_an_accept_without_a_chosen_outcome(client, official, dispute):
    client.force_login(official)
    client.post(f"/disputes/review/{dispute.id}/", {"decision": "accept", "reason": "x"})
    dispute.refresh_from_db()
    assert dispute.status == "open"


@pytest.mark.django_db(transaction=True)  # two billing windows: commits in between
def test_an_accepted_correction_of_an_invoiced_pickup_records_the_credit_the_next_invoice_gives(
    api, owner, official, pickup, old_bin, scan, bill
):
    with time_machine.travel(seoul(2026, 9, 1, 9), tick=False):
        bill("2026-08")
    august = Invoice.objects.get()
    with time_machine.travel(seoul(2026, 9, 2, 9), tick=False):
        created = post_dispute(api, owner, pickup, proposed_weight_kg="8")
        assert created.json()["billed_on"] == august.number
        response = api.as_user(official).post(
            f"{URL}{created.json()['id']}/accept/",
            {"reason": "재계량", "outcome": "correct", "weight_kg": "8"},
            format="json",
        )
    # 10 kg billed at 130 KRW/kg = 1,300; 8 kg = 1,040: 260 comes back.
    assert (response.json()["credit_krw"], response.json()["credited_invoice_number"]) == (260, august.number)
    assert "260원" in decided_notice(owner).body
    scan(old_bin, seoul(2026, 9, 3, 5), 20_000)
    with time_machine.travel(seoul(2026, 10, 1, 9), tick=False):
        bill("2026-09")
    september = Invoice.objects.get(period__month=9)
    assert september.lines.get(kind=LineKind.CREDIT).amount_krw == -1300
    assert september.lines.get(kind=LineKind.PRIOR_PERIOD).amount_krw == 1040
    assert september.total_krw == 2600 - 260
