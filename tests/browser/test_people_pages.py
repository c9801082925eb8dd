"""Inviting an owner in the browser: the official's pages at a desk, the owner's
set-password page on a phone, and every state in between passes `assert_usable`."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "official-password-1"
OWNER_PASSWORD = "galbi-since-1988"


@pytest.fixture
def signed_in_official(desk, official, collector, restaurant):
    official.set_password(PASSWORD)
    official.save()
    sign_in(desk, "official", PASSWORD, "/console/people/")
    return desk


def test_an_official_invites_an_owner_who_sets_a_password_on_a_phone(signed_in_official, phone, f, district):
    f.RestaurantFactory(district=district, owner=None, name="마포갈비")
    desk = signed_in_official
    assert desk.get_by_role("heading", name="업주·작업자 계정").is_visible()
    assert_usable(desk, "the people list")

    desk.get_by_role("link", name="업주 초대").click()
    assert_usable(desk, "the owner invitation form")
    choice = desk.locator("#id_target option", has_text="마포갈비").get_attribute("value")
    desk.get_by_label("음식점", exact=True).select_option(choice)
    desk.get_by_label("휴대전화").fill("010-1234-5678")
    desk.get_by_label("이름", exact=True).fill("김사장")
    desk.get_by_role("button", name="초대하기").click()
    expect(desk.get_by_text("문자 발송은 아직 지원되지 않습니다", exact=False)).to_be_visible()  # waits for the answer
    assert_usable(desk, "the invitation made, link shown to pass on")
    url = desk.get_by_label("초대 링크").input_value()
    assert "/welcome/" in url
    url = url[url.index("/welcome/") :]  # PUBLIC_BASE_URL is not the test server's address

    phone.goto(url)
    assert phone.get_by_text("010-1234-5678").first.is_visible()
    assert_usable(phone, "the owner's set-password page")
    phone.get_by_label("새 비밀번호").fill(OWNER_PASSWORD)
    phone.get_by_label("비밀번호 확인").fill("something-else-2")
    phone.get_by_role("button", name="비밀번호 저장").click()
    expect(phone.get_by_text("두 비밀번호가 다릅니다", exact=False).first).to_be_visible()
    assert_usable(phone, "the set-password page with an error")
    phone.get_by_label("새 비밀번호").fill(OWNER_PASSWORD)
    phone.get_by_label("비밀번호 확인").fill(OWNER_PASSWORD)
    phone.get_by_role("button", name="비밀번호 저장").click()
    expect(phone.get_by_text("비밀번호를 정했습니다", exact=False).first).to_be_visible()
    assert "/login/" in phone.url
    assert_usable(phone, "the sign-in page after setting a password")
    sign_in(phone, "010-1234-5678", OWNER_PASSWORD, "/")
    expect(phone.get_by_text("마포갈비", exact=False).first).to_be_visible()

    phone.goto(url)
    assert "이미 사용" in phone.get_by_role("alert").inner_text()
    assert_usable(phone, "a used link")


def test_an_official_deactivates_a_crew_member_with_a_reason(signed_in_official):
    desk = signed_in_official
    desk.get_by_label("collector 비활성화").click()
    assert_usable(desk, "the deactivation confirmation")
    desk.get_by_label("사유").fill("퇴사 · left the hauler")
    desk.get_by_role("button", name="비활성화 확인").click()
    assert "계정을 비활성화했습니다" in desk.get_by_role("status").first.inner_text()
    assert_usable(desk, "the people list after a deactivation")


def test_the_people_pages_in_english(signed_in_official, f, district):
    f.RestaurantFactory(district=district, owner=None, name="마포갈비")
    desk = signed_in_official
    desk.get_by_role("button", name="English").click()
    expect(desk.locator("html")).to_have_attribute("lang", "en")
    expect(desk.get_by_role("heading", name="Owners and crews", level=1)).to_be_visible()
    assert_usable(desk, "the people list in English")
    desk.get_by_role("link", name="Invite an owner").click()
    desk.get_by_role("button", name="Invite", exact=True).click()
    expect(desk.get_by_text("Give an email address, a phone number or a name.")).to_be_visible()
    assert_usable(desk, "the owner invitation refused in English")
    desk.goto("/console/people/")
    desk.get_by_label("Deactivate collector").click()
    expect(desk.get_by_role("heading", name="Deactivate an account")).to_be_visible()
    assert_usable(desk, "the deactivation confirmation in English")


def test_the_crew_invitation_page(signed_in_official):
    desk = signed_in_official
    desk.goto("/console/people/invite/crew/")
    assert_usable(desk, "the crew invitation form")


def test_a_forgotten_password_on_a_phone(phone, owner):
    phone.goto("/login/")
    phone.get_by_role("link", name="비밀번호를 잊으셨나요?").click()
    assert_usable(phone, "the reset request form")
    phone.get_by_label("아이디, 이메일 또는 휴대전화").fill("nobody@example.org")
    phone.get_by_role("button", name="링크 받기").click()
    expect(phone.get_by_text("요청을 받았습니다", exact=False).first).to_be_visible()
    assert_usable(phone, "the reset request answered")
    phone.goto("/password-reset/not-a-token/")
    assert_usable(phone, "an unknown reset link")
