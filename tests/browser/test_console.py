"""The officials' console in Chromium at 1280 px: every page, and again after a message
and after a form error, passes axe-core (WCAG 2.1 AA), has 44 px targets and fits the
screen; a big label sheet's progress bar runs to its download link; an official switches it to English and back."""

import pytest
from playwright.sync_api import expect

from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-password-1"


@pytest.fixture
def desk_official(desk, official, tag, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    official.set_password(PASSWORD)
    official.save()
    sign_in(desk, "official", PASSWORD, "/console/restaurants/")
    return desk


def test_every_console_page_is_usable(desk_official, tag, restaurant):
    page = desk_official
    assert_usable(page, "restaurant list")
    page.get_by_label("검색").fill("할매")
    page.get_by_role("button", name="찾기").click()
    expect(page.get_by_role("link", name="할매순대국")).to_be_visible()
    assert_usable(page, "restaurant list, searched")

    page.get_by_role("link", name="할매순대국").click()
    assert_usable(page, "restaurant detail")

    page.get_by_role("link", name="수정").first.click()
    page.get_by_label("사업자등록번호").fill("123-45-67890")
    page.get_by_role("button", name="저장").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_usable(page, "restaurant form with an error")

    page.goto("/console/restaurants/new/")
    assert_usable(page, "restaurant create")

    page.goto(f"/console/bins/{tag.bin_id}/edit/")
    assert_usable(page, "bin edit")

    page.goto(f"/console/tags/{tag.code}/replace/")
    assert_usable(page, "tag replace confirmation")
    page.get_by_role("button", name="교체").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert_usable(page, "tag replace with an error")
    page.get_by_label("분실", exact=True).check()
    page.get_by_label("되돌릴 수 없음을 확인했습니다").check()
    page.get_by_role("button", name="교체").click()
    expect(page.get_by_text("새 태그를 발급했습니다")).to_be_visible()
    assert_usable(page, "restaurant detail with a message")

    page.goto(f"/console/restaurants/{restaurant.pk}/close/")
    assert_usable(page, "close confirmation")

    page.goto("/console/bins/bulk/")
    assert_usable(page, "bins in bulk")
    page.get_by_role("button", name="용기 추가").click()
    assert_usable(page, "bins in bulk with a message")

    page.goto("/console/tags/bulk/")
    assert_usable(page, "tags in bulk")

    page.goto("/")  # the officials' home carries the console's own menu
    menu = page.get_by_role("navigation", name="공무원 메뉴")
    for name in ("미납", "환불 요청", "폐업 · 양도 확인", "태그 신고"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert_usable(page, "officials' home")


def test_a_big_label_sheet_shows_its_progress_then_a_download(
    desk_official, f, district, monkeypatch, live_server, tag
):
    from backend.tags import label_sheets

    monkeypatch.setattr(label_sheets, "BUILD_IN_REQUEST", 1)
    # No worker in this test: the sheet waits, as it would in a queue, until built below.
    monkeypatch.setattr("backend.tags.tasks.build_label_sheet.delay", lambda sheet_id: None)
    for _ in range(3):
        f.TagFactory(bin=f.BinFactory(restaurant=f.RestaurantFactory(district=district)))
    page = desk_official
    page.goto("/console/label-sheets/")
    assert_usable(page, "label sheets")
    page.get_by_label("라벨을 인쇄하지 않은 모든 태그").check()
    page.get_by_role("button", name="A4 PDF 만들기").click()
    expect(page.locator("progress")).to_be_visible()
    assert_usable(page, "label sheet building")

    from backend.tags.models import LabelSheet

    label_sheets.build_label_sheet(sheet_id=LabelSheet.objects.get().pk)
    download = page.get_by_role("link", name="PDF 내려받기")
    download.wait_for()
    assert_usable(page, "label sheet done")
    with page.expect_download() as caught:
        download.click()
    assert caught.value.suggested_filename.endswith(".pdf")


def test_the_console_in_english_through_the_header_switch(desk_official, tag, restaurant):
    page = desk_official
    page.goto(f"/console/restaurants/{restaurant.pk}/")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Bins and tags")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_usable(page, "restaurant detail in English")
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist").first).to_contain_text("This field is required.")
    assert_usable(page, "restaurant form in English with an error")
    page.goto("/reports/?from=2026-10-31&to=2026-10-01")
    expect(page.locator(".errorlist")).to_contain_text("The end date is before the start date.")
    assert_usable(page, "reports in English with a bad range")
    page.goto("/console/routes/")
    expect(page.get_by_role("heading", name="Rounds")).to_be_visible()
    page.get_by_role("button", name="한국어").click()
    expect(page.get_by_role("heading", name="수거 순서")).to_be_visible()
