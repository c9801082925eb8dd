"""The crew's phone app (/crew/) in a real Chromium against a real server: what a shift costs.

    .venv/bin/python bench/bench_crew_app.py                 # 20,000 bins, 300 scans with 30 photos
    .venv/bin/python bench/bench_crew_app.py --bins 2000     # quicker

Seeds a hauler serving `--bins` tagged bins in a database of its own, serves the project
with gunicorn, signs the crew in through the login page, and measures in the page:

1. The app shell's first load with Chromium's "Slow 3G" emulation (2 s round trip,
   50 kB/s each way; cache empty, no service worker): bytes transferred for the shell's
   own files, and the time until the first screen is drawn and usable
   (`body[data-ready]`). Floor: one request for a tiny answer (`/healthz`) under the same
   emulation — a single round trip, which no page can beat.
   Then the same with the service worker installed (the crew's every later start).
2. The directory of the hauler's bins: bytes on the wire, the time to fetch it and to
   store it in IndexedDB (`sync.refreshDirectory()`), against the floor of a bare
   `fetch()` + `JSON.parse` of the same answer; then 200 manual-code lookups from
   IndexedDB (`sync.findByManualCode`), p50 / p95 / max (aim: under 50 ms).
3. A shift's outbox: `--scans` scans of which `--photos` carry a ~60 kB photo, saved into
   the outbox, then `sync.syncNow()` until the outbox is empty (aim: under 5 s on
   loopback), against the floor of the same requests made with plain `fetch()` (fresh
   ids: one batch POST per 100 events, then each photo's PUT).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benches beside this one

from bench_ingest import (
    COLLECTOR_PASSWORD,
    COLLECTOR_USERNAME,
    ServerSpec,
    gunicorn,
    migrate,
    seed,
    setup_django,
)
from databases import drop_database, recreate_database, server_url

BENCH_DB = "bench_crew_app"
# Chromium DevTools' "Slow 3G" preset (now called "3G"): 400 ms × 5 latency, 500 kbit/s × 0.8.
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PHONE = {"width": 360, "height": 740}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bins", type=int, default=20_000)
    parser.add_argument("--scans", type=int, default=300)
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    return parser.parse_args(argv)


def chromium_path() -> str:
    import shutil

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        sys.exit("No Chromium on this machine: install the 'chromium' package (make browser).")
    return path


def sign_in(context, base: str) -> None:
    page = context.new_page()
    page.goto(f"{base}/login/?next=/crew/")
    page.get_by_label("아이디").fill(COLLECTOR_USERNAME)
    page.get_by_label("비밀번호").fill(COLLECTOR_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    page.close()


class Transfer:
    """Bytes on the wire per URL, as Chromium's network layer counted them (CDP)."""

    def __init__(self, cdp) -> None:
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.answers: dict[str, int] = {}
        cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", self._finished)

    def _finished(self, event) -> None:
        url = self.urls.get(event["requestId"], "?")
        self.bytes[url] = self.bytes.get(url, 0) + int(event["encodedDataLength"])
        self.answers[url] = self.answers.get(url, 0) + 1

    def total(self, predicate) -> tuple[int, int]:
        """Bytes of the answers whose URL matches, and how many answers."""
        chosen = [url for url in self.bytes if predicate(url)]
        return sum(self.bytes[url] for url in chosen), sum(self.answers[url] for url in chosen)


def throttled_page(context):
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    return page, cdp


def measure_shell(browser, base: str, state: dict) -> dict:
    def is_shell_file(url: str) -> bool:
        path = url.removeprefix(base)
        return path.startswith(("/crew/", "/static/crew/"))

    # The floor: one round trip for a few bytes.
    context = browser.new_context(storage_state=state, viewport=PHONE, is_mobile=True, has_touch=True)
    page, _ = throttled_page(context)
    started = time.perf_counter()
    page.goto(f"{base}/healthz")
    floor = time.perf_counter() - started
    page.close()

    page, cdp = throttled_page(context)
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    transfer = Transfer(cdp)
    started = time.perf_counter()
    page.goto(f"{base}/crew/", wait_until="commit")
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    cold = time.perf_counter() - started
    shell_bytes, shell_files = transfer.total(is_shell_file)
    # Let the service worker finish installing (it precaches the shell) before the warm start.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null || true")
    time.sleep(1)
    page.close()

    page, cdp = throttled_page(context)
    started = time.perf_counter()
    page.goto(f"{base}/crew/", wait_until="commit")
    page.wait_for_selector("body[data-ready]", timeout=120_000)
    warm = time.perf_counter() - started
    page.close()
    context.close()
    return {"floor_s": floor, "cold_s": cold, "warm_s": warm, "bytes": shell_bytes, "files": shell_files}


DIRECTORY_JS = """async () => {
  const sync = await import('/static/crew/sync.js');
  const db = await import('/static/crew/db.js');
  await db.transaction(['directory', 'meta'], 'readwrite', async (s) => {
    s.directory.clear();
    s.meta.delete('directory_cursor');
  });
  let started = performance.now();
  const answer = await (await fetch('/api/v1/crew/directory/', {credentials: 'same-origin'})).json();
  const floor = performance.now() - started;
  started = performance.now();
  await sync.refreshDirectory();
  const full = performance.now() - started;
  const stored = await db.transaction('directory', 'readonly', (s, result) => result(s.directory.count()));
  return {floor, full, bins: answer.bins.length, stored, codes: answer.bins.map((b) => b.manual_code)};
}"""

LOOKUP_JS = """async (codes) => {
  const sync = await import('/static/crew/sync.js');
  const times = [];
  let found = 0;
  for (const code of codes) {
    const started = performance.now();
    const bin = await sync.findByManualCode(code);
    times.push(performance.now() - started);
    if (bin) found += 1;
  }
  return {times, found};
}"""


def measure_directory(page, base: str, lookups: int, rng: random.Random) -> dict:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    transfer = Transfer(cdp)
    result = page.evaluate(DIRECTORY_JS)
    wire, answers = transfer.total(lambda url: "/api/v1/crew/directory/" in url)
    codes = rng.sample(result["codes"], min(lookups, len(result["codes"])))
    looked = page.evaluate(LOOKUP_JS, codes)
    times = sorted(looked["times"])
    return {
        "bins": result["bins"],
        "stored": result["stored"],
        "wire_bytes_per_fetch": wire // max(answers, 1),  # the floor's fetch and the app's
        "floor_ms": result["floor"],
        "full_ms": result["full"],
        "found": looked["found"],
        "lookups": len(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(len(times) * 0.95) - 1],
        "max_ms": times[-1],
    }


FILL_JS = """async ({tags, scans, photos}) => {
  const outbox = await import('/static/crew/outbox.js');
  const canvas = new OffscreenCanvas(800, 600);
  const paint = canvas.getContext('2d');
  for (let i = 0; i < 4000; i += 1) {  // noise, so that the JPEG is a photo's size, not a flat colour's
    paint.fillStyle = `hsl(${(i * 47) % 360} 60% ${30 + (i % 40)}%)`;
    paint.fillRect((i * 37) % 800, (i * 53) % 600, 12, 12);
  }
  const photo = await canvas.convertToBlob({type: 'image/jpeg', quality: 0.8});
  const start = Date.now() - scans * 1000;
  const events = [];
  for (let i = 0; i < scans; i += 1) {
    const id = crypto.randomUUID();
    const event = {id, tag: tags[i % tags.length], source: 'qr', weight_kg: (5 + (i % 20) / 10).toFixed(1),
                   collected_at: new Date(start + i * 1000).toISOString(), lat: 37.5, lng: 126.9, gps_accuracy_m: 12};
    const withPhoto = i < photos;
    if (withPhoto) event.photo_id = crypto.randomUUID();
    events.push(event);
    await outbox.save({event, binId: null, label: tags[i % tags.length], photo: withPhoto ? photo : null});
  }
  window.benchShift = {events, photo};
  return {waiting: await outbox.waitingCount(), photoBytes: photo.size};
}"""

# Started the moment the phone is back online: the app sends on its own (the `online`
# event), and is also asked to; the clock stops when the outbox holds nothing to send.
DRAIN_JS = """async () => {
  const outbox = await import('/static/crew/outbox.js');
  const sync = await import('/static/crew/sync.js');
  const started = performance.now();
  sync.syncNow();
  for (;;) {
    const photos = (await outbox.photos()).filter((p) => p.state === 'waiting').length;
    if ((await outbox.waitingCount()) === 0 && photos === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const requests = performance.getEntriesByType('resource').filter((r) => r.startTime >= started - 1000)
    .map((r) => [r.name.split('/api/v1/')[1] || r.name, Math.round(r.startTime - started), Math.round(r.duration)]);
  return {app: performance.now() - started, left: await outbox.waitingCount(),
          photosLeft: (await outbox.photos()).length, requests};
}"""

# The floor: the same requests with plain fetch() (fresh ids), one after another.
FLOOR_JS = """async () => {
  const {events, photo} = window.benchShift;
  const csrf = document.cookie.split('; ').find((c) => c.startsWith('csrftoken=')).split('=')[1];
  const headers = {'X-CSRFToken': csrf};
  const fresh = events.map((e) => ({...e, id: crypto.randomUUID(),
                                    photo_id: e.photo_id ? crypto.randomUUID() : undefined}));
  const started = performance.now();
  for (let i = 0; i < fresh.length; i += 100) {
    const answer = await fetch('/api/v1/collections/batch/', {method: 'POST', credentials: 'same-origin',
      headers: {...headers, 'Content-Type': 'application/json'},
      body: JSON.stringify({events: fresh.slice(i, i + 100)})});
    if (!answer.ok) throw new Error('floor batch ' + answer.status);
  }
  for (const e of fresh.filter((e) => e.photo_id)) {
    const form = new FormData();
    form.append('image', photo, 'photo.jpg');
    const answer = await fetch(`/api/v1/collections/${e.id}/photo/`,
                               {method: 'PUT', credentials: 'same-origin', headers, body: form});
    if (!answer.ok) throw new Error('floor photo ' + answer.status);
  }
  return performance.now() - started;
}"""


def measure_shift(page, tags: list[str], scans: int, photos: int) -> dict:
    """The outbox filled with no signal (so the app cannot send as it goes), then drained."""
    page.context.set_offline(True)
    filled = page.evaluate(FILL_JS, {"tags": tags, "scans": scans, "photos": photos})
    page.context.set_offline(False)
    drained = page.evaluate(DRAIN_JS)
    if os.environ.get("BENCH_DEBUG"):
        for request in drained["requests"]:
            print("   ", request)
    floor = page.evaluate(FLOOR_JS)
    return {**filled, **drained, "floor": floor}


def count_stored(event_ids_expected: int) -> dict:
    from backend.collection_events.models import CollectionEvent

    stored = CollectionEvent.objects.count()
    with_photo = CollectionEvent.objects.filter(photo__isnull=False).count()
    return {"events": stored, "with_photo": with_photo, "expected": event_ids_expected}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    server = server_url()
    bench_url = recreate_database(server, BENCH_DB)
    try:
        setup_django(bench_url)
        if failed := migrate():
            print(f"note: full migration failed ({failed}); migrated the ingest apps only")
        started = time.perf_counter()
        tags = seed(bins=args.bins, rng=rng)
        print(f"seeded {args.bins:,} bins in {time.perf_counter() - started:.1f} s")

        from playwright.sync_api import sync_playwright

        # Playwright's sync API keeps an event loop in this thread; the ORM reads below
        # are synchronous all the same.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

        with (
            tempfile.TemporaryDirectory() as folder,
            gunicorn(ServerSpec.parse("2x4"), bench_url=bench_url, log=Path(folder) / "gunicorn.log", extra=[]) as web,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="ko-KR")
            sign_in(context, web.base)
            state = context.storage_state()

            shell = measure_shell(browser, web.base, state)
            print("\n1. App shell on Slow 3G (2 s round trip, 50 kB/s)")
            print(f"   shell files transferred: {shell['files']} files, {shell['bytes'] / 1024:.1f} KiB")
            print(f"   floor (one round trip, /healthz): {shell['floor_s']:.2f} s")
            floor = shell["floor_s"]
            print(f"   first start, no cache: {shell['cold_s']:.2f} s  ({shell['cold_s'] / floor:.2f}× floor)")
            print(f"   later starts, service worker: {shell['warm_s']:.2f} s  ({shell['warm_s'] / floor:.2f}× floor)")

            page = context.new_page()
            page.goto(f"{web.base}/crew/")
            page.wait_for_selector("body[data-ready]")
            directory = measure_directory(page, web.base, args.lookups, rng)
            print(f"\n2. Directory of {directory['bins']:,} bins (stored {directory['stored']:,})")
            print(f"   on the wire: {directory['wire_bytes_per_fetch'] / 1024:.0f} KiB")
            print(f"   floor, fetch + JSON.parse: {directory['floor_ms']:.0f} ms")
            print(
                f"   fetch + store in IndexedDB: {directory['full_ms']:.0f} ms "
                f"({directory['full_ms'] / directory['floor_ms']:.2f}× floor)"
            )
            print(
                f"   {directory['lookups']} manual-code lookups ({directory['found']} found): "
                f"p50 {directory['p50_ms']:.1f} ms, p95 {directory['p95_ms']:.1f} ms, max {directory['max_ms']:.1f} ms"
            )

            shift = measure_shift(page, [tag.url for tag in tags[:500]], args.scans, args.photos)
            photo_kib = shift["photoBytes"] / 1024
            print(f"\n3. A shift: {shift['waiting']} queued scans, {args.photos} photos of {photo_kib:.0f} KiB")
            print(f"   floor, the same requests with fetch(): {shift['floor']:.0f} ms")
            ratio = shift["app"] / shift["floor"]
            print(f"   app sync until the outbox is empty: {shift['app']:.0f} ms ({ratio:.2f}× floor)")
            print(f"   left in the outbox: {shift['left']} scans, {shift['photosLeft']} photos")
            stored = count_stored(2 * args.scans)
            events, expected, photographed = stored["events"], stored["expected"], stored["with_photo"]
            print(f"   stored: {events} events ({expected} expected), {photographed} with photos")
            browser.close()
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(server, BENCH_DB)


if __name__ == "__main__":
    main()
