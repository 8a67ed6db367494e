// Service worker of the attendance roster and the card scan page (served at
// /sessions/offline-sw.js, scope /sessions/): keeps each roster or scan page opened online,
// and the static files it uses, on the device, so that the page opens and marks and scans can
// be taken when the hall's network drops.
// Roster and scan pages: network first, the kept copy when the network fails. Static files: the kept
// copy first, refreshed from the network. Everything else passes through untouched.
"use strict";

const CACHE = "lms-roster-v2"; // a new name when the kept scripts change together
const ROSTER = /^\/sessions\/\d+\/(attendance|scan)$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function keepable(request, response) {
  // Only a page that answered itself (not a redirect to the sign-in page) is kept.
  return response && response.ok && !response.redirected && response.type === "basic";
}

function rosterPage(request, path) {
  return fetch(request)
    .then((response) => {
      if (keepable(request, response)) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(path, copy));
      }
      return response;
    })
    .catch(() => caches.open(CACHE).then((cache) => cache.match(path))
      .then((kept) => kept || Response.error()));
}

function staticFile(request) {
  return caches.open(CACHE).then((cache) => cache.match(request).then((kept) => {
    const fresh = fetch(request).then((response) => {
      if (keepable(request, response)) cache.put(request, response.clone());
      return response;
    });
    if (kept) {
      fresh.catch(() => null);
      return kept;
    }
    return fresh;
  }));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (ROSTER.test(url.pathname) && request.mode === "navigate") {
    event.respondWith(rosterPage(request, url.pathname));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(staticFile(request));
  }
});

// The page asks to keep itself and its files at once: on its first visit it loaded before
// this worker controlled it, so none of it passed through the fetch handler above.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) return;
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(data.urls.map((href) => {
    const url = new URL(href, self.location.origin);
    if (url.origin !== self.location.origin) return null;
    const isPage = ROSTER.test(url.pathname);
    if (!isPage && !url.pathname.startsWith("/static/")) return null;
    return fetch(url.href, { credentials: "same-origin" }).then((response) => {
      if (keepable(null, response)) return cache.put(isPage ? url.pathname : url.href, response);
      return null;
    }).catch(() => null);
  }))).then(() => {
    if (event.source) event.source.postMessage({ type: "kept" });
  }));
});
