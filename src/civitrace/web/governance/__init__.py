"""The public governance pages and the governance screens of the staff console (issue 6).

- :mod:`.words` — the vocabulary the pages translate (readers, requester types, decisions,
  proposal statuses, category titles) and dates and durations in the page language;
- :mod:`.inventory_text` — the inventory's own texts (descriptions, purposes, legal bases) in
  the page language, through the ``governance`` gettext catalogs;
- :mod:`.change_text` — one inventory change as a sentence in the page language;
- :mod:`.public` — ``/transparency``, ``/proposals`` and ``/proposals/{id}``;
- :mod:`.sunset_page` — the 410 page browsers get after the sunset;
- :mod:`.console_proposals`, :mod:`.console_access`, :mod:`.console_audit` — the console
  screens under ``/console/governance/``; :mod:`.router` puts the routes together.

The data comes from :mod:`civitrace.governance`; nothing here decides a rule.
"""
