"""The officials' API-key page at 1280 px: a key is made (and shown once), listed and
revoked; axe-core finds no WCAG 2.1 AA violation in any state, a form error included."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


def test_an_official_makes_lists_and_revokes_a_key(desk, official):
    from backend.open311.models import ApiKey
    from backend.open311.services import hash_key

    official.set_password(PASSWORD)
    official.save()
    sign_in(desk, "official", PASSWORD, "/console/api-keys/")
    page = desk
    expect(page.get_by_role("heading", name="외부 앱용 API 키 (Open311)")).to_be_visible()
    assert_usable(page, "no keys yet")

    page.get_by_role("button", name="키 만들기").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_usable(page, "form error: no app name")

    page.get_by_label("앱 이름").fill("새올 민원 시스템")
    page.get_by_role("button", name="키 만들기").click()
    shown = page.get_by_test_id("raw-key")
    expect(shown).to_be_visible()
    raw = shown.inner_text()
    assert ApiKey.objects.get().key_hash == hash_key(raw)
    assert_usable(page, "a new key shown once")

    page.goto("/console/api-keys/")
    expect(page.get_by_test_id("raw-key")).to_have_count(0)
    row = page.get_by_test_id("api-keys").get_by_role("row", name="새올 민원 시스템")
    expect(row).to_contain_text("사용 중")
    assert_usable(page, "the list")

    row.get_by_role("link", name="새올 민원 시스템의 키 폐기").click()
    expect(page.get_by_role("heading", name="새올 민원 시스템의 키 폐기")).to_be_visible()
    page.get_by_role("button", name="폐기").click()  # without the box ticked: nothing revoked
    expect(page.locator(".errorlist").first).to_be_visible()
    assert ApiKey.objects.get().is_active
    assert_usable(page, "revoking without confirming")
    page.get_by_label("되돌릴 수 없음을 확인했습니다").check()
    page.get_by_role("button", name="폐기").click()
    expect(page.get_by_text("새올 민원 시스템의 키를 폐기했습니다.")).to_be_visible()
    expect(page.get_by_test_id("api-keys").get_by_role("row", name="새올 민원 시스템")).to_contain_text("폐기됨")
    assert_usable(page, "after revoking")
