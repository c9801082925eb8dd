"""The officials' people pages and the pages a one-time link opens: Korean by default,
English through the language switch, with no Korean left on an English page outside
what is marked lang="ko" (names from the register: restaurants, haulers)."""

import pytest
from django.conf import settings
from django.urls import reverse

from backend.accounts import services as accounts
from backend.accounts.models import LinkKind
from tests.owner.test_language import korean_outside_lang_ko

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(f, official, owner, restaurant, collector):
    """An owner with a restaurant, a crew member at a hauler, an invited owner without a
    password: every row kind the list shows."""
    owner.set_password("sunday-market-42")
    owner.save()
    collector.set_password("sunday-market-42")
    collector.save()
    invited = f.UserFactory(username="invited", role="owner", invited_through=official.municipality)
    invited.set_unusable_password()
    invited.save()
    f.RestaurantFactory(district=restaurant.district, owner=None, name="마포갈비")
    return {"owner": owner, "collector": collector, "invited": invited}


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_people_list_is_korean_by_default_and_english_on_request(client, official, people):
    client.force_login(official)
    korean = client.get(reverse("people:list")).content.decode()
    assert '<html lang="ko">' in korean
    assert (
        "업주·작업자 계정" in korean and "업주 초대" in korean and "음식점 업주" in korean and "수거 작업자" in korean
    )
    assert "Owners and crews" not in korean

    page = english(client).get(reverse("people:list")).content.decode()
    assert '<html lang="en">' in page
    assert "Owners and crews" in page and "Invite an owner" in page
    assert "Restaurant owner" in page and "Crew member" in page and "Invited" in page
    assert '<span lang="ko">할매순대국</span>' in page  # the register's name, as written
    assert korean_outside_lang_ko(page) == []


def test_inviting_and_deactivating_read_in_english(client, official, people):
    client = english(client)
    client.force_login(official)
    for url in (
        reverse("people:invite-owner"),
        reverse("people:invite-owner") + "?q=Mapo",
        reverse("people:invite-crew"),
        reverse("people:deactivate", args=[people["owner"].pk]),
    ):
        page = client.get(url).content.decode()
        assert korean_outside_lang_ko(page) == [], url
    invite_page = client.get(reverse("people:invite-owner")).content.decode()
    assert "Mobile phone (010-XXXX-XXXX)" in invite_page and "Showing restaurants without an owner." in invite_page

    restaurant = people["owner"].restaurants.get()
    refused = client.post(reverse("people:invite-owner"), {"target": str(restaurant.pk)}).content.decode()
    assert "Give an email address, a phone number or a name." in refused
    assert korean_outside_lang_ko(refused) == []

    free = people["owner"].restaurants.model.objects.get(name="마포갈비")
    invited = client.post(reverse("people:invite-owner"), {"target": str(free.pk), "phone": "010-1234-5678"})
    page = invited.content.decode()
    assert "No email address, so the link was not sent." in page and "/welcome/" in page
    assert korean_outside_lang_ko(page) == []

    gone = client.post(reverse("people:deactivate", args=[people["collector"].pk]), {"reason": "Left the company"})
    listing = client.get(gone["Location"]).content.decode()
    assert "Account collector deactivated." in listing
    assert korean_outside_lang_ko(listing) == []


def test_the_link_pages_read_in_english_and_in_korean(client, official, people):
    _link, token = accounts.make_link(user=people["invited"], kind=LinkKind.INVITATION, by=official)
    welcome = reverse("people:welcome", args=[token])
    korean = client.get(welcome).content.decode()
    assert "환영합니다" in korean and "비밀번호 저장" in korean and "Welcome" not in korean

    client = english(client)
    pages = {
        welcome: "Welcome",
        reverse("people:welcome", args=["no-such-token"]): "This link cannot be used",
        reverse("people:reset-request"): "Forgot your password",
    }
    for url, heading in pages.items():
        page = client.get(url).content.decode()
        assert '<html lang="en">' in page and heading in page, url
        assert korean_outside_lang_ko(page) == [], url

    differ = client.post(welcome, {"password": "sunday-market-42", "password2": "another-one-42"})
    assert "The two passwords differ." in differ.content.decode()
    received = client.post(reverse("people:reset-request"), {"login": "nobody"}).content.decode()
    assert "Request received" in received and korean_outside_lang_ko(received) == []

    used = client.post(welcome, {"password": "sunday-market-42", "password2": "sunday-market-42"}, follow=True)
    assert "Your password is set: sign in now." in used.content.decode()
    again = client.get(welcome)
    assert again.status_code == 404
    assert "This link has expired or was already used; ask for a new one." in again.content.decode()
