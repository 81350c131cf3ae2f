"""The staff console's services (issue 6): accounts, sessions, cases, quarantine follow-up.

- :mod:`.settings` — session lifetimes, throttling, password hashing cost; unsafe values refused;
- :mod:`.passwords`, :mod:`.totp` — argon2id hashes and the optional TOTP second factor;
- :mod:`.accounts` — staff accounts (the CLI, the admin pages and the demo use it);
- :mod:`.sessions` — server-side sessions found by a hash of the cookie, and their CSRF token;
- :mod:`.throttle`, :mod:`.login` — signing in, throttled per account and deployment-wide;
- :mod:`.cases` — the case workflow: open, issue a code, attach and decide shared check-ins,
  close; :mod:`.warnings` — on-behalf venue warnings;
- :mod:`.followups` — voluntary quarantine follow-up and the daily check-ins;
- :mod:`.auditing` — every staff action into the governance audit chain;
- :mod:`.service` — the services of one app; :mod:`.errors` — what can go wrong.

Pages live in :mod:`civitrace.web.console` and :mod:`civitrace.web.followup`; this package
knows nothing of HTTP.
"""
