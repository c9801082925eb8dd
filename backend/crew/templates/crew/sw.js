// The crew app's service worker. Its cache holds the app's own files only (the shell
// page, scripts, styles, icons), named after the release; the crew's data (outbox,
// photos, directory) lives in IndexedDB, which this worker never touches, so a new
// release replaces the files and the unsent scans stay.
const RELEASE = {{ release|safe }};
const PRECACHE = {{ precache|safe }};
const SHELL_URL = {{ shell_url|safe }};
const PREFIX = 'crew-shell-';
const CACHE = PREFIX + RELEASE;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(PRECACHE.map(async (url) => {
      const response = await fetch(url, { cache: 'reload', credentials: 'same-origin' });
      // A signed-out crew gets the sign-in page for the shell: never keep that as the app.
      if (!response.ok || response.redirected) throw new Error(`precache ${url}: ${response.status}`);
      await cache.put(url, response);
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

async function cachedShell() {
  const cache = await caches.open(CACHE);
  return cache.match(SHELL_URL, { ignoreVary: true, ignoreSearch: true });
}

// The shell the server just gave, if it is this release's: kept in place of the
// cached one. The shell carries the screens' texts in the language the crew chose
// (the language switch reloads the page), so with no signal the app opens in the
// language last seen online. A newer release's shell waits for its own worker.
async function keepShell(response) {
  if (!response.ok || response.headers.get('X-Crew-Release') !== RELEASE) return;
  try {
    const cache = await caches.open(CACHE);
    await cache.put(SHELL_URL, response.clone());
  } catch (error) {
    // A full disk keeps the copy from before: the app still opens, in its language.
  }
}

// The app's screens and a tag's URL: the network first (the server knows best, and
// redirects a tag's URL to the weighing screen), the cached shell with no signal.
async function appNavigation(request) {
  try {
    const response = await fetch(request);
    await keepShell(response);
    if (response.status < 500) return response;
    return (await cachedShell()) || response;
  } catch (error) {
    const shell = await cachedShell();
    if (shell) return shell;
    throw error;
  }
}

async function appFile(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreVary: true, ignoreSearch: true });
  return hit || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    if (url.pathname.startsWith('/crew/') || url.pathname.startsWith('/t/')) event.respondWith(appNavigation(request));
    return;
  }
  // API answers are never cached here: the app keeps its data in IndexedDB.
  if (PRECACHE.includes(url.pathname) && url.pathname !== SHELL_URL) event.respondWith(appFile(request));
});
