"""The officials' round page in Chromium: the list of a hauler's bins with a number box
each, after saving and after a mistake, passes axe-core (WCAG 2.1 AA), has 44 px targets
and fits the screen; a bin's collection days are ticked on its form."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


def test_an_official_orders_a_round_and_fixes_a_mistake(desk, f, official, hauler, district, tag):
    other = f.BinFactory(restaurant__district=district, restaurant__name="두번째집", label="홀")
    official.set_password(PASSWORD)
    official.save()
    page = desk
    sign_in(page, "official", PASSWORD, "/console/routes/")
    assert_usable(page, "haulers")
    page.get_by_role("link", name=hauler.name).click()
    assert_usable(page, "round")

    page.get_by_label("할매순대국 주방 1 순서").fill("1")
    page.get_by_label("두번째집 홀 순서").fill("1")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_text("1번은 이미 할매순대국 주방 1에 있습니다.")).to_be_visible()
    assert_usable(page, "round with an error")

    page.get_by_label("두번째집 홀 순서").fill("2")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_text("수거 순서를 저장했습니다")).to_be_visible()
    assert_usable(page, "round saved")
    expect(page.get_by_label("두번째집 홀 순서")).to_have_value("2")

    page.goto(f"/console/bins/{other.id}/edit/")
    page.get_by_label("수요일", exact=True).check()
    page.get_by_label("변경 사유").fill("수요일 수거")
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_text("저장했습니다")).to_be_visible()
    other.refresh_from_db()
    assert other.collection_days == [3]
