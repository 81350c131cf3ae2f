"""The console services of one app, built on first use from the app's state.

They hang on ``app.state.console``; a test (or a host embedding the app) may put its own there
beforehand, e.g. with a controllable clock or a cheaper password hash.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from civitrace.server.console.passwords import Passwords
from civitrace.server.console.settings import ConsoleSettings, console_settings
from civitrace.server.presence.service import PresenceServices
from civitrace.server.presence.service import services as presence_services
from civitrace.server.verification.service import Verifier


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ConsoleServices:
    """What the console's pages need: settings, hashing, the server's key-encryption key, the
    verification service ``/api/issue`` uses, the presence services, and a clock."""

    settings: ConsoleSettings
    kek: bytes = field(repr=False)
    verifier: Verifier
    presence: PresenceServices
    clock: Callable[[], datetime] = utcnow
    passwords: Passwords = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "passwords", Passwords(self.settings))

    def now(self) -> datetime:
        return self.clock()


def build_services(
    state: Any, settings: ConsoleSettings | None = None, clock: Callable[[], datetime] = utcnow
) -> ConsoleServices:
    """Services over an app's ``state`` (its settings, verifier and presence services)."""
    verifier: Verifier = state.verifier
    return ConsoleServices(
        settings=settings or console_settings(state.settings),
        kek=verifier.secrets.kek,
        verifier=verifier,
        presence=presence_services(state),
        clock=clock,
    )


def services(state: Any) -> ConsoleServices:
    """The app's console services, built once."""
    found = getattr(state, "console", None)
    if not isinstance(found, ConsoleServices):
        found = build_services(state)
        state.console = found
    return found
