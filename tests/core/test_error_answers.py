"""Every 4xx and 5xx in one shape: `{"error": {"code", "message", "fields"}}` under
/api/, a Korean-first page elsewhere; never Django's HTML, never a traceback."""

import json

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import get_resolver

from backend.core.parsers import JSONParser

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]


def test_an_unknown_url_under_the_api_is_a_404_in_the_error_shape(client):
    assert_error_shape(client.get("/api/v1/no-such-thing/"), 404, "not_found")
    assert_error_shape(client.get("/api/nothing"), 404, "not_found")


def test_an_unknown_page_is_a_page_in_the_visitors_language_korean_first(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "페이지를 찾을 수 없습니다" in text and '<html lang="ko">' in text
    assert "Page not found" not in text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get("/no-such-page/").content.decode()
    assert "Page not found" in text and '<html lang="en">' in text
    assert "페이지를 찾을 수 없습니다" not in text


def test_a_method_the_endpoint_does_not_take_is_a_405_in_the_error_shape(api, official):
    response = api.as_user(official).delete("/api/v1/me/")
    assert_error_shape(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_a_body_over_the_limit_is_a_413_in_the_error_shape_before_it_is_read(api, collector):
    body = b'{"events": [' + b" " * (3 * 1024 * 1024) + b"]}"
    response = api.as_user(collector).post("/api/v1/collections/batch/", data=body, content_type="application/json")
    assert_error_shape(response, 413, "request_too_large")
    # Unauthenticated, too: the size is checked first.
    response = Client().post("/api/v1/auth/token/", data=body, content_type="application/json")
    assert_error_shape(response, 413, "request_too_large")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_a_form_over_the_limit_on_a_page_is_a_413_page(client):
    response = client.post("/login/", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert "요청이 너무 큽니다" in response.content.decode()


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/collections/batch/"])
def test_deeply_nested_json_is_refused_as_malformed(api, collector, path):
    nested = "[" * 100_000 + "]" * 100_000
    response = api.as_user(collector).post(path, data=nested, content_type="application/json")
    assert_error_shape(response, 400, "malformed_request")
    thirty_three = {"events": json.loads("[" * 33 + "]" * 33)}
    response = api.as_user(collector).post(path, data=json.dumps(thirty_three), content_type="application/json")
    assert_error_shape(response, 400, "malformed_request")


def test_every_api_view_reads_json_with_the_depth_limit():
    """Including views that bring their own parser list, such as the token endpoint."""

    def views(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from views(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    checked = 0
    for route, callback in views(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if not route.startswith("api/") or view_class is None:
            continue
        json_parsers = [p for p in view_class.parser_classes if "json" in p.media_type]
        assert json_parsers and all(issubclass(p, JSONParser) for p in json_parsers), route
        checked += 1
    assert checked > 20


def test_nan_and_infinity_are_not_json(api, collector):
    response = api.as_user(collector).post(
        "/api/v1/collections/batch/", data='{"events": [NaN]}', content_type="application/json"
    )
    assert_error_shape(response, 400, "malformed_request")


def test_a_csrf_failure_under_the_api_is_in_the_error_shape(official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    response = client.post("/api/v1/tariffs/", data={}, content_type="application/json")
    assert_error_shape(response, 403, "csrf_failed")


@pytest.fixture
def broken_view(monkeypatch):
    """`/api/v1/me/` and the home page raising what the code under them raised."""
    from backend.accounts import api as accounts_api
    from backend.pages import views as page_views

    def install(exception):
        def boom(*args, **kwargs):
            raise exception

        monkeypatch.setattr(accounts_api.MeView, "get_object", boom)
        monkeypatch.setattr(page_views, "RECENT", None)
        monkeypatch.setattr(page_views.Restaurant.objects, "visible_to", boom, raising=False)

    return install


def test_an_unhandled_error_is_a_500_in_the_error_shape_without_a_traceback(api, official, broken_view):
    broken_view(RuntimeError("secret internals"))
    client = Client(raise_request_exception=False)
    client.force_login(official)
    error = assert_error_shape(client.get("/api/v1/me/"), 500, "server_error")
    assert "secret internals" not in json.dumps(error)
    page = client.get("/")
    assert page.status_code == 500
    assert "서버 오류" in page.content.decode()
    assert "secret internals" not in page.content.decode()


def test_an_unreachable_database_is_a_503_with_retry_after(official, broken_view):
    broken_view(OperationalError('connection to server on socket "/x/.s.PGSQL.5432" failed'))
    client = Client(raise_request_exception=False)
    client.force_login(official)
    response = client.get("/api/v1/me/")
    assert_error_shape(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) > 0
    page = client.get("/")
    assert page.status_code == 503
    assert int(page["Retry-After"]) > 0
    assert "잠시 후 다시 시도해 주세요" in page.content.decode()
    assert "OperationalError" not in page.content.decode()


def test_a_value_the_database_refuses_is_a_400_not_a_500(official, broken_view):
    from django.db import DataError

    broken_view(DataError("value too long for type character varying(64)"))
    client = Client(raise_request_exception=False)
    client.force_login(official)
    assert_error_shape(client.get("/api/v1/me/"), 400, "invalid_value")


def test_a_model_validation_error_is_a_400_with_its_fields(official, broken_view):
    from django.core.exceptions import ValidationError

    broken_view(ValidationError({"name": ["이름이 필요합니다. A name is required."]}))
    client = Client(raise_request_exception=False)
    client.force_login(official)
    error = assert_error_shape(client.get("/api/v1/me/"), 400, "validation_error")
    assert error["fields"] == {"name": ["이름이 필요합니다. A name is required."]}


def test_a_body_that_is_not_json_is_refused_by_media_type(api, collector):
    response = api.as_user(collector).post("/api/v1/collections/batch/", data="x", content_type="text/csv")
    error = assert_error_shape(response, 415, "unsupported_media_type")
    assert "지원하지 않는 본문 형식" in error["message"]
    # In the visitor's language, the code unchanged.
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = api.as_user(collector).post("/api/v1/collections/batch/", data="x", content_type="text/csv")
    error = assert_error_shape(response, 415, "unsupported_media_type")
    assert error["message"] == "Unsupported media type; send JSON."


def test_a_page_that_only_takes_posts_answers_a_get_with_a_korean_page(client, official):
    client.force_login(official)
    response = client.get("/disputes/review/00000000-0000-4000-8000-000000000001/")
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert "허용되지 않는 요청입니다" in response.content.decode()


def test_the_payment_callback_answers_in_the_error_shape(client, monkeypatch):
    from backend.payments import services

    error = assert_error_shape(client.get("/payments/callback/sandbox/"), 405, "method_not_allowed")
    assert error["message"]

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "handle_callback", down)
    response = Client(raise_request_exception=False).post(
        "/payments/callback/sandbox/", data=b"{}", content_type="application/json"
    )
    assert_error_shape(response, 503, "service_unavailable")
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize(
    "text, depth", [("5", 0), ("[]", 1), ('{"a": [{}]}', 3), ('{"events": [{"a": 1}, {"b": [2]}]}', 4)]
)
def test_json_depth(text, depth):
    from backend.core.parsers import json_depth

    assert json_depth(json.loads(text), 32) == depth
    assert json_depth(json.loads("[" * 40 + "]" * 40), 32) == 33  # stops counting past the limit
