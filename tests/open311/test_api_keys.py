"""Officials issue, list and revoke outside apps' keys, in the API and in the console."""

import pytest
from django.urls import reverse

from backend.open311.models import ApiKey
from backend.open311.services import hash_key
from tests.open311.conftest import BASE

pytestmark = pytest.mark.django_db
URL = "/api/v1/api-keys/"


def test_an_official_makes_a_key_sees_it_once_and_it_files_until_revoked(api, client, official, tag, frozen):
    made = api.as_user(official).post(URL, {"app_name": "새올 민원 시스템"}, format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    raw = body["key"]
    assert raw.startswith("o311_") and len(raw) > 40 and body["prefix"] == raw[5:13]
    stored = ApiKey.objects.get()
    assert stored.key_hash == hash_key(raw) and raw not in str(stored.__dict__)  # only its hash is kept
    listed = api.get(URL).json()["results"]
    assert [k["app_name"] for k in listed] == ["새올 민원 시스템"] and "key" not in listed[0]

    form = {"service_code": "extra_pickup", "api_key": raw, "attribute[tag]": tag.url}
    assert client.post(f"{BASE}/requests.json", form).status_code == 201
    revoked = api.post(f"{URL}{stored.id}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    form["attribute[requested_for]"] = "2026-10-06"
    assert client.post(f"{BASE}/requests.json", form).status_code == 403


def test_keys_stay_within_their_municipality(api, official, stranger, owner):
    api.as_user(official).post(URL, {"app_name": "마포 앱"}, format="json")
    key = ApiKey.objects.get()
    assert key.municipality_id == official.municipality_id
    assert api.as_user(stranger).get(URL).json()["results"] == []
    assert api.as_user(stranger).post(f"{URL}{key.id}/revoke/").status_code == 404
    assert api.as_user(owner).post(URL, {"app_name": "몰래 앱"}, format="json").status_code == 403
    assert api.as_user(official).post(URL, {"app_name": ""}, format="json").status_code == 400


def test_the_console_page_shows_a_new_key_once_lists_and_revokes(client, official):
    client.force_login(official)
    page = client.get(reverse("console:api-keys"))
    assert page.status_code == 200 and "아직 키가 없습니다" in page.content.decode()
    assert '<label for="id_app_name">앱 이름</label>' in page.content.decode()  # no colon, as the site's other labels
    made = client.post(reverse("console:api-keys"), {"app_name": "새올 민원 시스템"})
    assert made.status_code == 201 and made["Cache-Control"] == "no-store"
    html = made.content.decode()
    raw = html.split('data-testid="raw-key" class="key">')[1].split("<")[0]
    key = ApiKey.objects.get()
    assert key.key_hash == hash_key(raw)
    again = client.get(reverse("console:api-keys")).content.decode()
    assert raw not in again and key.prefix in again and "새올 민원 시스템" in again
    revoke = reverse("console:api-key-revoke", args=[key.id])
    assert revoke in again  # a link to a confirmation, not a button that revokes at once
    asked = client.get(revoke).content.decode()
    assert "새올 민원 시스템" in asked and "되돌릴 수 없음을 확인했습니다" in asked
    unconfirmed = client.post(revoke)
    assert unconfirmed.status_code == 400 and 'role="alert"' in unconfirmed.content.decode()
    key.refresh_from_db()
    assert key.is_active
    revoked = client.post(revoke, {"confirm": "on"}, follow=True)
    assert "폐기했습니다" in revoked.content.decode()
    key.refresh_from_db()
    assert key.revoked_by == official
    assert client.get(revoke).url == reverse("console:api-keys")  # nothing left to confirm
    empty = client.post(reverse("console:api-keys"), {"app_name": ""})
    assert empty.status_code == 400 and 'role="alert"' in empty.content.decode()


def test_the_same_key_form_sent_twice_makes_one_key_and_shows_it_both_times(client, official):
    """A double click on 키 만들기, or a reload of its answer, is not a second key."""
    client.force_login(official)
    page = client.get(reverse("console:api-keys")).content.decode()
    token = page.split('name="form_token" value="')[1].split('"')[0]
    form = {"app_name": "새올 민원 시스템", "form_token": token}
    answers = [client.post(reverse("console:api-keys"), form) for _ in range(2)]
    shown = [a.content.decode().split('data-testid="raw-key" class="key">')[1].split("<")[0] for a in answers]
    key = ApiKey.objects.get()
    assert shown[0] == shown[1] and key.key_hash == hash_key(shown[0])
