"""Officials invite owners and crews; a one-time link sets the password; a forgotten
password is reset the same way; a deactivated account is shut out everywhere."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from backend.accounts.models import AccountLink, User
from backend.notifications.models import Notice

PASSWORD = "sunday-market-42"


@pytest.fixture
def new_restaurant(f, district):
    return f.RestaurantFactory(district=district, owner=None, name="마포갈비")


@pytest.fixture
def sent(eager_celery, django_capture_on_commit_callbacks):
    """Run the notices' after-commit sending, in-process; yields the outbox."""

    class Outbox:
        def __call__(self, fn):
            with django_capture_on_commit_callbacks(execute=True):
                result = fn()
            return result

    return Outbox()


def link_in(message) -> str:
    return re.search(r"http\S+/(?:welcome|password-reset)/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def invite(api, official, restaurant, **contact):
    return api.as_user(official).post(
        "/api/v1/invitations/", {"restaurant": str(restaurant.id), **contact}, format="json"
    )


def test_invite_by_email_link_set_password_sign_in_and_see_the_restaurant(api, client, official, new_restaurant, sent):
    response = sent(lambda: invite(api, official, new_restaurant, email="Kim@Example.org", name="김사장"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["emailed"] is True and body["url"] is None  # the official never sees an emailed link
    assert body["user"]["username"] == "kim@example.org"
    (message,) = mail.outbox
    assert message.to == ["kim@example.org"] and "마포갈비" in message.body
    assert Notice.objects.get(kind="invitation").status == "sent"

    page = client.get(path_of(link_in(message)))
    assert page.status_code == 200 and "kim@example.org" in page.content.decode()
    done = client.post(path_of(link_in(message)), {"password": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("login")

    assert client.post(reverse("login"), {"username": "kim@example.org", "password": PASSWORD}).status_code == 302
    assert "마포갈비" in client.get(reverse("home")).content.decode()


def test_a_link_works_once(api, client, official, new_restaurant, sent):
    sent(lambda: invite(api, official, new_restaurant, email="kim@example.org"))
    url = path_of(link_in(mail.outbox[0]))
    assert client.post(url, {"password": PASSWORD, "password2": PASSWORD}).status_code == 302
    again = client.post(url, {"password": "another-pass-77", "password2": "another-pass-77"})
    assert again.status_code == 404 and "이미 사용" in again.content.decode()
    token = url.rstrip("/").rsplit("/", 1)[1]
    api_again = api.post(f"/api/v1/invitations/{token}/accept/", {"password": "another-pass-77"}, format="json")
    assert api_again.status_code == 404 and api_again.json()["error"]["code"] == "link_invalid"
    assert User.objects.get(username="kim@example.org").check_password(PASSWORD)


def test_an_expired_link_is_refused(api, official, new_restaurant, settings):
    settings.INVITATION_VALID_DAYS = 3
    response = invite(api, official, new_restaurant, phone="01012345678")
    token = response.json()["url"].rstrip("/").rsplit("/", 1)[1]
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        late = api.post(f"/api/v1/invitations/{token}/accept/", {"password": PASSWORD}, format="json")
    assert late.status_code == 404 and late.json()["error"]["code"] == "link_invalid"
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        in_time = api.post(f"/api/v1/invitations/{token}/accept/", {"password": PASSWORD}, format="json")
    assert in_time.status_code == 200, in_time.content


def test_phone_only_shows_the_link_to_the_official_and_sends_nothing(api, official, new_restaurant, sent):
    response = sent(lambda: invite(api, official, new_restaurant, phone="010 1234 5678"))
    body = response.json()
    assert body["emailed"] is False and body["channel"] == "handed" and "/welcome/" in body["url"]
    assert body["user"]["username"] == "010-1234-5678" and body["sent_to"] == "010-1234-5678"
    assert mail.outbox == [] and not Notice.objects.exists()


def test_a_badly_written_phone_is_refused(api, official, new_restaurant):
    response = invite(api, official, new_restaurant, phone="02-123-4567")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_phone"


def test_inviting_the_same_owner_again_adds_the_restaurant_to_one_account(api, f, official, district, new_restaurant):
    second = f.RestaurantFactory(district=district, owner=None, name="홍대분식")
    invite(api, official, new_restaurant, phone="010-5555-6666")
    invite(api, official, second, phone="01055556666")
    owner = User.objects.get(phone="010-5555-6666")
    assert sorted(r.name for r in owner.restaurants.all()) == ["마포갈비", "홍대분식"]
    assert User.objects.filter(role="owner", phone="010-5555-6666").count() == 1


def test_a_restaurant_with_another_owner_is_not_taken_over(api, official, restaurant):
    response = invite(api, official, restaurant, email="someone@example.org")
    assert response.status_code == 400 and response.json()["error"]["code"] == "restaurant_has_owner"


def test_officials_invite_crews_of_haulers_serving_their_districts(api, official, hauler, sent):
    response = sent(
        lambda: api.as_user(official).post(
            "/api/v1/invitations/", {"hauler": str(hauler.id), "email": "crew@example.org"}, format="json"
        )
    )
    assert response.status_code == 201, response.content
    crew = User.objects.get(email="crew@example.org")
    assert crew.role == "collector" and crew.hauler == hauler and not crew.has_usable_password()
    assert len(mail.outbox) == 1


def test_another_municipality_cannot_invite_for_or_deactivate_our_people(api, stranger, new_restaurant, hauler, owner):
    client = api.as_user(stranger)
    assert invite(api, stranger, new_restaurant, email="x@example.org").status_code == 404
    crew = client.post("/api/v1/invitations/", {"hauler": str(hauler.id), "email": "y@example.org"}, format="json")
    assert crew.status_code == 404
    refused = client.post(f"/api/v1/users/{owner.id}/deactivate/", {"reason": "test"}, format="json")
    assert refused.status_code == 404
    owner.refresh_from_db()
    assert owner.is_active and not User.objects.filter(email__in=["x@example.org", "y@example.org"]).exists()


def test_owners_and_crews_cannot_invite_or_deactivate(api, owner, collector, new_restaurant, other_owner):
    for user in (owner, collector):
        assert invite(api, user, new_restaurant, email="x@example.org").status_code == 403
        response = api.as_user(user).post(f"/api/v1/users/{other_owner.id}/deactivate/", {"reason": "x"})
        assert response.status_code == 403


def test_a_deactivated_owner_is_refused_on_the_login_page_and_the_api(api, client, official, owner):
    owner.set_password(PASSWORD)
    owner.save()
    client.force_login(owner)
    token = api.post("/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, format="json").json()["token"]
    response = api.as_user(official).post(
        f"/api/v1/users/{owner.id}/deactivate/", {"reason": "폐업 · closed down"}, format="json"
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert owner.deactivations.get().reason == "폐업 · closed down"

    assert client.get(reverse("home")).status_code == 302  # signed out of the open session too
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401
    api.credentials()
    assert (
        api.post("/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, format="json").status_code == 400
    )
    page = client.post(reverse("login"), {"username": "owner", "password": PASSWORD})
    assert page.status_code == 200 and not page.wsgi_request.user.is_authenticated


def test_deactivation_needs_a_reason(api, official, owner):
    response = api.as_user(official).post(f"/api/v1/users/{owner.id}/deactivate/", {"reason": " "}, format="json")
    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.is_active


@pytest.mark.parametrize("login", ["owner", "owner@example.org", "nobody", "nobody@example.org", "010-0000-0000"])
def test_a_reset_request_answers_the_same_whether_or_not_the_account_exists(api, client, owner, login, sent):
    owner.set_password(PASSWORD)
    owner.save()
    response = sent(lambda: api.post("/api/v1/password-resets/", {"login": login}, format="json"))
    assert response.status_code == 202 and response.json() == {"detail": "접수되었습니다."}
    page = sent(lambda: client.post(reverse("people:reset-request"), {"login": login}))
    assert page.status_code == 200 and "요청을 받았습니다" in page.content.decode()
    exists = login.startswith("owner")
    assert len(mail.outbox) == (1 if exists else 0)  # two requests, one email (RESET_COOLDOWN)


def test_a_reset_link_sets_a_new_password_once_and_revokes_the_tokens(api, client, owner, sent):
    owner.set_password(PASSWORD)
    owner.save()
    token = api.post("/api/v1/auth/token/", {"username": "owner", "password": PASSWORD}, format="json").json()["token"]
    sent(lambda: client.post(reverse("people:reset-request"), {"login": "owner@example.org"}))
    url = path_of(link_in(mail.outbox[0]))
    assert "/password-reset/" in url
    assert client.post(url, {"password": "new-pass-2026", "password2": "new-pass-2026"}).status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("new-pass-2026")
    assert client.get(url).status_code == 404
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401


def test_the_people_list_shows_our_owners_and_crews_only(client, official, restaurant, collector, other_owner):
    client.force_login(official)
    page = client.get(reverse("people:list")).content.decode()
    assert "<td>owner" in page and "<td>collector" in page and "other_owner" not in page
    found = client.get(reverse("people:list"), {"q": "할매"}).content.decode()
    assert "<td>owner" in found and "<td>collector" not in found
    crews = client.get(reverse("people:list"), {"role": "collector"}).content.decode()
    assert "<td>collector" in crews and "<td>owner" not in crews


def test_the_people_pages_are_for_officials(client, owner, stranger, collector):
    for user in (owner, collector):
        client.force_login(user)
        assert client.get(reverse("people:list")).status_code == 403
    client.force_login(stranger)
    assert client.get(reverse("people:deactivate", args=[collector.id])).status_code == 404


def test_the_invite_page_hands_the_link_over_when_there_is_no_email(client, official, new_restaurant):
    client.force_login(official)
    page = client.post(
        reverse("people:invite-owner"), {"target": str(new_restaurant.id), "phone": "010-2222-3333", "name": "박사장"}
    )
    text = page.content.decode()
    assert "문자 발송은 아직 지원되지 않습니다" in text and "/welcome/" in text
    assert AccountLink.objects.get().channel == "handed"


def test_owners_and_crews_see_nobody_in_the_people_endpoints(api, owner, collector, official, restaurant):
    for user in (owner, collector):
        client = api.as_user(user)
        assert client.get("/api/v1/users/").json()["results"] == []
        assert client.get("/api/v1/invitations/").json()["results"] == []
    listed = api.as_user(official).get("/api/v1/users/", {"search": "할매"}).json()["results"]
    assert [p["username"] for p in listed] == ["owner"] and listed[0]["restaurants"] == ["할매순대국"]


def test_an_owner_already_using_the_account_gets_the_restaurant_but_no_new_link(api, official, owner, new_restaurant):
    owner.set_password(PASSWORD)
    owner.save()
    response = invite(api, official, new_restaurant, email="owner@example.org")
    assert response.status_code == 200 and response.json()["already_active"] is True
    assert response.json()["url"] is None and not AccountLink.objects.exists()
    new_restaurant.refresh_from_db()
    assert new_restaurant.owner == owner and owner.check_password(PASSWORD)


def test_an_owner_of_another_municipality_is_not_attached_by_invitation(api, official, other_owner, new_restaurant):
    other_owner.email = "busy@example.org"
    other_owner.save()
    response = invite(api, official, new_restaurant, email="busy@example.org")
    assert response.status_code == 400 and response.json()["error"]["code"] == "owner_not_in_municipality"
    new_restaurant.refresh_from_db()
    assert new_restaurant.owner is None and not AccountLink.objects.exists()


def test_asking_for_resets_again_and_again_sends_one_email_per_few_minutes(api, owner, sent):
    owner.set_password(PASSWORD)
    owner.save()
    for _ in range(3):
        sent(lambda: api.post("/api/v1/password-resets/", {"login": "owner"}, format="json"))
    assert len(mail.outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        sent(lambda: api.post("/api/v1/password-resets/", {"login": "owner"}, format="json"))
    assert len(mail.outbox) == 2


def test_an_email_given_later_reaches_an_owner_first_invited_by_phone(api, f, official, district, new_restaurant, sent):
    invite(api, official, new_restaurant, phone="010-7777-8888")
    second = f.RestaurantFactory(district=district, owner=None, name="홍대분식")
    response = sent(lambda: invite(api, official, second, phone="010-7777-8888", email="lee@example.org"))
    assert response.json()["emailed"] is True
    owner = User.objects.get(phone="010-7777-8888")
    assert owner.email == "lee@example.org" and owner.restaurants.count() == 2
    assert mail.outbox[0].to == ["lee@example.org"]


def test_the_audit_trail_says_who_was_invited_and_why_an_account_was_deactivated(api, official, new_restaurant):
    invite(api, official, new_restaurant, email="kim@example.org")
    person = User.objects.get(email="kim@example.org")
    assert person.history.earliest().history_change_reason == "초대 · Invited"
    assert new_restaurant.history.latest().history_change_reason == "초대 · Invited"
    api.as_user(official).post(f"/api/v1/users/{person.id}/deactivate/", {"reason": "폐업"}, format="json")
    assert person.history.latest().history_change_reason == "비활성화 · Deactivated: 폐업"
