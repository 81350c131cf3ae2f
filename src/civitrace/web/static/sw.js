// civitrace's service worker: the visitor's pages (check in, how to scan, my check-ins) open
// without a connection once visited. The server writes its first line: the cache version, the
// files to keep and the pages. Pages are asked from the network first (fresh text, the chosen
// language) and the kept copy is used when there is no answer; their scripts and styles come
// from the kept copy of this version. Nothing else is touched: APIs, slips and warning
// packages always go to the network.

const { version, precache, pages } = self.CIVITRACE;
const PREFIX = 'civitrace-pages-';
const CACHE = `${PREFIX}${version}`;
const SLOW_MS = 4000; // past this, a kept page is shown while the network is still asked
const absolute = (path) => new URL(path, self.location.origin).href;
const assets = new Set(precache.filter((path) => path.startsWith('/static/')).map(absolute));

self.addEventListener('install', (event) => {
  const fresh = precache.map((path) => new Request(path, { cache: 'reload' }));
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(fresh))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  const old = (name) => name.startsWith(PREFIX) && name !== CACHE;
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter(old).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// Where a page is kept: its path, and for the check-in page its ?v= (the venue is in the
// fragment, which no request carries), so the last language seen is the one shown offline.
function pageKey(url) {
  const key = url.pathname === '/' ? `/?v=${url.searchParams.get('v')}` : url.pathname;
  return pages.includes(key) ? absolute(key) : null;
}

async function page(request, key) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(key, response.clone());
    return response;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, SLOW_MS, null));
  try {
    const first = await Promise.race([network, slow]);
    if (first) return first;
    return (await cache.match(key)) || (await network);
  } catch {
    return (await cache.match(key)) || Response.error();
  }
}

async function asset(request) {
  const kept = await (await caches.open(CACHE)).match(request.url);
  return kept || fetch(request);
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (assets.has(url.href)) {
    event.respondWith(asset(request));
    return;
  }
  const key = request.mode === 'navigate' ? pageKey(url) : null;
  if (key) event.respondWith(page(request, key));
});
