// The phone's own store (IndexedDB): everything the crew must not lose, and what the
// app needs with no signal.
//   outbox    scans by client UUID: {id, event (as sent to the batch endpoint), state:
//             'waiting' | 'sent' | 'rejected', error, bin_id, label, day, saved_at}
//   photos    {photo_id, event_id, blob, state: 'waiting' | 'failed', error}
//   directory the bins the crew serves, by bin_id; indexes on tag_code and manual_code
//   meta      small values: directory cursor, last stops answer
const NAME = 'crew';
const VERSION = 1;
let opening = null;

export function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
      outbox.createIndex('state', 'state');
      const photos = db.createObjectStore('photos', { keyPath: 'photo_id' });
      photos.createIndex('event_id', 'event_id');
      const directory = db.createObjectStore('directory', { keyPath: 'bin_id' });
      directory.createIndex('tag_code', 'tag_code');
      directory.createIndex('manual_code', 'manual_code');
      db.createObjectStore('meta');
    };
    request.onsuccess = () => {
      const db = request.result;
      // Another tab with a newer app wants to upgrade the store: let it.
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('IndexedDB upgrade blocked by another tab'));
  });
  return opening;
}

function result(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function finished(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
  });
}

// Run `work(stores)` in one transaction; resolves with its result once committed.
export async function transaction(names, mode, work) {
  const db = await open();
  const tx = db.transaction(names, mode);
  const stores = Object.fromEntries([names].flat().map((name) => [name, tx.objectStore(name)]));
  const committed = finished(tx);
  let value;
  try {
    value = await work(stores, result);
  } catch (error) {
    try { tx.abort(); } catch (ignored) { /* already finished */ }
    committed.catch(() => {});
    throw error;
  }
  await committed;
  return value;
}

export const get = (store, key) => transaction(store, 'readonly', (s) => result(s[store].get(key)));
export const all = (store) => transaction(store, 'readonly', (s) => result(s[store].getAll()));
export const put = (store, value, key) =>
  transaction(store, 'readwrite', (s) => result(key === undefined ? s[store].put(value) : s[store].put(value, key)));
export const remove = (store, key) => transaction(store, 'readwrite', (s) => result(s[store].delete(key)));
export const byIndex = (store, index, value) =>
  transaction(store, 'readonly', (s) => result(s[store].index(index).getAll(value)));
export const firstByIndex = (store, index, value) =>
  transaction(store, 'readonly', (s) => result(s[store].index(index).get(value)));
export const countByIndex = (store, index, value) =>
  transaction(store, 'readonly', (s) => result(s[store].index(index).count(value)));
