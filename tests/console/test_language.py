"""The officials' console (restaurants, bins, tags, label sheets, tag reports, rounds), the
audit history on its pages and the reports: Korean by default, English through the
language switch, with no Korean left on an English page outside what is marked lang="ko"
(names and addresses from the register, bins' labels, what people typed)."""

import re
from datetime import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from backend.core.audit import change_reason
from tests.owner.conftest import SEOUL
from tests.owner.test_language import HANGUL, korean_outside_lang_ko

pytestmark = pytest.mark.django_db


def korean_left(page: str, tolerated: list[str]) -> list[str]:
    left = []
    for text in korean_outside_lang_ko(page):
        rest = text
        for known in tolerated:
            rest = rest.replace(known, "")
        if HANGUL.search(rest):
            left.append(text)
    return left


@pytest.fixture
def console(f, city, district, official, owner, tag, scan_at):
    """A restaurant with its register's Korean name and address, a bin, a tag, a
    collection, a history, an open tag report, a label sheet and a hauler's round.
    """
    from backend.tags.models import LabelSheet, TagReport

    restaurant = tag.bin.restaurant
    with change_reason("상호 변경 신고"):
        restaurant.address = "서울 마포구 와우산로 12"
        restaurant.save()
    scan_at(tag, datetime(2026, 11, 19, 9, tzinfo=SEOUL), 7_000)
    TagReport.objects.create(bin=tag.bin, tag=tag, kind="lost", note="뚜껑째 없어짐", reported_by=owner)
    sheet = LabelSheet.objects.create(municipality=city, requested_by=official, tag_count=1, status="done")
    hauler = f.HaulerFactory(municipality=city, name="마포환경")
    hauler.districts.add(district)
    return {"restaurant": restaurant, "bin": tag.bin, "tag": tag, "sheet": sheet, "hauler": hauler}


@pytest.fixture
def scan_at(f, collector):
    def make(tag, when, grams):
        return f.CollectionEventFactory(tag=tag, collector=collector, collected_at=when, weight_g=grams)

    return make


def console_pages(console) -> list[tuple[str, str, str]]:
    """(url, a text of the English page, the same on the Korean page)."""
    restaurant, bin, tag = console["restaurant"], console["bin"], console["tag"]
    return [
        (reverse("console:restaurants"), "Register a restaurant", "음식점 등록"),
        (reverse("console:restaurant", args=[restaurant.pk]), "Recent collections", "최근 수거 기록"),
        (reverse("console:restaurant-edit", args=[restaurant.pk]), "Reason for the change", "변경 사유"),
        (reverse("console:restaurant-create"), "Business number", "사업자등록번호"),
        (reverse("console:restaurant-close", args=[restaurant.pk]), "Close the restaurant", "폐업 처리"),
        (reverse("console:bin-add", args=[restaurant.pk]), "Capacity (litres)", "용량 (L)"),
        (reverse("console:bin-edit", args=[bin.pk]), "Collection days", "수거 요일"),
        (reverse("console:bin-retire", args=[bin.pk]), "Retire the bin", "용기 사용 중지"),
        (reverse("console:tag-replace", args=[tag.code]), "Replace the tag", "태그 교체"),
        (reverse("console:tag-revoke", args=[tag.code]), "Revoke the tag", "태그 폐기"),
        (reverse("console:bins-bulk"), "From a CSV file", "CSV 파일로"),
        (reverse("console:tags-bulk"), "On to label sheets", "라벨 인쇄로"),
        (reverse("console:tag-reports"), "Lost or damaged tags", "태그 분실·훼손 신고"),
        (reverse("console:api-keys"), "Make a key", "키 만들기"),
        (reverse("console:label-sheets"), "Make the A4 PDF", "A4 PDF 만들기"),
        (reverse("console:label-sheet", args=[console["sheet"].pk]), "Download the PDF", "PDF 내려받기"),
        (reverse("routes:haulers"), "Districts served", "담당 구역"),
        (reverse("routes:round", args=[console["hauler"].pk]), "Bins and their order", "용기와 순서"),
        (reverse("analytics:reports") + "?from=2026-11-01&to=2026-11-30", "Scan quality", "스캔 품질"),
    ]


def test_an_official_switches_the_console_to_english_and_back(client, official, console):
    client.force_login(official)
    pages = console_pages(console)
    for url, english, korean in pages:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert '<html lang="ko">' in page and korean in page, url
        assert english not in page, url

    response = client.post("/i18n/setlang/", {"language": "en", "next": pages[0][0]})
    assert response.status_code == 302 and client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # A restaurant's page is titled with its name, and a <title> cannot mark a part of itself.
    tolerated = [f"{console['restaurant'].name} · Food-waste billing"]
    for url, english, _korean in pages:
        page = client.get(url).content.decode()
        assert '<html lang="en">' in page and english in page, url
        assert korean_left(page, tolerated) == [], url

    detail = client.get(reverse("console:restaurant", args=[console["restaurant"].pk])).content.decode()
    assert '<span lang="ko">할매순대국</span>' in detail and '<dd lang="ko">서울 마포구 와우산로 12</dd>' in detail
    assert '<span lang="ko">상호 변경 신고</span>' in detail and ">History</h2>" in detail
    report = client.get(reverse("analytics:reports") + "?from=2026-11-01&to=2026-11-30").content.decode()
    assert "November 2026" in report and "7.000 kg" in report

    client.post("/i18n/setlang/", {"language": "ko", "next": pages[0][0]})
    page = client.get(pages[0][0]).content.decode()
    assert '<html lang="ko">' in page and "음식점 등록" in page and "Register a restaurant" not in page


def test_what_the_console_says_after_a_form_is_sent_follows_the_language(client, official, console):
    client.force_login(official)
    bin = console["bin"]
    round_url = reverse("routes:round", args=[console["hauler"].pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.post(round_url, {f"position-{bin.pk}": "abc"}).content.decode()
    assert "A number from 1 to 99999, please." in page and "Some numbers need fixing" in page
    assert korean_outside_lang_ko(page) == []
    page = client.post(round_url, {f"position-{bin.pk}": "1"}, follow=True).content.decode()
    assert "The round&#x27;s order is saved." in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    page = client.post(round_url, {f"position-{bin.pk}": "abc"}).content.decode()
    assert "1부터 99999까지의 숫자를 적어 주세요." in page and "고칠 곳이 있습니다" in page
    page = client.post(reverse("console:tags-bulk"), follow=True).content.decode()
    assert "태그 0개를 발급했습니다." in page  # the one bin has its tag already


@pytest.mark.parametrize(
    ("request_", "code", "english", "korean"),
    [
        (
            lambda api, ctx: api.as_user(ctx["official"]).get(
                "/api/v1/reports/volume/", {"from": "2026-11-30", "to": "2026-11-01", "group": "month"}
            ),
            "invalid_date_range",
            "The end date is before the start date.",
            "종료일이 시작일보다 빠릅니다.",
        ),
        (
            lambda api, ctx: api.as_user(ctx["official"]).get(
                "/api/v1/reports/volume/", {"from": "2026-11-01", "to": "2026-11-30", "group": "quarter"}
            ),
            "invalid_group",
            "group must be one of day, week, month, year, district, dong, business_type, hauler, crew, restaurant.",
            "묶음 기준(group)은 day, week, month, year, district, dong, business_type, hauler, crew, restaurant"
            " 중 하나입니다.",
        ),
        (
            lambda api, ctx: api.as_user(ctx["official"]).put(
                f"/api/v1/haulers/{ctx['hauler'].id}/route/", {"bins": [str(ctx["bin"].id)] * 2}, format="json"
            ),
            "route_bin_repeated",
            "A bin is on the route twice.",
            "같은 용기가 경로에 두 번 들어 있습니다.",
        ),
        (
            lambda api, ctx: api.as_user(ctx["collector"]).get("/api/v1/crew/stops/", {"lat": "37.55"}),
            "incomplete_position",
            "Send both lat and lng, or neither.",
            "위도와 경도를 함께 보내 주세요.",
        ),
    ],
    ids=["report-dates", "report-group", "route-twice", "stops-position"],
)
def test_an_api_error_answers_in_the_readers_language_with_the_same_code(
    api, official, collector, hauler, bin, request_, code, english, korean
):
    context = {"official": official, "collector": collector, "hauler": hauler, "bin": bin}
    error = request_(api, context).json()["error"]
    assert (error["code"], error["message"]) == (code, korean)

    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    error = request_(api, context).json()["error"]
    assert (error["code"], error["message"]) == (code, english)
    assert not re.search(HANGUL, error["message"])


def test_owners_comparison_page_in_english(client, owner, restaurant):
    restaurant.name = "할매순대국"
    restaurant.save(update_fields=["name"])
    client.force_login(owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("my-comparison")).content.decode()
    assert '<html lang="en">' in page and "How my waste compares" in page
    assert '<span lang="ko">할매순대국</span>: compared with similar restaurants' in page
    assert korean_outside_lang_ko(page) == []


def test_a_restaurants_status_reads_as_a_status_not_as_a_notices_open_button(client, official, f, city, district):
    """ "Open" is also the notice page's button ("자세히 보기"): the status has its own words."""
    f.RestaurantFactory(municipality=city, district=district, name="영업하는 집")
    client.force_login(official)
    page = client.get(reverse("console:restaurants")).content.decode()
    assert "자세히 보기" not in page
    assert re.search(r"<option value=\"open\"[^>]*>영업 중</option>", page)
    assert '<span class="status status-open">영업 중</span>' in page

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("console:restaurants")).content.decode()
    assert re.search(r"<option value=\"open\"[^>]*>Open</option>", page)


def test_an_invited_person_reads_as_invited_not_as_a_sentence(client, official, f, city):
    newcomer = f.UserFactory(role="owner", invited_through=city, username="newcomer")
    newcomer.set_unusable_password()
    newcomer.save()
    client.force_login(official)
    page = client.get(reverse("people:list")).content.decode()
    assert "초대했습니다" not in page and "초대됨" in page


def test_a_label_sheet_waiting_its_turn_is_not_awaiting_a_confirmation(as_official, city, official):
    from backend.tags.models import LabelSheet

    LabelSheet.objects.create(municipality=city, requested_by=official, tag_count=3, status="pending")
    page = as_official.get(reverse("console:label-sheets")).content.decode()
    assert "· 대기 중</a>" in page and "확인 대기" not in page
