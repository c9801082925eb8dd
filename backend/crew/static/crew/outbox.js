// The outbox: every scan is stored here first, with its client UUID, and leaves only on
// the server's answer for it. A delivered scan stays marked 'sent' for the rest of the
// day (so its stop shows done with no signal) and is pruned the next day.
import * as db from './db.js';
import { language } from './i18n.js';

export const changes = new EventTarget();
const changed = () => changes.dispatchEvent(new Event('change'));

export function localDay(date = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// ISO 8601 with the phone's UTC offset, e.g. 2026-11-30T07:05:00.000+09:00.
export function isoWithOffset(date) {
  const pad = (n) => String(Math.abs(Math.trunc(n))).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
  return `${local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

// Store a visit's scan (and its photo) in one transaction. Saving the same visit again
// (a second tap, a retry) finds the scan already there and changes nothing: one event.
export async function save({ event, binId, label, photo }) {
  const stored = await db.transaction(['outbox', 'photos'], 'readwrite', async (stores, result) => {
    const existing = await result(stores.outbox.get(event.id));
    if (existing) return false;
    stores.outbox.put({
      id: event.id, event, state: 'waiting', error: null, bin_id: binId || null, label: label || '',
      day: localDay(new Date(event.collected_at)), saved_at: Date.now(),
    });
    if (photo && event.photo_id) {
      stores.photos.put({ photo_id: event.photo_id, event_id: event.id, blob: photo, state: 'waiting', error: null });
    }
    return true;
  });
  changed();
  return stored;
}

export const waiting = () => db.byIndex('outbox', 'state', 'waiting');
export const rejected = () => db.byIndex('outbox', 'state', 'rejected');
export const waitingCount = () => db.countByIndex('outbox', 'state', 'waiting');
export const sentCount = () => db.countByIndex('outbox', 'state', 'sent');
export const entries = () => db.all('outbox');

// The server's answers for one batch, by event id.
export async function record(answers) {
  await db.transaction('outbox', 'readwrite', async (stores, result) => {
    for (const [id, answer] of answers) {
      const entry = await result(stores.outbox.get(id));
      if (!entry || entry.state !== 'waiting') continue;
      if (answer.status === 'created' || answer.status === 'duplicate') {
        entry.state = 'sent';
      } else {
        entry.state = 'rejected';
        // The server words its reason in the language the phone is in now; shown later, the
        // reason says which (lang) in case the crew has switched meanwhile.
        entry.error = { code: answer.error?.code || 'rejected', message: answer.error?.message || '', lang: language };
      }
      stores.outbox.put(entry);
    }
  });
  changed();
}

// The crew read a refusal: drop it (and a photo that can no longer be attached).
export async function dismiss(id) {
  await db.transaction(['outbox', 'photos'], 'readwrite', async (stores, result) => {
    const entry = await result(stores.outbox.get(id));
    if (entry && entry.state === 'rejected') stores.outbox.delete(id);
    for (const photo of await result(stores.photos.index('event_id').getAll(id))) stores.photos.delete(photo.photo_id);
  });
  changed();
}

export const photos = () => db.all('photos');

export async function photoDelivered(photoId) {
  await db.remove('photos', photoId);
  changed();
}

export async function photoFailed(photoId, error) {
  await db.transaction('photos', 'readwrite', async (stores, result) => {
    const photo = await result(stores.photos.get(photoId));
    if (!photo) return;
    photo.state = 'failed';
    photo.error = error;
    photo.blob = null; // the server refused it for good: do not keep the picture
    stores.photos.put(photo);
  });
  changed();
}

export async function dismissPhoto(photoId) {
  await db.remove('photos', photoId);
  changed();
}

// Delivered scans of earlier days are no longer needed on the phone.
export async function prune(today = localDay()) {
  await db.transaction('outbox', 'readwrite', async (stores, result) => {
    for (const entry of await result(stores.outbox.index('state').getAll('sent'))) {
      if (entry.day < today) stores.outbox.delete(entry.id);
    }
  });
}
