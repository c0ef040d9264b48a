/* Service worker of the field app: the operator's pages keep working without signal.
   Pages and photos: network first, the last good copy when offline. Static files likewise. */
const CACHE = "field-v1";
const SHELL = ["/field", "/static/css/app.css", "/static/js/field.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function cacheable(url) {
  return url.pathname === "/field" || url.pathname.startsWith("/field/tasks/") || url.pathname === "/field/report" ||
    url.pathname.startsWith("/field/photos/") || url.pathname.startsWith("/static/");
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
    }).catch(() => caches.match(request).then((cached) => cached || caches.match("/field")))
  );
});
