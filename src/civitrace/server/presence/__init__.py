"""The presence-tracing server: submitted check-in reports, staff review, published warnings,
hourly warning packages, and the no-smartphone kiosk slips (DESIGN §4, issue 5).

- :mod:`.views` — the routes (``router``), thin: parse, call a service, pad;
- :mod:`.service` — the services of one app, built lazily from its settings and keyring;
- :mod:`.submissions` — upload after a positive test, and staff approve/reject;
- :mod:`.certificate`, :mod:`.binding` — the verification certificate and how it binds reports;
- :mod:`.on_behalf` — staff warn a venue's guests given its QR code;
- :mod:`.warnings` — reports become per-region warnings;
- :mod:`.packages` — the hourly ``TraceWarningPackage`` job and the index;
- :mod:`.slips`, :mod:`.slip_format` — kiosk slips on the server, and their format;
- :mod:`.cleanup` — retention; :mod:`.settings`, :mod:`.schemas`, :mod:`.errors`.

The server never sees a location ID (except, transiently, in an on-behalf warning), a
check-in time of anyone who did not test positive, an IP address or a user agent.
"""
