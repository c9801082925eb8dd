"""The crew app's camera modules in a real Chromium: the in-page QR scanner reads a label
off Chromium's fake camera, photos come out small, upright and without their EXIF (GPS)
block, and the manual code is checked in the browser exactly as the server checks it.

The modules are served from backend/crew/static/crew/ by Playwright at a loopback
origin (a secure context, as the camera requires) with a bare test page, so they are
tested without the app that imports them.
"""

import base64
import hashlib
import io
import random
from pathlib import Path

import pytest
from PIL import Image

from backend.core.middleware import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from backend.tags.codes import (
    MANUAL_ALPHABET,
    format_manual_code,
    is_valid_manual_code,
    new_manual_code,
    normalize_manual_code,
)

pytestmark = pytest.mark.browser

STATIC = Path(__file__).resolve().parents[2] / "backend" / "crew" / "static" / "crew"
ORIGIN = "http://127.0.0.1:8719"  # loopback counts as secure; nothing listens, Playwright answers
HARNESS = '<!doctype html><html lang="ko"><title>scanner</title><video id="camera"></video></html>'
TAG_URL = "http://127.0.0.1:8000/t/abcdefghijklmnop"

# Blob → base64, so a JPEG made in the page reaches Python byte for byte.
BLOB_TO_BASE64 = """async (blob) => {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}"""


# The project's own headers, so the modules are tested under the policy the app is served with
# (camera on this origin only, autoplay denied, scripts from 'self' only).
HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Permissions-Policy": PERMISSIONS_POLICY}


def _serve(route):
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/":
        route.fulfill(body=HARNESS, content_type="text/html; charset=utf-8", headers=HEADERS)
    elif path.startswith("/static/crew/") and ".." not in path:
        route.fulfill(
            path=str(STATIC / path.removeprefix("/static/crew/")), content_type="text/javascript", headers=HEADERS
        )
    else:
        route.fulfill(status=404)


@pytest.fixture
def harness():
    """A factory: `harness(browser)` opens a page at ORIGIN whose /static/crew/ are the
    app's module files; its context is closed when the test ends."""
    contexts = []

    def open_page(browser, *, init_script: str | None = None):
        context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        context.route(f"{ORIGIN}/**", _serve)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{ORIGIN}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def jpeg_from_page(page, expression: str, arg=None) -> bytes:
    """Run `expression` (an async function returning a Blob) and bring back its bytes."""
    encoded = page.evaluate(f"async (arg) => ({BLOB_TO_BASE64})(await ({expression})(arg))", arg)
    return base64.b64decode(encoded)


# --- the scanner, on Chromium's fake camera ---------------------------------------


def test_the_scanner_reads_the_tag_url_off_a_label_once(fake_camera_chromium, label_video, harness):
    page = harness(fake_camera_chromium(label_video(TAG_URL)))
    result = page.evaluate(
        """async () => {
          const { startScanner } = await import("/static/crew/scanner.js");
          const video = document.getElementById("camera");
          const texts = [];
          let first;
          const read = new Promise((resolve) => (first = resolve));
          const scanner = await startScanner(video, (text) => { texts.push(text); first(); });
          await Promise.race([read, new Promise((resolve) => setTimeout(resolve, 8000))]);
          await new Promise((resolve) => setTimeout(resolve, 1000));  // the label stays in view
          const stream = video.srcObject;
          scanner.stop();
          return {
            texts,
            native: "BarcodeDetector" in window,
            cameraOff: stream.getTracks().every((track) => track.readyState === "ended"),
          };
        }"""
    )
    assert result["native"] is False  # Chromium on Linux has no BarcodeDetector: jsQR read it
    assert result["texts"] == [TAG_URL]
    assert result["cameraOff"] is True


FAKE_BARCODE_DETECTOR = """
window.BarcodeDetector = class {
  static async getSupportedFormats() { return ["qr_code", "ean_13"]; }
  constructor(options) { window.detectorFormats = options.formats; }
  async detect(source) { return source.videoWidth ? [{ rawValue: "read by the browser" }] : []; }
};
"""


def test_the_scanner_uses_the_browsers_own_detector_where_there_is_one(fake_camera_chromium, label_video, harness):
    page = harness(fake_camera_chromium(label_video(TAG_URL)), init_script=FAKE_BARCODE_DETECTOR)
    result = page.evaluate(
        """async () => {
          const { startScanner } = await import("/static/crew/scanner.js");
          const text = await new Promise(async (resolve) => {
            const scanner = await startScanner(document.getElementById("camera"), (text) => {
              scanner.stop();
              resolve(text);
            });
          });
          const jsqrLoaded = performance.getEntriesByType("resource").some((e) => e.name.endsWith("/jsQR.js"));
          return { text, formats: window.detectorFormats, jsqrLoaded };
        }"""
    )
    assert result == {"text": "read by the browser", "formats": ["qr_code"], "jsqrLoaded": False}


@pytest.mark.parametrize(
    ("media_devices", "code"),
    [
        ("{getUserMedia: async () => { throw new DOMException('no', 'NotAllowedError'); }}", "camera_denied"),
        ("{getUserMedia: async () => { throw new DOMException('none', 'NotFoundError'); }}", "no_camera"),
        ("undefined", "no_camera"),  # an old browser, or a page that is not a secure context
    ],
    ids=["refused", "missing", "no-media-devices"],
)
def test_a_camera_that_cannot_be_used_is_named_for_the_app(chromium, media_devices, code, harness):
    page = harness(
        chromium,
        init_script=f"Object.defineProperty(navigator, 'mediaDevices', {{value: {media_devices}}});",
    )
    thrown = page.evaluate(
        """async () => {
          const { startScanner } = await import("/static/crew/scanner.js");
          try {
            await startScanner(document.getElementById("camera"), () => {});
            return null;
          } catch (error) {
            return error.code;
          }
        }"""
    )
    assert thrown == code


# --- photos ----------------------------------------------------------------------


def test_a_photo_from_the_camera_is_a_jpeg_no_larger_than_asked(fake_camera_chromium, label_video, harness):
    page = harness(fake_camera_chromium(label_video(TAG_URL)))
    page.evaluate(
        """async () => {
          const { openCamera } = await import("/static/crew/photo.js");
          window.camera = await openCamera(document.getElementById("camera"));
        }"""
    )
    capture = """async (options) => {
      const { capturePhoto } = await import("/static/crew/photo.js");
      return capturePhoto(document.getElementById("camera"), options);
    }"""
    small = Image.open(io.BytesIO(jpeg_from_page(page, capture, {"maxSide": 320})))
    full = Image.open(io.BytesIO(jpeg_from_page(page, capture, {})))
    page.evaluate("() => window.camera.stop()")

    assert (small.format, small.size) == ("JPEG", (320, 240))
    assert (full.format, full.size) == ("JPEG", (640, 480))  # the camera's 640×480 is under 1280: not enlarged


def phone_photo_with_gps() -> bytes:
    """An 800×400 JPEG as a phone stores a portrait shot: sideways, with EXIF orientation 6
    (turn 90° clockwise to view) and the GPS position where it was taken. A red corner
    marks the stored image's top left, which is the upright photo's top right."""
    image = Image.new("RGB", (800, 400), (40, 120, 200))
    image.paste((230, 20, 20), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (37.0, 33.0, 58.0), 3: "E", 4: (126.0, 58.0, 40.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def test_a_picked_photo_comes_out_upright_small_and_without_its_gps(chromium, harness):
    original = phone_photo_with_gps()
    assert b"Exif\x00\x00" in original and Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    page = harness(chromium)
    shrunk = jpeg_from_page(
        page,
        """async (b64) => {
          const { shrinkPhoto } = await import("/static/crew/photo.js");
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          return shrinkPhoto(new Blob([bytes], { type: "image/jpeg" }), { maxSide: 640 });
        }""",
        base64.b64encode(original).decode(),
    )
    photo = Image.open(io.BytesIO(shrunk))

    assert b"Exif" not in shrunk  # no APP1 EXIF segment: no GPS, no phone model
    assert not photo.getexif()
    assert (photo.format, photo.size) == ("JPEG", (320, 640))  # portrait, longest side 640
    red, green, blue = photo.getpixel((300, 20))
    assert red > 180 and green < 80 and blue < 80  # the marked corner is now top right


def test_a_file_that_is_not_an_image_is_refused_with_a_code(chromium, harness):
    page = harness(chromium)
    code = page.evaluate(
        """async () => {
          const { shrinkPhoto } = await import("/static/crew/photo.js");
          try {
            await shrinkPhoto(new Blob(["not a photo"], { type: "image/jpeg" }));
          } catch (error) {
            return error.code;
          }
        }"""
    )
    assert code == "photo_unreadable"


# --- the manual code -------------------------------------------------------------


def typing_mistakes(code: str, rng: random.Random) -> list[str]:
    """One wrong character, and two neighbours swapped, somewhere in the code."""
    position = rng.randrange(len(code))
    wrong = rng.choice([symbol for symbol in MANUAL_ALPHABET if symbol != code[position]])
    mistakes = [code[:position] + wrong + code[position + 1 :]]
    swaps = [i for i in range(len(code) - 1) if code[i] != code[i + 1]]
    if swaps:
        i = rng.choice(swaps)
        mistakes.append(code[:i] + code[i + 1] + code[i] + code[i + 2 :])
    return mistakes


def test_the_manual_code_is_checked_in_the_browser_as_on_the_server(chromium, harness):
    rng = random.Random(10)
    codes = [new_manual_code() for _ in range(200)]
    candidates = [variant for code in codes for variant in [code, *typing_mistakes(code, rng)]]
    candidates += ["", "A", "00", "ABCDEFGHU", "abcdefghk", "ABCD-EFGH-K", "ÀBCDEFGHK"]
    typed = [f"{code[:4].lower()} {code[4:8]}-{code[8]}" for code in codes[:20]]
    typed += [code.replace("0", "o").replace("1", "l") for code in codes[:20]]
    typed += ["  abcd-efgh-k ", "ı0ß", "\tIlO-"]

    page = harness(chromium)
    browser = page.evaluate(
        """async ({ candidates, typed, codes }) => {
          const { normalize, isValid, format } = await import("/static/crew/manual_code.js");
          return {
            valid: candidates.map(isValid),
            normalized: typed.map(normalize),
            formatted: codes.map(format),
          };
        }""",
        {"candidates": candidates, "typed": typed, "codes": codes},
    )

    server_valid = [is_valid_manual_code(candidate) for candidate in candidates]
    assert server_valid.count(True) == 200 + 1  # every code, and "00"; every mistake caught
    assert browser["valid"] == server_valid
    assert browser["normalized"] == [normalize_manual_code(text) for text in typed]
    assert all(is_valid_manual_code(normalize_manual_code(text)) for text in typed[:40])
    assert browser["formatted"] == [format_manual_code(code) for code in codes]


def test_the_vendored_decoder_is_jsqr_as_published():
    """vendor/jsQR.js wraps npm's jsqr@1.4.0 dist/jsQR.js unchanged (docs/dependencies.md)."""
    text = (STATIC / "vendor" / "jsQR.js").read_bytes()
    published = text.split(b"// ---- begin jsqr@1.4.0 dist/jsQR.js ----\n")[1].split(b"\n// ---- end")[0]
    assert hashlib.sha256(published).hexdigest() == "bc40c8a15196236b2314db0856f72ca0b49980cd5413b8c852a7349f5fee0859"
    assert (STATIC / "vendor" / "jsQR.LICENSE").read_text().lstrip().startswith("Apache License")
