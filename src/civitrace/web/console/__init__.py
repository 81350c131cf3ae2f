"""The health-authority staff console under ``/console/`` (issue 6): server-rendered pages.

- :mod:`.routing` — the route class that renders the console's errors as pages;
- :mod:`.auth` — the session cookie, CSRF tokens, and the role each route requires;
- :mod:`.pages` — rendering with the signed-in staff member and the navigation of their role;
- ``views_*`` — one module per area (sign-in, home and account, cases, check-ins and warnings,
  follow-up, staff, audit); :mod:`.router` puts them together.

Services (what is stored and checked) live in :mod:`civitrace.server.console`.
"""
