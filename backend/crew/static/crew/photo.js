// The phone's camera, and photos made small and anonymous before they are queued.
//
// Every photo leaves through a canvas, re-encoded as JPEG: that drops the EXIF block
// (GPS position, phone model, time) a camera writes, and keeps an upload near 100–300 KB
// instead of the several MB a phone's own camera produces.

function cameraError(code, cause) {
  const error = new Error(code === "camera_denied" ? "camera permission denied" : "no camera available");
  error.code = code;
  error.cause = cause;
  return error;
}

/**
 * Show the back camera in `video`. Resolves once it plays; `stop()` turns the camera off.
 * Throws an Error with `.code` "camera_denied" (the person or the site's policy said no)
 * or "no_camera" (no camera, or it cannot be opened).
 */
export async function openCamera(video, constraints = { facingMode: "environment" }) {
  if (!navigator.mediaDevices?.getUserMedia) throw cameraError("no_camera");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: constraints, audio: false });
  } catch (error) {
    // NotAllowedError: refused; SecurityError: not allowed here (policy, insecure page).
    // Anything else (NotFoundError, NotReadableError: in use by another app, ...) means
    // there is no camera to use.
    const denied = error?.name === "NotAllowedError" || error?.name === "SecurityError";
    throw cameraError(denied ? "camera_denied" : "no_camera", error);
  }
  const stop = () => {
    for (const track of stream.getTracks()) track.stop();
    if (video.srcObject === stream) video.srcObject = null;
  };
  video.muted = true;
  video.setAttribute("playsinline", ""); // iOS Safari would otherwise go full screen
  video.srcObject = stream;
  try {
    await video.play();
  } catch (error) {
    stop();
    throw cameraError("no_camera", error);
  }
  return { stop };
}

function canvasBlob(canvas, quality) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("JPEG encoding failed"))), "image/jpeg", quality),
  );
}

// Draw `source` (width × height) so that its longest side is at most maxSide, as JPEG.
function drawJpeg(source, width, height, { maxSide = 1280, quality = 0.8 } = {}) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d");
  context.imageSmoothingQuality = "high";
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvasBlob(canvas, quality);
}

function whenVideoHasFrame(video) {
  if (video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA && video.videoWidth) return Promise.resolve();
  return new Promise((resolve) => video.addEventListener("loadeddata", resolve, { once: true }));
}

/** The frame the camera shows now in `video` (opened with openCamera), as a JPEG Blob. */
export async function capturePhoto(video, options = {}) {
  await whenVideoHasFrame(video);
  return drawJpeg(video, video.videoWidth, video.videoHeight, options);
}

async function uprightBitmap(blob) {
  try {
    return await createImageBitmap(blob, { imageOrientation: "from-image" });
  } catch (error) {
    // A browser that predates the "from-image" value refuses it with a TypeError; its
    // default is to follow the EXIF orientation anyway.
    if (error instanceof TypeError) return createImageBitmap(blob);
    throw error;
  }
}

/**
 * A photo picked with <input type="file" accept="image/*" capture="environment">, as a
 * smaller JPEG Blob without metadata, turned upright as the phone's EXIF orientation says.
 * Throws an Error with `.code` "photo_unreadable" when the file is not an image.
 */
export async function shrinkPhoto(blob, options = {}) {
  let bitmap;
  try {
    bitmap = await uprightBitmap(blob);
  } catch (error) {
    const unreadable = new Error("not a readable image");
    unreadable.code = "photo_unreadable";
    unreadable.cause = error;
    throw unreadable;
  }
  try {
    return await drawJpeg(bitmap, bitmap.width, bitmap.height, options);
  } finally {
    bitmap.close();
  }
}
