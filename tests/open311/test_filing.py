"""Filing through Open311: the key, the tag as proof, and the owner's page's own rules."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from backend.notifications.models import Notice
from backend.open311.models import ServiceRequest
from backend.open311.services import revoke_api_key
from backend.pickup_requests.models import PickupRequest
from backend.tags.models import TagReport
from tests.open311.conftest import BASE
from tests.pickup_requests.conftest import seoul

pytestmark = pytest.mark.django_db


def error_of(response):
    [error] = response.json()
    assert error["code"] == response.status_code
    return response.status_code, error["reason"]


def test_a_request_with_the_printed_code_is_the_owners_pickup_request_and_the_owner_is_told(
    file, tag, owner, official, frozen
):
    response = file("missed_pickup", tag=tag.manual_code_display.lower(), description="아침에 안 가져갔어요")
    assert response.status_code == 201, response.content
    pickup = PickupRequest.objects.get()
    assert (pickup.kind, pickup.bin, pickup.requested_for) == ("missed_pickup", tag.bin, seoul(2026, 10, 5).date())
    assert pickup.requested_by == official  # under the name of the official who issued the key
    filed = ServiceRequest.objects.get()
    assert str(filed.id) == response.json()[0]["service_request_id"]
    assert filed.api_key.app_name == "새올 민원 시스템"
    notice = Notice.objects.get(recipient=owner)
    assert notice.kind == "pickup_request_received" and notice.about == str(pickup.steps.get().id)


def test_a_lost_tag_becomes_a_tag_report_for_the_officials_and_the_owner_is_told(file, tag, owner, frozen):
    response = file("tag_problem", tag=tag.url, description="비에 젖어 떨어짐", **{"attribute[problem]": "damaged"})
    assert response.status_code == 201, response.content
    report = TagReport.objects.get()
    assert (report.bin, report.kind, report.note, report.tag) == (tag.bin, "damaged", "비에 젖어 떨어짐", tag)
    notice = Notice.objects.get(recipient=owner)
    assert (notice.kind, notice.about) == ("tag_reported", str(report.id))
    assert "주방 1" in notice.subject and "태그가 훼손되었어요" in notice.body and "비에 젖어 떨어짐" in notice.body
    assert error_of(file("tag_problem", tag=tag.url, **{"attribute[problem]": "lost"})) == (400, "tag_report_open")
    assert error_of(file("tag_problem", tag=tag.url, **{"attribute[problem]": "stolen"})) == (400, "validation_error")


def test_no_key_a_wrong_key_and_a_revoked_key_are_403(file, tag, issued, official, frozen):
    assert error_of(file("extra_pickup", tag=tag.url, api_key="")) == (403, "api_key_required")
    assert error_of(file("extra_pickup", tag=tag.url, api_key="o311_guess")) == (403, "api_key_invalid")
    assert file("extra_pickup", tag=tag.url).status_code == 201
    revoke_api_key(key=issued[0], by=official)
    assert error_of(file("extra_pickup", tag=tag.url, **{"attribute[requested_for]": "2026-10-06"})) == (
        403,
        "api_key_invalid",
    )
    assert PickupRequest.objects.count() == 1


def test_a_wrong_unknown_or_foreign_tag_code_is_refused(file, tag, f, other_city, frozen):
    assert error_of(file("extra_pickup")) == (400, "tag_required")
    assert error_of(file("extra_pickup", tag="ABCD-EFGH-J")) == (400, "manual_code_typo")
    assert error_of(file("extra_pickup", tag="not a tag")) == (400, "unknown_tag")
    elsewhere = f.TagFactory(
        bin=f.BinFactory(restaurant=f.RestaurantFactory(district=f.DistrictFactory(municipality=other_city)))
    )
    # A real code of another municipality answers like one that does not exist.
    assert error_of(file("extra_pickup", tag=elsewhere.url)) == (400, "unknown_tag")
    assert error_of(file("pothole", tag=tag.url)) == (400, "unknown_service")
    assert not PickupRequest.objects.exists()


def test_the_owners_page_rules_come_back_as_open311_errors(file, tag, official, frozen):
    assert file("extra_pickup", tag=tag.url).status_code == 201
    assert error_of(file("extra_pickup", tag=tag.url)) == (400, "duplicate_request")
    assert error_of(file("extra_pickup", tag=tag.url, **{"attribute[requested_for]": "2026-10-04"})) == (
        400,
        "date_in_past",
    )
    assert error_of(file("extra_pickup", tag=tag.url, **{"attribute[requested_for]": "next week"})) == (
        400,
        "validation_error",
    )
    restaurant = tag.bin.restaurant
    restaurant.close(on=seoul(2026, 10, 5).date())
    response = file("missed_pickup", tag=tag.url)
    assert error_of(response) == (400, "restaurant_closed")
    assert "폐업" in response.json()[0]["description"] or "closed" in response.json()[0]["description"]


def test_a_key_files_for_its_own_municipality_only(file, tag, other_city, frozen):
    response = file("extra_pickup", tag=tag.url, jurisdiction_id=other_city.code)
    assert error_of(response) == (403, "jurisdiction_mismatch")


@override_settings(OPEN311_RATE_PER_KEY="2/min")
def test_each_key_is_rate_limited_on_its_own(file, tag, f, official, frozen):
    from backend.open311.services import issue_api_key

    cache.clear()
    second = f.BinFactory(restaurant=tag.bin.restaurant)
    other_tag = f.TagFactory(bin=second)
    assert file("extra_pickup", tag=tag.url).status_code == 201
    assert error_of(file("extra_pickup", tag=tag.url)) == (400, "duplicate_request")
    limited = file("missed_pickup", tag=other_tag.url)
    assert error_of(limited) == (429, "throttled")
    assert int(limited["Retry-After"]) > 0
    _key, another = issue_api_key(municipality_id=official.municipality_id, app_name="다른 앱", by=official)
    assert file("missed_pickup", tag=other_tag.url, api_key=another).status_code == 201
    cache.clear()


def test_malformed_bodies_are_400_not_500(client, issued, tag, frozen):
    url = f"{BASE}/requests.json"
    broken = client.post(url, "{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()[0]["code"] == 400
    listed = client.post(url, "[1, 2]", content_type="application/json")
    assert listed.status_code == 400
    nul = client.post(
        url, {"service_code": "extra_pickup", "api_key": issued[1], "attribute[tag]": tag.url, "description": "a\x00b"}
    )
    assert error_of(nul) == (400, "invalid_text")
    as_json = client.post(
        url,
        {"service_code": "extra_pickup", "api_key": issued[1], "attribute": {"tag": tag.url}},
        content_type="application/json",
    )
    assert as_json.status_code == 201, as_json.content
