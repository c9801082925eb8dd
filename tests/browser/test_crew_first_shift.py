"""A crew member's first shift with the app on a 360 px phone: what they act on is on
the first screen (or stays at the bottom of it), and Korean reads as whole words."""

import pytest
from playwright.sync_api import expect

from tests.browser import test_crew_app as crew_app
from tests.browser.a11y import assert_usable
from tests.browser.layout import assert_within_first_screen
from tests.browser.test_crew_app import by_manual_code, save

# The crew app's fixtures: a signed-in phone (app) on a round of 30 bins (route).
app, crew, route = crew_app.app, crew_app.crew, crew_app.route

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_scanner_and_the_manual_code_come_before_a_long_round(app, route):
    app.reload()  # today's 30 stops are known
    expect(app.get_by_test_id("left")).to_contain_text("남은 곳 30")
    for control in (app.get_by_role("link", name="QR 스캔"), app.get_by_label("수동 코드")):
        assert_within_first_screen(control)  # no scrolling past 30 stops to identify a bin
    assert_within_first_screen(app.get_by_test_id("next"))
    expect(app.get_by_role("heading", name="전체 수거 목록")).to_be_attached()
    assert_usable(app, "stops before a long round")


def test_a_refused_scan_shows_at_the_top_with_its_code_and_reason(app, route, f, district):
    retired = f.TagFactory(bin__restaurant__district=district)
    code = retired.manual_code_display
    retired.delete()
    app.get_by_label("수동 코드").fill(code.lower())
    app.get_by_role("button", name="열기").click()
    expect(app.get_by_test_id("unknown-bin")).to_be_visible()
    save(app, exception="미배출")
    rejected = app.get_by_test_id("rejected")
    expect(rejected).to_contain_text("등록되지 않은 태그")
    expect(rejected).to_contain_text(f"{code} · 미배출")  # the label's code as printed, the exception in words
    assert_within_first_screen(rejected)  # above the round, not after 30 stops
    assert_usable(app, "a refused exception at the top")


# The lines a button's (or any element's) first text is drawn on.
TEXT_LINES = """(element) => {
  const text = [...element.childNodes].find((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
  const range = document.createRange();
  range.selectNodeContents(text);
  return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
}"""


def test_the_exceptions_read_as_whole_korean_words(app, route):
    by_manual_code(app, route[0])
    for name in ("미배출", "이물질 혼입", "과적", "용기 파손", "접근 불가", "태그 불량"):
        button = app.get_by_role("button", name=name)
        assert button.evaluate(TEXT_LINES) == 1, f"{name} is broken over several lines"
    assert_usable(app, "weighing, exceptions in whole words")


def test_save_is_in_reach_after_the_keypad(app, route):
    by_manual_code(app, route[1])
    for key in "12.5":
        app.get_by_role("button", name=key, exact=True).click()
    assert_within_first_screen(app.get_by_role("button", name="저장"))  # no scrolling past the exceptions
    app.get_by_role("button", name="과적").click()  # an exception, further down: 저장 still at hand
    assert_within_first_screen(app.get_by_role("button", name="저장"))
    assert_usable(app, "weighing with the save bar")
    app.get_by_role("button", name="저장").click()
    expect(app.get_by_test_id("saved")).to_contain_text("과적")
