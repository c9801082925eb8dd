"""The disputes, pickup requests, handovers, scales, stops and receipt pages follow the
language switch: Korean by default, and in English no Korean is left outside what is
marked lang="ko". The API's DomainErrors from these apps answer in the reader's
language; their machine code stays the same."""

import uuid
from datetime import date, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from backend.billing.models import Tariff
from backend.collection_events.models import Scale
from backend.disputes.models import Dispute
from backend.handovers.models import Handover
from backend.pickup_requests.services import request_pickup
from tests.owner.conftest import SEOUL
from tests.owner.test_language import korean_outside_lang_ko

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=SEOUL)  # a Friday afternoon


def in_english(client, url) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert '<html lang="en">' in page, url
    assert korean_outside_lang_ko(page) == [], url
    return page


def in_korean(client, url) -> str:
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert '<html lang="ko">' in page, url
    return page


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW)
    return NOW


@pytest.fixture
def english_register(city, district, hauler, restaurant, bin, owner, official, collector):
    """Names in the register written in English, so only the pages' own words are left."""
    city.name, city.contact_phone = "Mapo-gu Office", "02-3153-8000"
    city.save(update_fields=["name", "contact_phone"])
    district.name = "Seogyo-dong"
    district.save(update_fields=["name"])
    hauler.name = "Clean Mapo"
    hauler.save(update_fields=["name"])
    restaurant.name, restaurant.address = "Grandma's Sundae", "12 Wausan-ro"
    restaurant.save(update_fields=["name", "address"])
    bin.label = "Kitchen 1"
    bin.save(update_fields=["label"])
    return restaurant


@pytest.fixture
def pickups(f, tag, collector, english_register, now):
    """Yesterday's billable pickup (disputable), one from October (past the window), and
    today's weighing on a registered scale whose inspection has lapsed."""
    Tariff.objects.create(
        municipality=tag.bin.restaurant.municipality, effective_from=date(2026, 1, 1), price_per_kg_krw=150
    )

    def pickup(when, **fields):
        return f.CollectionEventFactory(id=uuid.uuid4(), tag=tag, collector=collector, collected_at=when, **fields)

    return {
        "recent": pickup(datetime(2026, 11, 19, 9, tzinfo=SEOUL), weight_g=7_000),
        "old": pickup(datetime(2026, 10, 1, 9, tzinfo=SEOUL), weight_g=9_000),
        "held": pickup(datetime(2026, 11, 20, 8, tzinfo=SEOUL), weight_g=6_000, status="held", flags=["hold_window"]),
        "flagged": pickup(
            datetime(2026, 11, 20, 9, tzinfo=SEOUL), weight_g=5_000, scale_id="MAPO-7", flags=["scale_inspection_due"]
        ),
        "missed": pickup(
            datetime(2026, 11, 20, 10, tzinfo=SEOUL),
            weight_g=None,
            status="not_collected",
            exception_code="not_put_out",
        ),
    }


@pytest.fixture
def scale(official, hauler):
    return Scale.objects.create(
        municipality=official.municipality,
        hauler=hauler,
        serial="MAPO-7",
        model="CAS HB-150",
        inspected_on=date(2024, 1, 10),
    )


@pytest.fixture
def dispute(pickups, owner):
    return Dispute.objects.create(
        event=pickups["recent"],
        restaurant_id=pickups["recent"].restaurant_id,
        raised_by=owner,
        reason="We were closed that day",
        proposed_weight_g=0,
    )


@pytest.fixture
def pickup_request(english_register, bin, owner, now):
    return request_pickup(
        restaurant=english_register, bin=bin, kind="extra_pickup", requested_for=NOW.date(), note="Back door", by=owner
    )


@pytest.fixture
def handover(english_register, owner):
    return Handover.objects.create(
        restaurant=english_register,
        kind="closing",
        proposed_on=NOW.date() + timedelta(days=10),
        reported_by=owner,
        note="Retiring",
    )


def test_the_owners_receipt_dispute_form_and_disputes_in_english_and_korean(client, owner, pickups, dispute):
    client.force_login(owner)
    recent, old = pickups["recent"], pickups["old"]

    receipt = in_english(client, reverse("owner-receipt", args=[recent.id]))
    assert "Pickup receipt" in receipt and "1,050 won" in receipt and "Under review" in receipt
    closed = in_english(client, reverse("owner-receipt", args=[old.id]))
    assert "The time to dispute online has passed" in closed and "please call Mapo-gu Office" in closed
    form = in_english(client, reverse("disputes:new", args=[recent.id]))
    # Under review: said up front, in place of the form.
    assert "Dispute a collection" in form and "1,050 won" in form
    assert "A dispute for this collection is already open." in form and "Send the dispute" not in form
    mine = in_english(client, reverse("disputes:mine"))
    assert "We were closed that day" in mine and "Weight you proposed" in mine

    receipt = in_korean(client, reverse("owner-receipt", args=[recent.id]))
    assert "수거 영수증" in receipt and "1,050원" in receipt and "검토 중" in receipt
    assert "Pickup receipt" not in receipt
    closed = in_korean(client, reverse("owner-receipt", args=[old.id]))
    assert "온라인 이의신청 기간이 지났습니다" in closed and "수거일로부터" in closed
    form = in_korean(client, reverse("disputes:new", args=[recent.id]))
    assert "이미 검토 중" in form and "이의신청하기" not in form and "already open" not in form
    assert "신청 무게" in in_korean(client, reverse("disputes:mine"))


def test_the_owners_pickup_requests_and_handover_pages(client, owner, pickup_request, handover):
    client.force_login(owner)
    requests = in_english(client, reverse("pickup_requests:mine"))
    assert "Extra pickup" in requests and "Kitchen 1 bin" in requests and "Received" in requests
    assert "Cancel the request" in requests and "please call Mapo-gu Office" in requests
    report = in_english(client, reverse("handovers:report"))
    assert "Closing or selling" in report and "Reported" in report and "What happens?" in report

    requests = in_korean(client, reverse("pickup_requests:mine"))
    assert "추가 수거 요청" in requests and "Kitchen 1 용기" in requests and "요청 취소" in requests
    report = in_korean(client, reverse("handovers:report"))
    assert "폐업 · 양도 신고" in report and "무엇을 신고하시나요?" in report and "What happens?" not in report


def test_the_crews_stops(client, collector, pickups, pickup_request):
    client.force_login(collector)
    stops = in_english(client, reverse("stops"))
    assert "Today's stops · 20 Nov" in stops and "Requests for today" in stops and "Mark done" in stops
    assert "The bin was not put out" in stops

    stops = in_korean(client, reverse("stops"))
    assert "오늘의 수거 목록 · 11월 20일" in stops and "처리 완료" in stops
    assert "용기가 배출되지 않아 수거하지 못했습니다" in stops


def test_the_officials_review_and_console_pages(client, official, pickups, dispute, pickup_request, handover, scale):
    client.force_login(official)
    review = in_english(client, reverse("disputes:review"))
    assert review.count('data-testid="open-dispute"') == 1 and review.count('data-testid="scale-flagged"') == 1
    assert "Held scans are released or voided in the review queue" in review
    assert "Void the scan" in review and "inspection due" in review
    for url in [
        reverse("pickup_requests:review"),
        reverse("handovers:review"),
        reverse("handovers:decide", args=[handover.id]),
        reverse("scales:list"),
        reverse("scales:detail", args=[scale.id]),
        reverse("scales:weighings") + "?scale=MAPO-7",
        reverse("scales:weighings") + "?scale=NOT-REGISTERED",
        reverse("review:held"),
        reverse("review:rules"),
    ]:
        in_english(client, url)

    review = in_korean(client, reverse("disputes:review"))
    assert "보류 수거 검토에서" in review and "무효 처리" in review and "Void the scan" not in review
    assert "정기검사 기한 지남" in in_korean(client, reverse("scales:list"))
    assert "저울별 계량" in in_korean(client, reverse("scales:weighings") + "?scale=MAPO-7")
    assert "고른 수거를 청구 대상으로 돌리기" in in_korean(client, reverse("review:held"))
    assert "무게 z-점수 한도" in in_korean(client, reverse("review:rules"))
    assert "반려" in in_korean(client, reverse("handovers:decide", args=[handover.id]))
    assert "수거 요청 검토" in in_korean(client, reverse("pickup_requests:review"))


def _error(response):
    return response.status_code, response.json()["error"]["code"], response.json()["error"]["message"]


def test_domain_errors_from_the_api_follow_the_readers_language(api, owner, official, collector, pickups, scale):
    void = pickups["recent"]
    void.status = "void"
    void.save(update_fields=["status"])
    yesterday = (NOW - timedelta(days=1)).date().isoformat()
    asks = [
        (owner, "/api/v1/disputes/", {"collection": str(void.id), "reason": "wrong"}),
        (
            owner,
            "/api/v1/pickup-requests/",
            {"bin": str(void.bin_id), "kind": "extra_pickup", "requested_for": yesterday},
        ),
        (collector, "/api/v1/collections/batch/", {"events": "not a list"}),
        (official, f"/api/v1/collections/{void.id}/status/", {"status": "void", "reason": "again"}),
        (
            official,
            "/api/v1/scales/",
            {"serial": "MAPO-7", "hauler": str(scale.hauler_id), "inspected_on": "2026-01-02"},
        ),
    ]
    english = {
        "not_disputable": "Only billable or held collections can be disputed.",
        "date_in_past": "An extra pickup cannot be asked for a past day.",
        "validation_error": "A list of events is required.",
        "status_already_changed": "The scan is already Void.",
        "scale_exists": "Scale MAPO-7 is already registered.",
    }
    korean = {
        "not_disputable": "청구 대상이거나 확인 대기 중인 수거 기록만 이의신청할 수 있습니다.",
        "date_in_past": "지난 날짜에는 추가 수거를 요청할 수 없습니다.",
        "validation_error": "events 목록이 필요합니다.",
        "status_already_changed": "이미 '무효' 상태입니다.",
        "scale_exists": "저울 MAPO-7은(는) 이미 등록되어 있습니다.",
    }
    for user, url, body in asks:
        api.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
        status, code, message = _error(api.as_user(user).post(url, body, format="json"))
        assert message == korean[code], url
        api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert _error(api.as_user(user).post(url, body, format="json")) == (status, code, english[code]), url


def test_the_open_data_page_and_its_errors_for_anyone(client, api, city, now):
    page = in_english(client, reverse("open-data"))
    assert "Open data: collected food waste" in page and "fewer than 5 restaurants" in page
    assert "from=2025-11&amp;to=2026-10" in page  # the last twelve months published
    page = in_korean(client, reverse("open-data"))
    assert "공공데이터: 음식물류 폐기물 수거량" in page and "5곳 미만" in page and "No totals" not in page

    backwards = {"municipality": city.code, "from": "2026-10", "to": "2026-09"}
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    error = api.get("/api/v1/open-data/volumes/", backwards).json()["error"]
    assert (error["code"], error["message"]) == ("invalid_month_range", "The last month is before the first month.")
    api.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    error = api.get("/api/v1/open-data/volumes/", backwards).json()["error"]
    assert (error["code"], error["message"]) == ("invalid_month_range", "종료 월이 시작 월보다 빠릅니다.")
