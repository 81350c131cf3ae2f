"""Key server, verification server, export batches and staff console (issues 4 and 6).

Built so far: settings (:mod:`.settings`), storage (:mod:`.db`, Alembic migrations in
``migrations/``), secrets and signing keys (:mod:`.keyring`), API keys (:mod:`.apikeys`), and the
Google-compatible verification API (:mod:`.verification`), assembled by
:func:`civitrace.server.app.create_app`. Errors map to HTTP in one place, :mod:`.errors`.
"""
