"""The login page after repeated wrong passwords: it says when to try again, in Korean
or, after the switch, in English; keeps the form, and refuses even the right password
until then."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def lockout(settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 300
    yield
    cache.clear()  # the cache table outlives a transactional test


def test_a_locked_out_sign_in_says_when_to_try_again(phone, collector, lockout):
    collector.set_password("crew-password-1")
    collector.save()
    for n in range(2):
        sign_in(phone, "collector", f"wrong-{n}", "/")
        assert phone.get_by_role("alert").count() == 0
    sign_in(phone, "collector", "wrong-2", "/")
    alert = phone.get_by_role("alert").inner_text()
    assert alert.startswith("로그인 실패가 너무 많아 잠시 잠겼습니다. 5분 후")
    assert "Too many failed sign-ins" not in alert
    sign_in(phone, "collector", "crew-password-1", "/")
    assert "/login/" in phone.url
    assert "5분 후" in phone.get_by_role("alert").inner_text()
    expect(phone.get_by_label("비밀번호")).to_be_visible()
    assert phone.get_by_label("아이디").input_value() == "collector"

    phone.get_by_role("button", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    phone.get_by_label("Username").fill("collector")
    phone.get_by_label("Password").fill("crew-password-1")
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_role("alert")).to_have_text("Too many failed sign-ins: try again in 5 minutes.")
    assert "/login/" in phone.url
