"""The server side of the DP statistics (DESIGN §6): ledger, releases, downloads, usage analytics.

``civitrace.analytics`` computes releases and knows nothing of the server; this package gives it
what a deployment needs around that:

- :mod:`sources`: the input interface (``CaseSource``) releases read case data through, with
  in-memory and synthetic implementations; the console's cases plug in here;
- :mod:`pseudonyms`: the stable weekly person pseudonym (a keyed HMAC of the case id);
- :mod:`ledger`: the privacy-budget ledger in the database, safe under concurrent releases;
- :mod:`publishing`: one release, charged, noised and stored in one transaction;
- :mod:`store`: reading stored releases and the ledger back (never anything un-noised);
- :mod:`usage`: randomized-response usage reports, kept as per-day totals only;
- :mod:`views`: ``GET /stats/...`` downloads and ``POST /v1/usage``.
"""
