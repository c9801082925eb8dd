"""The crew's app on a phone (Playwright, 360 px, touch): a shift recorded with no
signal loses nothing and stores nothing twice, even when the server's answers are lost
after it committed; the service worker opens the app offline and a new release
replaces it without touching the outbox; every screen passes the usability checks."""

import random
import re
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from backend.collection_events.models import CollectionEvent
from backend.crew import shell
from backend.tags import sun
from tests.browser.a11y import assert_usable
from tests.browser.conftest import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "crew-password-1"
EXCEPTIONS = ["미배출", "이물질 혼입", "과적", "용기 파손", "접근 불가", "태그 불량"]
EXCEPTION_CODES = ["not_put_out", "contaminated", "overfilled", "bin_damaged", "no_access", "tag_unreadable"]

# Web NFC as Chrome on Android gives it: `scan()`, then a `reading` event whose message
# holds the tag's URL record. The test says which URL the next tap reads.
FAKE_NFC = """
window.NDEFReader = class extends EventTarget {
  async scan({ signal } = {}) {
    const url = window.__nextTap;
    window.__nextTap = null;
    setTimeout(() => {
      if (!url || (signal && signal.aborted)) return;
      const event = new Event('reading');
      event.serialNumber = '04:de:5f:1e:ac:c0:40';
      event.message = { records: [{ recordType: 'url', data: new DataView(new TextEncoder().encode(url).buffer) }] };
      this.dispatchEvent(event);
    }, 20);
  }
};
"""


@pytest.fixture
def crew(collector):
    collector.set_password(PASSWORD)
    collector.save()
    return collector


@pytest.fixture
def route(f, district, official):
    """30 bins on the crew's route; the first 10 carry NTAG 424 DNA chips (SUN)."""
    tags = [f.TagFactory(bin__restaurant__district=district, issued_by=official) for _ in range(30)]
    for number, tag in enumerate(tags[:10]):
        tag.record_nfc_uid(f"04DE5F1EACC0{number:02X}", sun_enabled=True)
    return tags


def tapped_url(tag, counter=1):
    uid = bytes.fromhex(tag.nfc_uid)
    keys = sun.tag_keys(sun.master_key_from_hex(settings.SUN_MASTER_KEY), uid)
    return sun.simulate_tap(
        sun.sun_url_template(tag.url),
        uid=uid,
        counter=counter,
        meta_read_key=keys.meta_read_key,
        file_read_key=keys.file_read_key,
    )


def open_app(browser, live_server):
    """The crew's phone, signed in on the app, its service worker in control."""
    context = browser.new_context(
        viewport=PHONE,
        locale="ko-KR",
        timezone_id="Asia/Seoul",
        base_url=live_server.url,
        has_touch=True,
        is_mobile=True,
        service_workers="allow",
        permissions=["geolocation"],
        geolocation={"latitude": 37.5551, "longitude": 126.9101, "accuracy": 12},
    )
    context.add_init_script(FAKE_NFC)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, "collector", PASSWORD, "/crew/")
    expect(page.locator("body")).to_have_attribute("data-ready", "/crew/")
    wait_for(page, "navigator.serviceWorker.controller !== null")
    return page


@pytest.fixture
def app(chromium, live_server, crew):
    in_flight = RequestsInFlight()
    page = open_app(chromium, live_server)
    yield page
    # The app syncs on its own timers: let the server finish what the phone asked before
    # the test's database is emptied (a request still writing meanwhile deadlocks the flush).
    page.context.close()
    in_flight.wait_until_idle()


class RequestsInFlight:
    """Requests the live server has started and not yet finished, counted by Django's signals."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        request_started.connect(self.started, weak=False)
        request_finished.connect(self.finished, weak=False)

    def started(self, **kwargs) -> None:
        with self.lock:
            self.count += 1

    def finished(self, **kwargs) -> None:
        with self.lock:
            self.count -= 1

    def wait_until_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        request_started.disconnect(self.started)
        request_finished.disconnect(self.finished)


def wait_for(page, script, timeout=10.0):
    """Poll `script` in the page (the app's Content-Security-Policy forbids the eval
    Playwright's wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(script):
                return
        except PlaywrightError as error:  # the app reloaded itself meanwhile: ask the new page
            if "context was destroyed" not in error.message:
                raise
        if time.monotonic() > deadline:
            state = page.evaluate(
                "async () => ({ caches: await caches.keys(), workers: await navigator.serviceWorker.getRegistration()"
                ".then((r) => r && [r.installing, r.waiting, r.active].map((w) => w && w.state)) })"
            )
            raise AssertionError(f"still false after {timeout}s: {script} ({state})")
        time.sleep(0.05)


@pytest.fixture
def server_hits():
    """Paths the live server was asked for, from now on."""
    seen: list[str] = []

    def record(sender, environ, **kwargs):
        seen.append(environ["PATH_INFO"])

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def waiting(page):
    """The page's body: `data-waiting` scans wait in the outbox, `data-sent` went through today."""
    return page.locator("body")


def by_manual_code(page, tag):
    page.get_by_label("수동 코드").fill(tag.manual_code_display.lower())
    page.get_by_role("button", name="열기").click()
    expect(page.get_by_label("무게")).to_be_visible()


def by_nfc(page, url):
    page.evaluate("(url) => { window.__nextTap = url; }", url)
    page.get_by_role("button", name="NFC 태그 읽기").click()
    expect(page.get_by_label("무게")).to_be_visible()


def save(page, *, weight=None, exception=None, keypad=False, photo=False):
    if exception:
        page.get_by_role("button", name=exception).click()
        if photo:  # taken in the page, with the phone's (Chromium's fake) camera
            page.get_by_role("button", name="사진 찍기").click()
            page.get_by_role("button", name="촬영").click()
            expect(page.get_by_role("img", name="첨부할 사진")).to_be_visible()
    elif keypad:
        for key in weight:
            page.get_by_role("button", name=key, exact=True).click()
    else:
        page.get_by_label("무게").fill(weight)
    page.get_by_role("button", name="저장").click()
    page.wait_for_url(re.compile(r"/crew/$"))
    expect(page.get_by_test_id("saved")).to_contain_text("저장했습니다")


def record_shift(page, route, *, photos=()):
    """30 scans: the SUN tags by an NFC tap, the others by their manual code; every fifth
    an exception (with a photo for the numbers in `photos`). Returns what each tag's scan
    should be stored as."""
    expected = {}
    for number, tag in enumerate(route):
        if number < 10:
            by_nfc(page, tapped_url(tag))
        else:
            by_manual_code(page, tag)
        if number % 5 == 4:
            exception = number // 5 % len(EXCEPTIONS)
            save(page, exception=EXCEPTIONS[exception], photo=number in photos)
            expected[tag.code] = (None, EXCEPTION_CODES[exception], "nfc" if number < 10 else "manual")
        else:
            weight = f"{10 + number}.5"
            save(page, weight=weight, keypad=number % 3 == 0)
            expected[tag.code] = ((10 + number) * 1000 + 500, "", "nfc" if number < 10 else "manual")
    return expected


def stored(route):
    rows = CollectionEvent.objects.filter(tag__in=route).values_list(
        "tag__code", "weight_g", "exception_code", "source"
    )
    return {code: (weight, exception, source) for code, weight, exception, source in rows}


def test_a_whole_shift_offline_is_stored_once_when_back_online(
    fake_camera_chromium, label_video, live_server, crew, route, server_hits
):
    app = open_app(fake_camera_chromium(label_video(route[0].url)), live_server)
    app.wait_for_load_state("networkidle")  # the directory and today's stops are in
    app.context.set_offline(True)
    server_hits.clear()
    expect(app.locator("#offline-banner")).to_be_visible()
    expected = record_shift(app, route, photos={4, 19})
    expect(waiting(app)).to_have_attribute("data-waiting", "30")
    assert app.locator("#waiting").inner_text().startswith("전송 대기 30건")

    # The phone is closed and opened again, still with no signal: the app opens from the
    # service worker and nothing was lost.
    app.reload()
    expect(app.locator("body")).to_have_attribute("data-ready", "/crew/")
    expect(waiting(app)).to_have_attribute("data-waiting", "30")
    assert server_hits == []  # truly offline: not even the service worker reached the server
    assert not CollectionEvent.objects.exists()

    app.context.set_offline(False)
    expect(waiting(app)).to_have_attribute("data-sent", "30", timeout=15_000)
    assert stored(route) == expected
    assert CollectionEvent.objects.count() == 30
    tapped = set(CollectionEvent.objects.filter(physically_tapped=True).values_list("tag__code", flat=True))
    assert tapped == {tag.code for tag in route[:10]}
    # GPS was allowed: each scan carries the phone's position.
    assert not CollectionEvent.objects.filter(lat__isnull=True).exists()
    # The photos follow their scans.
    expect(app.locator("body")).to_have_attribute("data-photos-waiting", "0")
    with_photo = CollectionEvent.objects.exclude(photo_id=None).select_related("photo")
    assert sorted(event.tag.code for event in with_photo) == sorted([route[4].code, route[19].code])
    assert all(event.attached_photo is not None for event in with_photo)
    app.context.close()


def test_answers_lost_after_the_server_committed_store_each_scan_once(app, route):
    chance = random.Random(1030)
    dropped = []

    def flaky(request_route):
        response = request_route.fetch()  # the server has stored the batch...
        if chance.random() < 0.3:
            dropped.append(request_route.request.post_data_json["events"][0]["id"])
            request_route.abort("connectionreset")  # ...and the phone never hears it
        else:
            request_route.fulfill(response=response)

    app.context.route("**/api/v1/collections/batch/", flaky)
    expected = record_shift(app, route)
    expect(waiting(app)).to_have_attribute("data-sent", "30", timeout=30_000)
    assert dropped, "the seeded drops must hit at least one batch"
    assert stored(route) == expected
    assert CollectionEvent.objects.count() == 30


def test_a_new_release_replaces_the_app_and_keeps_the_outbox(app, route, monkeypatch):
    old = shell.release()
    assert app.evaluate("caches.keys()") == [f"crew-shell-{old}"]
    app.context.route("**/api/v1/collections/batch/", lambda request_route: request_route.abort())
    by_manual_code(app, route[12])
    save(app, weight="21.5")
    expect(waiting(app)).to_have_attribute("data-waiting", "1")

    monkeypatch.setattr(shell, "release", lambda: "nextrelease1")
    app.reload()
    wait_for(app, "caches.keys().then((names) => names.join() === 'crew-shell-nextrelease1')", timeout=30)
    app.context.set_offline(True)
    app.reload()
    expect(app.locator("html")).to_have_attribute("data-release", "nextrelease1")
    expect(waiting(app)).to_have_attribute("data-waiting", "1")

    app.context.unroute("**/api/v1/collections/batch/")
    app.context.set_offline(False)
    expect(waiting(app)).to_have_attribute("data-sent", "1")
    assert stored([route[12]]) == {route[12].code: (21_500, "", "manual")}


def test_saving_a_visit_twice_is_one_scan(app, route):
    by_manual_code(app, route[15])
    app.get_by_label("무게").fill("9.5")
    # A double tap on 저장, and the back button to the weighing screen and 저장 again.
    app.get_by_role("button", name="저장").dblclick()
    app.wait_for_url(re.compile(r"/crew/$"))
    expect(waiting(app)).to_have_attribute("data-sent", "1")
    assert CollectionEvent.objects.filter(tag=route[15]).count() == 1


def test_every_screen_is_usable(app, route, f, district):
    assert_usable(app, "stops")
    app.get_by_label("수동 코드").fill(route[3].manual_code[:8] + ("0" if route[3].manual_code[8] != "0" else "1"))
    expect(app.locator("#manual-code-hint")).to_contain_text("맞지 않습니다")
    assert_usable(app, "manual code with a bad check character")
    app.get_by_role("button", name="열기").click()
    assert "/crew/weigh" not in app.url  # a typo never opens a bin

    by_manual_code(app, route[3])
    assert_usable(app, "weighing")
    app.get_by_role("button", name="저장").click()
    expect(app.get_by_role("alert")).to_contain_text("무게를 kg으로")
    assert_usable(app, "weighing with an error")
    app.get_by_role("button", name="과적").click()
    expect(app.get_by_role("heading", name="사진")).to_be_visible()
    assert_usable(app, "weighing with an exception")
    app.get_by_role("link", name="취소").click()

    # A code printed on no label the server knows: recorded, then refused on sync.
    retired = f.TagFactory(bin__restaurant__district=district)
    code = retired.manual_code_display
    retired.delete()
    app.get_by_label("수동 코드").fill(code)
    app.get_by_role("button", name="열기").click()
    expect(app.get_by_test_id("unknown-bin")).to_be_visible()
    save(app, weight="3")
    rejected = app.get_by_test_id("rejected")
    expect(rejected).to_contain_text("등록되지 않은 태그")
    assert_usable(app, "rejected scans")
    rejected.get_by_role("button", name="확인했습니다").click()
    expect(rejected).to_have_count(0)

    app.context.set_offline(True)
    expect(app.locator("#offline-banner")).to_be_visible()
    assert_usable(app, "offline")


def test_a_label_read_by_the_in_page_scanner_with_a_photo_of_the_problem(
    fake_camera_chromium, label_video, live_server, crew, route
):
    tag = route[20]
    page = open_app(fake_camera_chromium(label_video(tag.url)), live_server)
    page.get_by_role("link", name="QR 스캔").click()
    expect(page.get_by_label("무게")).to_be_visible()
    assert_usable(page, "weighing after a QR scan")
    page.get_by_role("button", name="용기 파손").click()
    page.get_by_role("button", name="사진 찍기").click()
    page.get_by_role("button", name="촬영").click()
    expect(page.get_by_role("img", name="첨부할 사진")).to_be_visible()
    page.get_by_role("button", name="저장").click()
    expect(page.get_by_test_id("saved")).to_contain_text("저장했습니다")
    expect(waiting(page)).to_have_attribute("data-sent", "1")
    assert stored([tag]) == {tag.code: (None, "bin_damaged", "qr")}
    page.context.close()


def test_a_lost_session_asks_to_sign_in_again_and_keeps_the_scans(app, route):
    app.context.clear_cookies()  # the session expired overnight
    by_manual_code(app, route[25])
    save(app, weight="14.5")
    banner = app.get_by_role("alert").filter(has_text="다시 로그인해 주세요")
    expect(banner).to_be_visible()
    expect(waiting(app)).to_have_attribute("data-waiting", "1")
    assert_usable(app, "signed out")
    banner.get_by_role("link", name="로그인").click()
    app.get_by_label("아이디").fill("collector")
    app.get_by_label("비밀번호").fill(PASSWORD)
    app.get_by_role("button", name="로그인").click()
    expect(waiting(app)).to_have_attribute("data-sent", "1")
    assert stored([route[25]]) == {route[25].code: (14_500, "", "manual")}


def test_todays_stops_count_down_as_the_crew_scans_even_offline(app, route):
    app.reload()  # the directory and today's stops, fetched while online
    first, second = route[0].bin.restaurant.name, route[1].bin.restaurant.name
    expect(app.get_by_test_id("left")).to_contain_text("남은 곳 30")
    today = datetime.now(ZoneInfo("Asia/Seoul")).date()  # the municipality's day, in words
    weekday = "월화수목금토일"[today.weekday()]
    expect(app.get_by_test_id("left")).to_contain_text(f"{today.month}월 {today.day}일 ({weekday})")
    expect(app.get_by_test_id("next")).to_contain_text(first)
    assert_usable(app, "today's stops")

    app.context.set_offline(True)
    by_manual_code(app, route[0])
    expect(app.get_by_test_id("restaurant")).to_have_text(first)  # from the directory kept on the phone
    save(app, weight="11.5")
    expect(app.get_by_test_id("left")).to_contain_text("남은 곳 29")
    expect(app.get_by_test_id("next")).to_contain_text(second)
    app.reload()
    expect(app.get_by_test_id("left")).to_contain_text("남은 곳 29")


def test_a_tag_url_opened_with_no_signal_opens_the_weighing_screen(app, route):
    url = tapped_url(route[4], counter=5)
    app.context.set_offline(True)
    app.goto(url.removeprefix(settings.PUBLIC_BASE_URL))  # the phone's own NFC opens the chip's URL
    expect(app.get_by_label("무게")).to_be_visible()
    save(app, weight="8.5")
    expect(waiting(app)).to_have_attribute("data-waiting", "1")
    app.context.set_offline(False)
    expect(waiting(app)).to_have_attribute("data-sent", "1")
    event = CollectionEvent.objects.get()
    assert (event.tag, event.weight_g, event.source, event.physically_tapped) == (route[4], 8_500, "nfc", True)
