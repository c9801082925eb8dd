// Getting the phone and the server to agree: the outbox's scans to the batch endpoint,
// then their photos; the directory of bins and today's stops back. Safe to call any
// time: without a connection it does nothing, and one tab sends at a time (the server
// deduplicates by client UUID anyway).
import { ApiError, getJson, request } from './api.js';
import * as db from './db.js';
import { language } from './i18n.js';
import * as outbox from './outbox.js';

const BATCH = 100;
const EVERY_MS = 30_000;
const DIRECTORY_EVERY_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 60_000;

export const status = new EventTarget(); // 'signed-out', 'signed-in', 'directory', 'stops'
let failures = 0;
let timer = null;
let sending = false;
let again = false;

function signedOut(error) {
  if (error instanceof ApiError && error.kind === 'auth') {
    status.dispatchEvent(new Event('signed-out'));
    return true;
  }
  return false;
}

// One sender per tab (a save during a send runs another round after it) and, through
// the Web Locks API, one per phone.
async function withLock(work) {
  if (sending) { again = true; return; }
  sending = true;
  try {
    do {
      again = false;
      if (navigator.locks) await navigator.locks.request('crew-outbox', { ifAvailable: true }, (lock) => lock && work());
      else await work();
    } while (again);
  } finally {
    sending = false;
  }
}

async function sendScans() {
  for (;;) {
    const batch = (await outbox.waiting()).sort((a, b) => a.saved_at - b.saved_at).slice(0, BATCH);
    if (!batch.length) return;
    const { body } = await request('POST', '/api/v1/collections/batch/', { json: { events: batch.map((e) => e.event) } });
    const results = body?.results;
    if (!Array.isArray(results) || results.length !== batch.length) throw new ApiError('server', 0, body);
    // Results come in the order sent: the answer at position i is for event i.
    await outbox.record(batch.map((entry, i) => [entry.id, results[i]]));
    status.dispatchEvent(new Event('signed-in'));
  }
}

// Photos go up a few at a time: each is a round trip and some server work (decoding and
// re-encoding), and a shift's 30 photos one after another would keep the crew waiting.
const PHOTOS_AT_ONCE = 3;

async function sendPhoto(photo) {
  const form = new FormData();
  form.append('image', photo.blob, `${photo.photo_id}.jpg`);
  try {
    await request('PUT', `/api/v1/collections/${photo.event_id}/photo/`, { form });
    await outbox.photoDelivered(photo.photo_id);
  } catch (error) {
    if (!(error instanceof ApiError) || error.kind !== 'refused') throw error;
    if (error.code === 'photo_already_attached') await outbox.photoDelivered(photo.photo_id);
    else await outbox.photoFailed(photo.photo_id, { code: error.code || String(error.status), message: error.message, lang: language });
  }
}

async function sendPhotos() {
  const states = new Map((await outbox.entries()).map((entry) => [entry.id, entry.state]));
  // Only once the server holds the scan; a scan pruned from the phone was delivered.
  const ready = (await outbox.photos()).filter((photo) => {
    const state = states.get(photo.event_id);
    return photo.state === 'waiting' && (!state || state === 'sent');
  });
  const senders = Array.from({ length: Math.min(PHOTOS_AT_ONCE, ready.length) }, async () => {
    for (let photo = ready.shift(); photo; photo = ready.shift()) await sendPhoto(photo);
  });
  await Promise.all(senders);
}

export async function syncNow() {
  if (!navigator.onLine) return;
  await withLock(async () => {
    try {
      await sendScans();
      await sendPhotos();
      failures = 0;
    } catch (error) {
      if (!signedOut(error)) failures += 1;
    }
  });
  schedule();
}

// The next try: every 30 s, sooner after a save, later (up to a minute) while failing.
function schedule() {
  clearTimeout(timer);
  const delay = failures ? Math.min(MAX_BACKOFF_MS, 2_000 * 2 ** (failures - 1)) : EVERY_MS;
  timer = setTimeout(syncNow, delay);
}

// --- The directory of bins -------------------------------------------------------
export async function refreshDirectory() {
  if (!navigator.onLine) return;
  const cursor = await db.get('meta', 'directory_cursor');
  const url = '/api/v1/crew/directory/' + (cursor ? `?since=${encodeURIComponent(cursor)}` : '');
  let answer;
  try {
    answer = await getJson(url);
  } catch (error) {
    signedOut(error);
    return;
  }
  await db.transaction(['directory', 'meta'], 'readwrite', async (stores) => {
    if (answer.full) stores.directory.clear();
    for (const bin of answer.bins || []) {
      if (bin.active === false) stores.directory.delete(bin.bin_id);
      else stores.directory.put(bin);
    }
    stores.meta.put(answer.cursor, 'directory_cursor');
  });
  status.dispatchEvent(new Event('directory'));
}

export async function findByTagCode(code) {
  return code ? db.firstByIndex('directory', 'tag_code', code) : undefined;
}

export async function findByManualCode(code) {
  return code ? db.firstByIndex('directory', 'manual_code', code) : undefined;
}

// --- Today's stops ---------------------------------------------------------------
export async function refreshStops(position) {
  if (!navigator.onLine) return;
  const query = position ? `?lat=${position.lat}&lng=${position.lng}` : '';
  try {
    const answer = await getJson(`/api/v1/crew/stops/${query}`);
    await db.put('meta', answer, 'stops');
    status.dispatchEvent(new Event('stops'));
  } catch (error) {
    signedOut(error);
  }
}

export const cachedStops = () => db.get('meta', 'stops');

export function start() {
  const directoryTick = () => refreshDirectory().catch(() => {});
  window.addEventListener('online', () => { failures = 0; syncNow(); directoryTick(); });
  outbox.prune().catch(() => {});
  directoryTick();
  setInterval(directoryTick, DIRECTORY_EVERY_MS);
  syncNow();
}
