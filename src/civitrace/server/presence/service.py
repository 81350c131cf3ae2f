"""The presence services of one app, built on first use from the app's settings and keyring.

They hang on ``app.state.presence``; a test (or a host embedding the app) may put its own there
beforehand, e.g. with another clock.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from civitrace.server.presence.on_behalf import OnBehalfWarnings
from civitrace.server.presence.settings import presence_settings
from civitrace.server.presence.slips import Slips
from civitrace.server.presence.submissions import Submissions


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class PresenceServices:
    submissions: Submissions
    on_behalf: OnBehalfWarnings
    slips: Slips


def build_services(state: Any, clock: Callable[[], datetime] = _utcnow) -> PresenceServices:
    """Services over an app's ``state`` (its settings, and the publisher's signing keyring,
    which verifies the same certificates publish accepts)."""
    settings = state.settings
    section = presence_settings(settings)
    return PresenceServices(
        submissions=Submissions(settings.publish, section, state.publisher.keyring, clock),
        on_behalf=OnBehalfWarnings(clock),
        slips=Slips(section, clock),
    )


def services(state: Any) -> PresenceServices:
    """The app's services, built once."""
    found = getattr(state, "presence", None)
    if not isinstance(found, PresenceServices):
        found = build_services(state)
        state.presence = found
    return found
