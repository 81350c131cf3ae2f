"""Federation (DESIGN §3, issue 4): civitrace instances pull each other's published keys.

- :mod:`.errors` — the domain's exceptions (API errors map to HTTP in ``server/errors.py``);
- :mod:`.wire` — the fetch protocol: cursors, the signed payload, keys as JSON;
- :mod:`.signing` — the federation signing key, encrypted at rest with the KEK;
- :mod:`.peers` — grants (who may pull from here) and peers (whom this instance pulls from);
- :mod:`.service` — the serving side: which keys a grant may receive, page by page;
- :mod:`.views` — ``POST /federation/v1/fetch``;
- :mod:`.pull` — the pulling side: fetch, verify, insert without duplicates, advance the cursor.
"""
