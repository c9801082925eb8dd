// The crew's app: routes the screens, keeps the header (waiting count, offline and
// signed-out banners) current, starts syncing, and installs the service worker.
import * as outbox from './outbox.js';
import * as position from './position.js';
import * as sync from './sync.js';
import { showStops } from './screen_stops.js';
import { showWeigh } from './screen_weigh.js';
import { showScan } from './screen_scan.js';

const screen = document.getElementById('screen');
const publicBase = document.documentElement.dataset.publicBaseUrl || location.origin;
let cleanup = null;
let reloadWhenHome = false;

function navigate(path, { replace = false, state = null } = {}) {
  if (reloadWhenHome && path === '/crew/') {
    // A new release took over while a screen was open: load it now, between visits.
    location.replace(path);
    return;
  }
  history[replace ? 'replaceState' : 'pushState'](state, '', path);
  render();
}

function render() {
  cleanup?.();
  cleanup = null;
  const url = new URL(location.href);
  const context = { screen, navigate, onLeave: (fn) => { cleanup = fn; } };
  window.scrollTo(0, 0);
  let shown;
  if (url.pathname.startsWith('/t/')) {
    // A tag's URL opened with no signal: the service worker gave us the app. The URL
    // goes to the server whole (SUN parameters included), as printed on the label.
    const source = url.searchParams.has('picc_data') ? 'nfc' : 'qr';
    shown = showWeigh(context, { tag: publicBase + url.pathname + url.search, source });
  } else if (url.pathname === '/crew/weigh') {
    shown = showWeigh(context, { tag: url.searchParams.get('tag') || '', source: url.searchParams.get('source') || 'qr' });
  } else if (url.pathname === '/crew/scan') {
    shown = showScan(context);
  } else {
    shown = showStops(context, { notice: history.state?.notice || null });
  }
  Promise.resolve(shown).then(() => { document.body.dataset.ready = url.pathname; });
  // The language switch brings the crew back to this screen (the shell may be the copy
  // the service worker kept from another screen).
  const back = document.querySelector('.language-switch input[name="next"]');
  if (back) back.value = url.pathname + url.search;
}

async function showWaiting() {
  const [count, sent, photos] = await Promise.all([outbox.waitingCount(), outbox.sentCount(), outbox.photos()]);
  const photosWaiting = photos.filter((photo) => photo.state === 'waiting').length;
  document.querySelector('#waiting strong').textContent = String(count);
  document.getElementById('photos-waiting').hidden = photosWaiting === 0;
  document.querySelector('#photos-waiting strong').textContent = String(photosWaiting);
  document.body.dataset.waiting = String(count);
  document.body.dataset.sent = String(sent); // delivered today, from this phone
  document.body.dataset.photosWaiting = String(photosWaiting);
}

function showConnection() {
  document.getElementById('offline-banner').hidden = navigator.onLine;
}

function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const hadController = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!hadController) return; // the first install: nothing to reload
    if (location.pathname === '/crew/' || location.pathname === '/crew') location.reload();
    else reloadWhenHome = true;
  });
  navigator.serviceWorker.register('/crew/sw.js', { scope: '/' }).catch(() => {});
}

outbox.changes.addEventListener('change', showWaiting);
sync.status.addEventListener('signed-out', () => { document.getElementById('signed-out-banner').hidden = false; });
sync.status.addEventListener('signed-in', () => { document.getElementById('signed-out-banner').hidden = true; });
window.addEventListener('online', showConnection);
window.addEventListener('offline', showConnection);
window.addEventListener('popstate', render);

showConnection();
showWaiting();
position.watch();
render();
sync.start();
registerWorker();
