"""Differentially private statistics and cluster maps (OpenDP). Knows nothing of the server.

- :mod:`release`: the public releases (``RELEASE_FUNCTIONS``), each noised by OpenDP and
  charged to a :class:`~civitrace.analytics.ledger.PrivacyLedger` before any noise is drawn;
- :mod:`ledger`: the budget ledger interface, in-memory and JSON-file implementations;
- :mod:`model`: the published ``Release`` and its cells, as JSON and CSV;
- :mod:`choropleth`: the SVG map and its HTML table alternative;
- :mod:`randomized_response`: local DP for device usage analytics (ENPA-like);
- :mod:`regions` / :mod:`hexes`: GeoJSON regions (a demo city ships in ``data/``), H3 cells;
- :mod:`synthetic`: a synthetic city for tests and ``bench/dp.py``.
"""
