"""A person's language is kept on their account: pressing the header's switch while
signed in (Django's set_language view, unchanged) or choosing it on the notice settings
page stores it; signing in on a phone without a language cookie sets the cookie to it."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from backend.accounts.models import User

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME
PASSWORD = "password-for-tests"  # tests/factories.py


def stored(user) -> str:
    return User.objects.values_list("language", flat=True).get(id=user.id)


def sign_in(client: Client, user) -> object:
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


def test_switching_language_while_signed_in_stores_it(client, owner):
    client.force_login(owner)
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("owner-bins")})
    # Django's own answer, as before: back to `next`, with the cookie.
    assert response.status_code == 302 and response["Location"] == reverse("owner-bins")
    assert response.cookies[COOKIE].value == "en"
    assert stored(owner) == "en"
    client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    assert stored(owner) == "ko"


def test_switching_while_signed_out_or_to_an_unknown_language_stores_nothing(client, owner):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.cookies[COOKIE].value == "en"
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert stored(owner) == ""


def test_signing_in_on_a_phone_without_the_cookie_gets_the_stored_language(owner):
    owner.language = "en"
    owner.save(update_fields=["language"])
    phone = Client()
    response = sign_in(phone, owner)
    assert response.status_code == 302 and response.cookies[COOKIE].value == "en"
    home = phone.get(reverse("home")).content.decode()
    assert '<html lang="en">' in home and "This month so far" in home


def test_signing_in_with_no_stored_language_sets_no_cookie(owner):
    phone = Client()
    response = sign_in(phone, owner)
    assert response.status_code == 302 and COOKIE not in response.cookies
    assert '<html lang="ko">' in phone.get(reverse("home")).content.decode()


def test_a_choice_made_before_signing_in_goes_to_an_account_that_never_chose(owner):
    phone = Client()
    phone.post("/i18n/setlang/", {"language": "en", "next": reverse("login")})
    sign_in(phone, owner)
    assert stored(owner) == "en"


def test_a_phone_with_a_cookie_keeps_it_and_the_account_keeps_its_choice(owner):
    owner.language = "en"
    owner.save(update_fields=["language"])
    phone = Client()
    phone.cookies[COOKIE] = "ko"
    response = sign_in(phone, owner)
    assert COOKIE not in response.cookies and stored(owner) == "en"
    assert '<html lang="ko">' in phone.get(reverse("home")).content.decode()


def test_a_wrong_password_changes_no_language(owner):
    owner.language = "en"
    owner.save(update_fields=["language"])
    phone = Client()
    response = phone.post(reverse("login"), {"username": owner.username, "password": "wrong"})
    assert response.status_code == 200 and COOKIE not in response.cookies


def test_the_notice_settings_page_chooses_the_language_too(client, owner):
    client.force_login(owner)
    page = client.get("/notices/settings/").content.decode()
    assert 'name="language" value="ko"' in page and "checked" in page.split('value="ko"')[1].split(">")[0]
    response = client.post(
        "/notices/settings/",
        {"email": "on", "quiet_hours": "on", "quiet_start": "21:00", "quiet_end": "08:00", "language": "en"},
        follow=True,
    )
    assert stored(owner) == "en"
    assert client.cookies[COOKIE].value == "en"  # the site follows at once
    page = response.content.decode()
    assert '<html lang="en">' in page and "Your notice settings were saved." in page
    assert "<h1>Notice settings</h1>" in page


def test_the_settings_page_refuses_a_language_the_site_does_not_have(client, owner):
    client.force_login(owner)
    response = client.post(
        "/notices/settings/",
        {"email": "on", "quiet_hours": "on", "quiet_start": "21:00", "quiet_end": "08:00", "language": "fr"},
    )
    assert response.status_code == 400 and stored(owner) == ""
