"""Presence tracing: venue check-in by QR code, byte-compatible with the Corona-Warn-App's
event registration. Knows nothing of servers, storage or the network. Its public surface:

- :mod:`~civitrace.presence.payload`: the QR payload codec, the rules, location IDs, ``Venue``;
- :mod:`~civitrace.presence.url`: the check-in URL (``https://<host>/?v=1#<payload>``);
- :mod:`~civitrace.presence.checkin`: device check-ins and the records derived for sharing;
- :mod:`~civitrace.presence.risk`: transmission risk levels and values;
- :mod:`~civitrace.presence.report`: encrypted ``CheckInProtectedReport``\\ s and fake ones;
- :mod:`~civitrace.presence.warning_package`: the hourly ``TraceWarningPackage``;
- :mod:`~civitrace.presence.matching`: local matching and per-day risk;
- :mod:`~civitrace.presence.poster`: printable SVG/PDF posters.

Raw primitives live in :mod:`civitrace.presence._primitives`, the only module that imports
``cryptography.hazmat``.
"""
