"""Each GeoReport v2 endpoint answers in the spec's shape (https://wiki.open311.org/GeoReport_v2)."""

import re

import pytest

from backend.pickup_requests.services import assign_request
from tests.open311.conftest import BASE

pytestmark = pytest.mark.django_db
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$")


def test_discovery_names_the_v2_endpoint_and_its_format(client):
    body = client.get(f"{BASE}/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert ISO_WITH_OFFSET.match(body["changeset"])


def test_services_are_listed_in_korean_or_english_with_the_spec_fields(client):
    korean = client.get(f"{BASE}/services.json").json()
    assert [s["service_code"] for s in korean] == ["extra_pickup", "missed_pickup", "tag_problem"]
    assert set(korean[0]) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert korean[0]["metadata"] is True and korean[0]["type"] == "realtime"
    assert korean[0]["service_name"] == "추가 수거 요청"
    english = client.get(f"{BASE}/services.json", {"locale": "en"})
    assert english.json()[0]["service_name"] == "Extra pickup"
    assert english["Content-Language"] == "en"


def test_a_service_definition_requires_the_bin_tag(client):
    body = client.get(f"{BASE}/services/tag_problem.json", {"locale": "en"}).json()
    assert body["service_code"] == "tag_problem"
    tag, problem = body["attributes"]
    assert (tag["code"], tag["required"], tag["variable"], tag["datatype"]) == ("tag", True, True, "string")
    assert problem["datatype"] == "singlevaluelist"
    assert [v["key"] for v in problem["values"]] == ["lost", "damaged"]
    assert set(tag) >= {"variable", "code", "datatype", "required", "datatype_description", "order", "description"}


def test_unknown_services_paths_and_jurisdictions_are_404_in_the_spec_error_shape(client):
    for url in (f"{BASE}/services/nope.json", f"{BASE}/services.csv", f"{BASE}/requests/123.json"):
        response = client.get(url)
        assert response.status_code == 404, url
        [error] = response.json()
        assert error["code"] == 404 and error["description"]
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "00000"})
    assert (response.status_code, response.json()[0]["reason"]) == (404, "jurisdiction_not_found")


def test_a_request_reads_back_as_an_array_of_one_and_follows_its_steps(client, file, tag, official, frozen):
    filed = file(
        "extra_pickup",
        tag=tag.url,
        description="행사 후 추가 수거 부탁드립니다",
        **{"attribute[requested_for]": "2026-10-06"},
    )
    assert filed.status_code == 201
    [answer] = filed.json()
    request_id = answer["service_request_id"]
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}

    [shown] = client.get(f"{BASE}/requests/{request_id}.json", {"jurisdiction_id": "11440"}).json()
    assert shown["status"] == "open" and shown["service_code"] == "extra_pickup"
    assert shown["description"] == "행사 후 추가 수거 부탁드립니다"
    assert shown["address"] == tag.bin.restaurant.address
    for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert ISO_WITH_OFFSET.match(shown[field]) and shown[field].endswith("+09:00"), field
    assert shown["expected_datetime"] == "2026-10-07T00:00:00+09:00"
    assert shown["agency_responsible"] == "서울특별시 마포구"

    from backend.municipalities.models import Hauler
    from tests.factories import HaulerFactory

    hauler = HaulerFactory(municipality=official.municipality, name="마포환경")
    hauler.districts.add(tag.bin.restaurant.district)
    pickup = tag.bin.pickup_requests.get()
    assign_request(pickup=pickup, by=official, hauler=Hauler.objects.get(id=hauler.id), reason="오후 배차")
    [shown] = client.get(f"{BASE}/requests/{request_id}.json").json()
    assert shown["agency_responsible"] == "마포환경"
    assert shown["status_notes"] == "배정: 오후 배차"


def test_the_request_list_filters_by_status_code_and_date_and_keeps_to_the_jurisdiction(
    client, file, tag, official, other_city, frozen, django_assert_max_num_queries
):
    from backend.pickup_requests.services import reject_request

    extra = file("extra_pickup", tag=tag.manual_code_display).json()[0]["service_request_id"]
    lost = file("tag_problem", tag=tag.code, **{"attribute[problem]": "lost"}).json()[0]["service_request_id"]
    reject_request(pickup=tag.bin.pickup_requests.get(), by=official, reason="수거 차량 부족")

    def ids(**params):
        with django_assert_max_num_queries(4):
            response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return [row["service_request_id"] for row in response.json()]

    assert ids() == [lost, extra]
    assert ids(status="open") == [lost]
    assert ids(status="closed") == [extra]
    assert ids(service_code="extra_pickup") == [extra]
    assert ids(start_date="2026-10-06T00:00:00+09:00") == []
    assert ids(end_date="2026-10-06T00:00:00Z", start_date="2026-10-01T00:00:00Z") == [lost, extra]
    assert ids(end_date="2026-10-05T00:00:00Z") == []  # 09:00 in Seoul, before they were filed
    assert ids(service_request_id=f"{extra},not-a-uuid") == [extra]
    assert ids(jurisdiction_id=other_city.code) == []
    bad = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert (bad.status_code, bad.json()[0]["code"]) == (400, 400)


def test_the_same_answers_in_the_specs_xml(client, issued, tag, frozen):
    from xml.etree import ElementTree

    def xml(url, **params):
        response = client.get(f"{BASE}/{url}", params)
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        return response.status_code, ElementTree.fromstring(response.content)

    _status, services = xml("services.xml")
    assert services.tag == "services"
    assert [s.findtext("service_code") for s in services.findall("service")] == [
        "extra_pickup",
        "missed_pickup",
        "tag_problem",
    ]
    assert services.find("service/metadata").text == "true"
    _status, definition = xml("services/tag_problem.xml")
    assert definition.tag == "service_definition"
    assert [v.findtext("key") for v in definition.findall("attributes/attribute/values/value")] == ["lost", "damaged"]

    filed = client.post(
        f"{BASE}/requests.xml", {"service_code": "missed_pickup", "api_key": issued[1], "attribute[tag]": tag.url}
    )
    assert filed.status_code == 201
    created = ElementTree.fromstring(filed.content)
    request_id = created.findtext("request/service_request_id")
    _status, shown = xml(f"requests/{request_id}.xml")
    assert shown.tag == "service_requests" and shown.findtext("request/status") == "open"
    assert shown.find("request/media_url").text is None  # the spec's empty element
    status, errors = xml("requests/nope.xml")
    assert (status, errors.tag, errors.findtext("error/code")) == (404, "errors", "404")
