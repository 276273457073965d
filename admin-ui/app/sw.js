/* global self, caches, fetch, Response, Headers, URL, __PRECACHE__, __VERSION__ */
// The app's service worker (智信平台), served at /app/sw.js with scope /app/. Built by pwa-plugin.ts,
// which fills in the precache list (the app shell: its HTML, chunks, CSS, manifest, icons) and the
// version. Plain JavaScript: the browser runs this file as it is.
//
// - Shell: cache first. The files are content-hashed, /app/ itself is replaced only by a new worker
//   (a new build = a new cache), so the app opens at once and with no network at all.
// - Reference data and the user's own lists (GET /api/categories, /api/departments, the tasks, cases):
//   network first, the last answer from the cache when the network is away, marked by the header
//   `x-from-cache: 1` so the page can say it shows saved data.
// - Everything else (writes, photos, the login) goes to the network untouched; the app's offline
//   queue (IndexedDB) keeps writes made without a network.
const PRECACHE = __PRECACHE__;
const VERSION = __VERSION__;
const SHELL = `app-shell-${VERSION}`;
const DATA = 'app-data';
const DATA_PATHS = [
  /^\/api\/categories$/,
  /^\/api\/departments$/,
  /^\/api\/field\/tasks$/,
  /^\/api\/field\/duty$/,
  /^\/api\/cases$/,
  /^\/api\/cases\/[^/]+$/,
  /^\/api\/cases\/[^/]+\/messages$/,
  /^\/api\/instructions$/,
  /^\/api\/citizen\/reports$/,
  /^\/open311\/v2\/services\.json$/,
  /^\/openapi\.json$/,
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((c) => c.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys.filter((k) => k.startsWith('app-shell-') && k !== SHELL).map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

async function shell(request) {
  const cache = await caches.open(SHELL);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  const res = await fetch(request);
  if (res.ok && new URL(request.url).pathname.startsWith('/assets/')) await cache.put(request, res.clone());
  return res;
}

async function data(request) {
  const cache = await caches.open(DATA);
  try {
    const res = await fetch(request);
    if (res.ok) await cache.put(request, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(request);
    if (!hit) throw err;
    const headers = new Headers(hit.headers);
    headers.set('x-from-cache', '1');
    return new Response(hit.body, { status: hit.status, headers });
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname.startsWith('/app')) {
    event.respondWith(
      caches
        .open(SHELL)
        .then((c) => c.match('/app/'))
        .then((hit) => hit ?? fetch(request)),
    );
    return;
  }
  if (PRECACHE.includes(url.pathname) || url.pathname.startsWith('/assets/')) {
    event.respondWith(shell(request));
    return;
  }
  if (DATA_PATHS.some((p) => p.test(url.pathname))) event.respondWith(data(request));
});

// The app clears the saved data on logout (another user may sign in on the same phone).
self.addEventListener('message', (event) => {
  if (event.data === 'logout') event.waitUntil(caches.delete(DATA));
});
