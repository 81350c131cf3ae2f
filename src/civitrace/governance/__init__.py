"""Governance enforced in code (DESIGN §5, issue 6); ``docs/governance.md`` explains it.

- :mod:`.inventory` — the data inventory (``inventory.toml``), typed and validated;
- :mod:`.tags` — what each table declares (``info={"data_category", "retention_column"}``);
- :mod:`.enforce` — deletion past retention, and of everything personal after the sunset;
- :mod:`.changes`, :mod:`.proposals` — the notice period: proposals and the inventory in force;
- :mod:`.audit` — the hash-chained audit log (``audit.append(session, actor, action, …)``);
- :mod:`.access_requests` — the data-access-request register and its public view;
- :mod:`.transparency`, :mod:`.views` — the transparency data and its JSON endpoints;
- :mod:`.sunset_middleware` — 410 after the sunset; :mod:`.settings` — the settings section.
"""
