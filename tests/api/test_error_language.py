"""Domain errors from tags, restaurants and accounts answer in the caller's language:
Korean by default, English with the language cookie; the machine code is the same."""

import pytest
from django.conf import settings

from tests.api.test_restaurants_and_bins import RESTAURANTS, restaurant_body

pytestmark = pytest.mark.django_db


def in_both_languages(api, send):
    """(Korean answer, English answer) of the same request."""
    korean = send()
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = send()
    del api.cookies[settings.LANGUAGE_COOKIE_NAME]
    return korean, english


def test_a_tag_for_a_retired_bin(api, official, bin):
    bin.status = "retired"
    bin.save(update_fields=["status"])
    client = api.as_user(official)
    korean, english = in_both_languages(client, lambda: client.post(f"/api/v1/bins/{bin.id}/tags/", {}, format="json"))
    assert korean.status_code == english.status_code == 409
    assert korean.json()["error"]["code"] == english.json()["error"]["code"] == "bin_retired"
    assert korean.json()["error"]["message"] == "사용 중지된 용기입니다."
    assert english.json()["error"]["message"] == "This bin is retired."


def test_a_business_number_with_a_wrong_check_digit(api, official, district):
    client = api.as_user(official)
    korean, english = in_both_languages(
        client,
        lambda: client.post(RESTAURANTS, restaurant_body(district, business_number="124-81-00999"), format="json"),
    )
    assert korean.json()["error"]["code"] == english.json()["error"]["code"] == "invalid_business_number"
    assert korean.json()["error"]["message"] == "사업자등록번호가 올바르지 않습니다."
    assert english.json()["error"]["message"] == "The business registration number is not valid."


def test_a_wrong_password(api, collector):
    korean, english = in_both_languages(
        api,
        lambda: api.post("/api/v1/auth/token/", {"username": "collector", "password": "wrong"}, format="json"),
    )
    assert korean.status_code == english.status_code == 400
    assert korean.json()["error"]["code"] == english.json()["error"]["code"] == "invalid_credentials"
    assert korean.json()["error"]["message"] == "아이디 또는 비밀번호가 올바르지 않습니다."
    assert english.json()["error"]["message"] == "Wrong username or password."


def test_a_field_message_follows_the_language_too(api, official, owner, other_owner, district):
    """The message repeated under `fields` is worded in the same language as the message."""
    client = api.as_user(official)
    korean, english = in_both_languages(
        client,
        lambda: client.post(RESTAURANTS, restaurant_body(district, owner="other_owner"), format="json"),
    )
    assert korean.json()["error"]["code"] == english.json()["error"]["code"] == "owner_not_in_municipality"
    assert english.json()["error"]["fields"]["owner"] == [english.json()["error"]["message"]]
    assert english.json()["error"]["message"].startswith("Only an owner who belongs to this municipality")
    assert korean.json()["error"]["fields"]["owner"][0].startswith("이 지자체에 속하거나")
