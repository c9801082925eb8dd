// A QR scanner inside the page: the back camera in a <video>, read a few times a second.
//
// The browser's own BarcodeDetector is used where it reads QR codes (Chrome on Android,
// Safari on macOS); elsewhere the jsQR decoder shipped with the app (vendor/jsQR.js),
// loaded only then, so phones with a detector never download it.

import { openCamera } from "./photo.js";

const INTERVAL_MS = 150; // ~7 reads a second: quick to catch a label, easy on the battery
const JSQR_MAX_WIDTH = 640; // frames are shrunk to this before jsQR reads them (CPU)

async function nativeDetector() {
  if (!("BarcodeDetector" in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return null;
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
  } catch {
    return null;
  }
}

async function jsqrDetector() {
  const { default: jsQR } = await import("./vendor/jsQR.js");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return async (video) => {
    const scale = Math.min(1, JSQR_MAX_WIDTH / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
    context.drawImage(video, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    // Labels are printed dark on light: skipping the inverted pass halves the work.
    return jsQR(data, width, height, { inversionAttempts: "dontInvert" })?.data || null;
  };
}

/**
 * Show the back camera in `video` and call `onText(text)` for each QR code read — once
 * per distinct text while the scanner runs (a label held in view is reported once; start
 * a new scanner to read the same label again). Returns `{ stop() }`, which turns the
 * camera off. Throws an Error with `.code` "camera_denied" or "no_camera".
 */
export async function startScanner(video, onText) {
  const camera = await openCamera(video);
  let detect;
  try {
    detect = (await nativeDetector()) ?? (await jsqrDetector());
  } catch (error) {
    camera.stop();
    throw error;
  }
  const seen = new Set();
  let stopped = false;
  let timer = null;

  async function tick() {
    timer = null;
    if (stopped) return;
    if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth) {
      let text = null;
      try {
        text = await detect(video);
      } catch {
        // A frame the detector could not read (e.g. while the camera starts): try the next.
      }
      if (text && !stopped && !seen.has(text)) {
        seen.add(text);
        try {
          onText(text);
        } catch (error) {
          console.error(error);
        }
      }
    }
    if (!stopped) timer = setTimeout(tick, INTERVAL_MS);
  }
  tick();

  return {
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      camera.stop();
    },
  };
}
