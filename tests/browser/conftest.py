"""A real Chromium, driven by Playwright, against Django's live test server.

Playwright's own browser download needs the internet, so we launch the system's
Chromium (`make test` installs it with apt where it can). Without one these tests
skip, unless REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""

import os
import shutil

import pytest

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
def chromium():
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
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium, live_server):
    """A page the size of a phone screen, with Korean as its language."""
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, username: str, password: str, next_path: str) -> None:
    page.goto(f"/login/?next={next_path}")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(password)
    page.get_by_role("button", name="로그인").click()
