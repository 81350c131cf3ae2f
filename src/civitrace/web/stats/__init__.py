"""The public statistics page and the statistician's release screen (issue 8, DESIGN §6).

- :mod:`.public` — ``GET /stats``: the map of a published release, its table, how it protects
  privacy, downloads, past releases and the privacy budget per week;
- :mod:`.console` — ``/console/stats``: staff with the ``statistician`` role choose and publish
  a release, charged to the privacy-budget ledger and recorded in the audit log;
- :mod:`.view` — one slice of a release as the map and the table draw it (the same numbers);
- :mod:`.formatting`, :mod:`.words` — numbers, dates and names in the page's language;
- :mod:`.release_form` — the release form's fields, checked;
- :mod:`.publishing` — a release and its audit entry, committed together;
- :mod:`.deployment` — the regions and the case data of this deployment;
- :mod:`.router` — both routers together.

Releases are computed and stored by :mod:`civitrace.server.analytics`; these pages only read
what was stored, or ask that package to publish.
"""
