from unittest import mock

from django.db.utils import OperationalError


def test_token_then_me(api, collector):
    collector.set_password("crew-password-1")
    collector.save()
    response = api.post("/api/v1/auth/token/", {"username": "collector", "password": "crew-password-1"}, format="json")
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert (me["username"], me["role"]) == ("collector", "collector")
    assert me["hauler"]


def test_wrong_password_gets_the_error_shape(api, collector):
    response = api.post("/api/v1/auth/token/", {"username": "collector", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_bad_token(api, db):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api.get("/api/v1/me/")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "authentication_failed")


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_503_when_the_database_does_not_answer(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_schema_and_docs_page(client, db):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/collections/batch/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()  # served from our own static files
