"""An owner on a 360 px phone switches to English and back with the header's button
(Django's set_language view); the choice stays across pages. Both languages pass
`assert_usable`."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_up_owner(owner, tag):
    owner.set_password("owner-password-1")
    owner.save()
    return owner


def test_an_owner_switches_to_english_and_back_on_a_phone(phone, signed_up_owner):
    sign_in(phone, "owner", "owner-password-1", "/")
    expect(phone.locator("html")).to_have_attribute("lang", "ko")
    expect(phone.get_by_role("heading", name="이번 달 지금까지")).to_be_visible()

    phone.get_by_role("button", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", name="This month so far")).to_be_visible()
    assert_usable(phone, "owner home in English")

    phone.get_by_role("link", name="My bins and tags").click()
    expect(phone.get_by_role("heading", name="My bins and tags", level=1)).to_be_visible()
    assert_usable(phone, "my bins in English")

    phone.get_by_role("button", name="한국어").click()
    expect(phone.locator("html")).to_have_attribute("lang", "ko")
    assert phone.url.endswith("/my/bins/")  # `next`: back on the same page
    expect(phone.get_by_role("heading", name="내 용기와 태그", level=1)).to_be_visible()
    assert_usable(phone, "my bins in Korean again")
    phone.goto("/")
    expect(phone.get_by_role("heading", name="이번 달 지금까지")).to_be_visible()
