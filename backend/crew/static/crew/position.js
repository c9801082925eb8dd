// The phone's latest position, when the crew allowed it. Saving never waits for a fix:
// a scan takes the latest one known (if recent), with its accuracy in metres.
const FRESH_MS = 5 * 60_000;
let latest = null;
let watching = false;
export const updates = new EventTarget();

export function watch() {
  if (watching || !('geolocation' in navigator)) return;
  watching = true;
  navigator.geolocation.watchPosition(
    (fix) => {
      latest = {
        lat: fix.coords.latitude.toFixed(6),
        lng: fix.coords.longitude.toFixed(6),
        accuracy: Math.min(100_000, Math.max(0, Math.round(fix.coords.accuracy))),
        at: fix.timestamp || Date.now(),
      };
      updates.dispatchEvent(new Event('change'));
    },
    () => { /* denied or unavailable: scans go without a position */ },
    { enableHighAccuracy: true, maximumAge: 30_000, timeout: 60_000 },
  );
}

export function current() {
  return latest && Date.now() - latest.at < FRESH_MS ? latest : null;
}
