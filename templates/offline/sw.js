/* Service worker of an app used without signal (the operator's field app, the inspector's spot
   checks; propmgmt/offline.py): its pages keep working offline.
   Pages and photos: network first, the last good copy when offline. Static files likewise. */
const CACHE = {{ cache | tojson }};
const SHELL = {{ shell | tojson }};
const PAGES = {{ pages | tojson }};
const FALLBACK = {{ fallback | tojson }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function cacheable(url) {
  return url.pathname.startsWith("/static/") ||
    PAGES.some((page) => page.endsWith("/") ? url.pathname.startsWith(page) : url.pathname === page);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || !cacheable(url)) return;
  event.respondWith(
    fetch(request).then((response) => {
      if (response.ok && !response.redirected) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() => caches.match(request).then((cached) => cached || caches.match(FALLBACK)))
  );
});
