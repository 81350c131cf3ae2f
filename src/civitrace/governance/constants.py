"""Vocabulary the inventory is written in, each value with a one-line reason."""

from typing import Final

INVENTORY_FORMAT: Final = 1  # the ``format`` key of inventory TOML files this code reads

OPERATIONAL: Final = "operational"  # category of tables holding nothing about people

READERS: Final = frozenset(
    {
        "admin",  # console role: manages staff accounts and settings
        "case-worker",  # console role: opens cases, issues codes, follows up quarantine
        "venue-tracer",  # console role: reviews check-in reports, publishes venue warnings
        "statistician",  # console role: reads differentially private statistics
        "auditor",  # console role: reads the audit log and the access-request register
        "facilitator",  # runs consultation sessions and moderates their questions
        "data-subject",  # the person the record is about, and nobody else
        "devices",  # apps on phones, through the public APIs
        "federation-peers",  # other civitrace instances allowed to pull keys
        "public",  # anyone: published on the web
        "system",  # read by the server's own processing only, never shown to a person
    }
)
"""Who may read a category; anything else in an inventory is refused (typos widen nothing)."""

SYSTEM_ACTOR: Final = "system"  # actor of audit entries written by the server itself
