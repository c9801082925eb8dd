"""A real Chromium, driven by Playwright, against Django's live test server.

Playwright's own browser download needs the internet, so we launch the system's
Chromium (`make test` installs it with apt where it can). Without one these tests
skip, unless REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

import hashlib
import os
import shutil

import pytest

from tests.billing.conftest import bill, old_bin, scan, tariff  # noqa: F401 (fixtures the page tests share)
from tests.browser.fake_camera import fake_camera_flags, write_label_video

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def playwright_session():
    """Playwright itself, shared: its sync API allows one instance per thread."""
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("No Chromium found and REQUIRE_BROWSER=1: install the 'chromium' package")
        pytest.skip("No Chromium on this machine (install the 'chromium' package)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; Django's ORM (used by
    # the tests' fixtures and assertions) refuses to run beside one unless told that
    # the code is synchronous, which it is.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(playwright_session):
    browser = playwright_session.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


@pytest.fixture
def fake_camera_chromium(playwright_session):
    """A factory: `fake_camera_chromium(video_path)` launches a Chromium of its own whose
    camera plays that Y4M file (make one with `label_video`), camera permission granted.
    Use it like `chromium`: `browser.new_context(base_url=live_server.url, ...)`. Each
    browser is closed when the test ends."""
    launched = []

    def launch(video_path):
        browser = playwright_session.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS + fake_camera_flags(video_path)
        )
        launched.append(browser)
        return browser

    yield launch
    for browser in launched:
        browser.close()


@pytest.fixture
def label_video(tmp_path):
    """A factory: `label_video(url)` writes a 640×480 Y4M clip of the label whose QR code
    holds `url` (backend/tags/qr.py's code) and returns its path."""
    return lambda url: write_label_video(tmp_path / f"label-{hashlib.sha256(url.encode()).hexdigest()[:12]}.y4m", url)


PHONE = {"width": 360, "height": 740}  # a small Android phone: owners' and crews' screens
DESK = {"width": 1280, "height": 800}  # an official's PC


def _page(chromium, live_server, viewport, *, touch: bool):
    context = chromium.new_context(
        viewport=viewport, locale="ko-KR", base_url=live_server.url, has_touch=touch, is_mobile=touch
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def phone(chromium, live_server):
    """A page the size of a small phone's screen, touch-driven, with Korean as its language."""
    context, page = _page(chromium, live_server, PHONE, touch=True)
    yield page
    context.close()


@pytest.fixture
def desk(chromium, live_server):
    """A page the size of an official's PC screen."""
    context, page = _page(chromium, live_server, DESK, touch=False)
    yield page
    context.close()


def sign_in(page, username: str, password: str, next_path: str) -> None:
    page.goto(f"/login/?next={next_path}")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
