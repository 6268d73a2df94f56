/* The desk's service worker (scope /staff/desk/): keeps the scanner page and its assets, so
   that the page opens and works when the network is down. The page first from the network
   (2 seconds at most), else the copy kept; assets from the copy kept. The API is never
   answered from here: the page itself queues the scans it cannot send. */
"use strict";

var CACHE = "desk-v3";
var PAGE = new URL("./", self.registration.scope).pathname;
var ASSETS = [
  "/static/vendor/bootstrap-italia/css/bootstrap-italia.min.css",
  "/static/css/fonts.css",
  "/static/css/centrale.css",
  "/static/css/desk.css",
  "/static/vendor/jsqr/jsQR.js",
  "/static/js/desk.js",
  "/static/desk.webmanifest",
  "/static/img/desk-192.png",
  "/static/img/desk-512.png"
];

self.addEventListener("install", function (event) {
  // The API goes straight to the network, this worker not even woken: a worker the browser
  // stopped while the desk was idle takes tens of milliseconds to start again, which the
  // first scan after a pause would wait for (static routing; where a browser lacks it, the
  // fetch handler below lets the API through untouched).
  if (event.addRoutes) {
    event.addRoutes([{ condition: { urlPattern: new URLPattern({ pathname: "/api/*" }) }, source: "network" }]);
  }
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS.concat([PAGE])); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromNetwork(request, timeout) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(reject, timeout);
    fetch(request).then(function (response) { clearTimeout(timer); resolve(response); }, function (error) { clearTimeout(timer); reject(error); });
  });
}

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0) return;
  if (url.pathname === PAGE) {
    event.respondWith(fromNetwork(event.request, 2000).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
      }
      return response;
    }, function () { return caches.match(PAGE); }));
  } else if (ASSETS.indexOf(url.pathname) !== -1) {
    event.respondWith(caches.match(url.pathname).then(function (kept) { return kept || fetch(event.request); }));
  }
});
