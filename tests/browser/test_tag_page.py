"""Opening a tag's URL on a phone: what each person sees and can do."""

from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from backend.collection_events.models import CollectionEvent
from tests.browser.a11y import assert_usable
from tests.browser.conftest import sign_in
from tests.browser.layout import settled_box

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shoot(page, name):
    """Save a full-page screenshot for the people who review the pages.

    It is a record, not an assertion. Headless Chromium on a busy 2-core machine has
    refused a capture once ("Page.captureScreenshot: Unable to capture screenshot",
    a 1,793 px page that captures fine otherwise), so a refusal is tried once more
    after the page has drawn another frame; a second refusal fails the test.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SCREENSHOTS / f"{name}.png")
    try:
        page.screenshot(path=path, full_page=True)
    except PlaywrightError as refused:
        if "Unable to capture screenshot" not in str(refused):
            raise
        page.evaluate("() => new Promise(drawn => requestAnimationFrame(() => requestAnimationFrame(drawn)))")
        page.screenshot(path=path, full_page=True)


@pytest.fixture
def crew(collector):
    collector.set_password("crew-password-1")
    collector.save()
    return collector


def test_anyone_learns_only_that_the_bin_is_registered(phone, tag):
    phone.goto(f"/t/{tag.code}")
    expect(phone.get_by_test_id("registered")).to_be_visible()
    content = phone.content()
    assert tag.bin.restaurant.name not in content
    assert tag.manual_code_display not in content
    shoot(phone, "tag-public")


def test_a_crew_opening_the_tag_url_weighs_in_the_crew_app(phone, crew, tag):
    sign_in(phone, "collector", "crew-password-1", f"/t/{tag.code}")
    expect(phone.get_by_role("heading", name="계량")).to_be_visible()
    assert "/crew/weigh?" in phone.url
    phone.get_by_label("무게").fill("12.5")
    phone.get_by_role("button", name="저장").click()
    expect(phone.get_by_test_id("saved")).to_contain_text("저장했습니다")
    shoot(phone, "crew-app-saved")
    expect(phone.locator("body")).to_have_attribute("data-sent", "1")
    assert list(CollectionEvent.objects.values_list("weight_g", "source", "status")) == [(12500, "qr", "billable")]


def test_collector_records_a_bin_not_put_out(phone, crew, tag):
    sign_in(phone, "collector", "crew-password-1", f"/t/{tag.code}")
    phone.get_by_role("button", name="미배출").click()
    phone.get_by_role("button", name="저장").click()
    expect(phone.locator("body")).to_have_attribute("data-sent", "1")
    assert CollectionEvent.objects.get().status == "not_collected"


def test_collector_sees_why_the_server_refused_an_implausible_weight(phone, crew, tag):
    sign_in(phone, "collector", "crew-password-1", f"/t/{tag.code}")
    phone.get_by_label("무게").fill("500")
    phone.get_by_role("button", name="저장").click()
    expect(phone.get_by_test_id("rejected")).to_contain_text("무게가 너무 큽니다")
    assert not CollectionEvent.objects.exists()


def test_owner_sees_the_bins_recent_collections(phone, owner, tag, f, collector):
    owner.set_password("owner-password-1")
    owner.save()
    f.CollectionEventFactory(tag=tag, collector=collector, weight_g=23_450)
    sign_in(phone, "owner", "owner-password-1", f"/t/{tag.code}")
    table = phone.get_by_test_id("events").inner_text()
    assert "23.450" in table and "청구 대상" in table
    shoot(phone, "tag-owner-history")


def test_a_mistyped_manual_code_says_so_with_a_way_home_a_thumb_can_hit(phone, tag):
    code = tag.manual_code
    phone.goto(f"/t/{code[:-1] + ('A' if code[-1] != 'A' else 'B')}")
    expect(phone.get_by_text("마지막 글자인 확인 문자가 맞지 않습니다")).to_be_visible()
    home = phone.get_by_role("link", name="처음으로")
    settled_box(home, lambda box: box["height"] >= 44 and box["width"] >= 44, what="smaller than a thumb")
    assert_usable(phone, "tag page: bad check character")
