"""Security headers: a Content-Security-Policy that allows scripts only from our own
files, Permissions-Policy, Referrer-Policy, nosniff, and `Cache-Control: no-store`
wherever a signed-in person's data is shown; HSTS and the HTTPS redirect in production."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from backend.billing.models import Invoice
from tests.billing.conftest import bill, old_bin, scan, seoul, tariff  # noqa: F401

pytestmark = pytest.mark.django_db
BACKEND = Path(settings.BASE_DIR)


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_pages_carry_a_csp_without_inline_scripts_and_the_other_headers(client):
    response = client.get("/login/")
    csp = directives(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["default-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy and "geolocation=(self)" in policy
    assert "microphone=()" in policy and "payment=()" in policy and "usb=()" in policy
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_no_template_has_an_inline_script_or_event_handler():
    """The CSP would block them: scripts only as files (`<script src=...>`)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    javascript_url = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
    templates = list(BACKEND.glob("*/templates/**/*.html"))
    assert len(templates) > 20
    for template in templates:
        text = template.read_text()
        for pattern in (inline_script, handler, javascript_url):
            assert not pattern.search(text), f"{template.relative_to(BACKEND)}: {pattern.search(text).group(0)}"


def test_signed_in_pages_are_not_stored_by_any_cache(client, owner, tag):
    public = client.get(f"/t/{tag.code}")
    assert public.status_code == 200 and "Cache-Control" not in public  # the bin's public page
    client.force_login(owner)
    for path in ("/", f"/t/{tag.code}"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store", path


def test_api_answers_are_not_stored_by_any_cache(api, owner):
    assert api.get("/api/v1/me/")["Cache-Control"] == "no-store"  # 401 too
    response = api.as_user(owner).get("/api/v1/me/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_the_invoice_pdf_is_not_stored_by_any_cache(api, owner, tariff, old_bin, scan, bill):  # noqa: F811
    scan(old_bin, seoul(2026, 10, 3, 5), 12_345)
    bill("2026-10")
    response = api.as_user(owner).get(f"/api/v1/invoices/{Invoice.objects.get().id}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"


def test_the_api_docs_page_loads_its_script_from_a_file(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert not re.search(rb"<script(?![^>]*\bsrc=)[^>]*>", response.content)
    script = re.search(rb'<script src="([^"]*\?script=[^"]*)"', response.content)
    assert script, response.content[-600:]
    assert client.get(script.group(1).decode().replace("&amp;", "&")).status_code == 200


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31_536_000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_production_redirects_to_https_and_sends_hsts_but_health_checks_stay_on_http(client):
    response = client.get("/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert client.get("/healthz").status_code == 200
