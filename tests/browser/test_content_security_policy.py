"""The Content-Security-Policy blocks nothing our own pages need: no violation is
reported while a crew member signs in and opens a tag (in the crew app), nor on the API
docs page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console", lambda message: found.append(message.text) if "Content Security Policy" in message.text else None
    )
    return found


def test_the_pages_work_under_the_policy(phone, collector, tag):
    collector.set_password("crew-password-1")
    collector.save()
    seen = violations(phone)
    sign_in(phone, "collector", "crew-password-1", f"/t/{tag.code}")
    expect(phone.get_by_label("무게")).to_be_visible()  # the crew app, its modules and service worker
    assert phone.evaluate("getComputedStyle(document.querySelector('header')).display") != ""
    phone.goto("/")
    assert seen == []


def test_the_api_docs_page_renders_under_the_policy(phone):
    seen = violations(phone)
    phone.goto("/api/v1/docs/")
    phone.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    assert seen == []
