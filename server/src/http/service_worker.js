// SteelCheck's service worker: with no network the app shell still starts, reloads and moves
// between pages. The server fills in this build's version and files (GET /sw.js), so every new
// build is a new worker that caches its own files and deletes the previous build's cache: a cached
// page never meets a wasm file of another build.
const VERSION = "__VERSION__";
const CACHE = `steelcheck-${VERSION}`;
const PRECACHE = __PRECACHE__;
// Past this, a page request on a bad network is answered from the cache instead.
const NAVIGATION_TIMEOUT_MS = 4000;
// The server says `Vary: accept-encoding`, but the cache holds bodies already decoded: a copy
// serves whatever encoding the page's own request would have accepted.
const MATCH = { ignoreVary: true };

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("steelcheck-") && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // Data goes through the app's own store and sync, never through this cache.
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js" || url.pathname === "/healthz") return;
  if (request.mode === "navigate") {
    event.respondWith(pageFromNetworkThenCache(request, url));
  } else {
    event.respondWith(fileFromCacheThenNetwork(request));
  }
});

// Pages are rendered without user data, so the last copy of a page's address serves any user.
async function pageFromNetworkThenCache(request, url) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(url.pathname, MATCH);
  try {
    const fromNetwork = fetch(request).then((response) => {
      if (response.ok) cache.put(url.pathname, response.clone());
      return response;
    });
    if (!cached) return await fromNetwork;
    const timeout = new Promise((resolve) => setTimeout(() => resolve(cached), NAVIGATION_TIMEOUT_MS));
    return await Promise.race([fromNetwork, timeout]);
  } catch (error) {
    if (cached) return cached;
    throw error;
  }
}

// Built files carry their content hash in their name, so a cached copy is never out of date.
async function fileFromCacheThenNetwork(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, MATCH);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}
