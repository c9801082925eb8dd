"""A crew switches the app to English with the bar's button (Django's set_language),
then loses the signal: the app opens from the service worker in English, and the
weighing screen and the outbox (the waiting count, the refused scans) are English,
with dates and numbers written the English way. Every English screen passes
`assert_usable`, and shows no Korean but the register's names (marked lang="ko")."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser import test_crew_app as crew_app
from tests.browser.a11y import assert_usable
from tests.owner.test_language import korean_outside_lang_ko

# The crew app's fixtures: a signed-in phone (app) on a round of 30 bins (route).
app, crew, route = crew_app.app, crew_app.crew, crew_app.route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The page as the crew sees it, the server's reason for a refused scan included (it was
# refused while the crew read English, so the API answered in English).
PAGE_WITHOUT_SCRIPTS = """() => {
  const copy = document.documentElement.cloneNode(true);
  copy.querySelectorAll('script').forEach((element) => element.remove());
  return copy.outerHTML;
}"""


def assert_english(page, state):
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert korean_outside_lang_ko(page.evaluate(PAGE_WITHOUT_SCRIPTS)) == [], state
    assert_usable(page, state)


def open_by_manual_code(page, code):
    page.get_by_label("Manual code").fill(code.lower())
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_label("Weight (kg)")).to_be_visible()


def test_a_crew_switches_to_english_and_keeps_it_with_no_signal(app, route, f, district):
    # A bin whose tag is retired: its code, typed below, is refused by the server.
    retired = f.TagFactory(bin__restaurant__district=district)
    code = retired.manual_code_display
    retired.delete()
    app.reload()  # today's 31 stops are on the phone
    expect(app.get_by_test_id("left")).to_contain_text("남은 곳 31")
    app.get_by_role("button", name="English").click()
    expect(app.locator("body")).to_have_attribute("data-ready", "/crew/")
    expect(app.get_by_role("heading", name="Today's stops", level=1)).to_be_visible()
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()
    expect(app.get_by_test_id("left")).to_have_text(f"31 left of 31 · {today:%a} {today.day} {today:%b}")
    assert_english(app, "today's stops in English")

    # A code the server does not know, saved while online: refused, with its reason.
    open_by_manual_code(app, code)
    expect(app.get_by_test_id("unknown-bin")).to_contain_text("Not in the list: the server will check it")
    app.get_by_role("button", name="Not put out").click()
    app.get_by_role("button", name="Save").click()
    expect(app.get_by_test_id("saved")).to_have_text("Saved: Not put out")
    rejected = app.get_by_test_id("rejected")
    expect(rejected).to_contain_text(f"{code} · Not put out")

    # No signal, and the phone opens the app again: English, from the service worker.
    app.context.set_offline(True)
    app.reload()
    expect(app.locator("body")).to_have_attribute("data-ready", "/crew/")
    expect(app.locator("#offline-banner")).to_contain_text("Offline")
    expect(app.get_by_role("heading", name="Refused by the server")).to_be_visible()
    expect(rejected.get_by_role("button", name="Dismiss")).to_be_visible()
    assert_english(app, "stops and refused scans in English, offline")

    app.get_by_label("Manual code").fill(route[2].manual_code[:5])
    expect(app.locator("#manual-code-hint")).to_have_text("5 of 9 characters")
    open_by_manual_code(app, route[2].manual_code_display)
    expect(app.get_by_role("heading", name="Weigh")).to_be_visible()
    expect(app.get_by_test_id("bin")).to_contain_text("Restaurant")
    expect(app.get_by_test_id("restaurant")).to_have_attribute("lang", "ko")
    expect(app.get_by_test_id("gps")).to_have_text("Position ±12 m")
    assert_english(app, "weighing in English, offline")
    app.get_by_role("button", name="Save").click()
    expect(app.get_by_role("alert")).to_contain_text("Type the weight in kg")
    assert_english(app, "weighing with an error in English")
    app.get_by_role("button", name="Overfilled").click()
    expect(app.get_by_role("heading", name="Photo (optional)")).to_be_visible()
    assert_english(app, "weighing with an exception in English")

    app.get_by_label("Weight (kg)").fill("12.5")
    app.get_by_role("button", name="Save").click()
    app.wait_for_url(re.compile(r"/crew/$"))
    name = route[2].bin.restaurant.name
    expect(app.get_by_test_id("saved")).to_have_text(f"Saved: {name}, 12.5 kg")
    expect(app.locator("#waiting")).to_have_text("1 waiting")
    expect(app.get_by_test_id("left")).to_contain_text("30 left of 31")
    assert_english(app, "a scan waiting in the outbox, in English")

    # Back in Korean once online again: the next reload with no signal is Korean.
    app.context.set_offline(False)
    expect(crew_app.waiting(app)).to_have_attribute("data-sent", "1")
    app.get_by_role("button", name="한국어").click()
    expect(app.locator("html")).to_have_attribute("lang", "ko")
    expect(app.get_by_test_id("left")).to_contain_text("남은 곳 30")
    app.context.set_offline(True)
    app.reload()
    expect(app.locator("html")).to_have_attribute("lang", "ko")
    expect(app.get_by_role("heading", name="전송 거부")).to_be_visible()


def test_the_language_switch_brings_the_crew_back_to_the_screen_they_were_on(app, route):
    app.reload()  # the route, made after the app opened, is in the directory on the phone
    app.wait_for_load_state("networkidle")
    crew_app.by_manual_code(app, route[5])
    expect(app.get_by_test_id("restaurant")).to_have_text(route[5].bin.restaurant.name)
    app.get_by_role("button", name="English").click()
    expect(app.get_by_label("Weight (kg)")).to_be_visible()
    assert "/crew/weigh?" in app.url
    expect(app.get_by_test_id("restaurant")).to_have_text(route[5].bin.restaurant.name)
