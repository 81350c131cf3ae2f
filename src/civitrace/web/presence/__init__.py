"""The visitor's presence-tracing pages (issue 5): check in by QR code, check out, see warnings
matched on the device, share check-ins after a positive test, and the no-smartphone kiosk slip.

The pages are server-rendered shells; everything that touches a check-in runs in the browser
(``web/static/presence/*.js``): the venue code sits in the URL fragment, which never reaches a
server, check-ins live encrypted in the browser's IndexedDB, and warnings are downloaded whole
and matched locally. The server serves text and scripts and learns nothing about who was where.

- :mod:`.pages` — the routes (``router``) and :func:`.pages.checkin_page` for ``/?v=1``;
- :mod:`.assets` — each page's module graph (read from the scripts' imports), inline styles,
  and the version of everything the pages are made of;
- :mod:`.messages` — the text each page's scripts show, translated through the catalogs;
- :mod:`.settings` — which authority, regions and public app key the pages use;
- :mod:`.worker` — the service worker that keeps the visitor's pages working offline.
"""
