"""Settings of the staff console: session lifetimes, throttling, password hashing, follow-up.

Frozen once read, like every settings section. Values that would make sessions outlive a working
day, let passwords be guessed online, or hash them too cheaply are refused at start-up. The
section is read from ``Settings.console`` (``CIVITRACE_CONSOLE__…``) once the server's settings
object carries it; until then :func:`console_settings` falls back to the defaults.
"""

from datetime import timedelta
from typing import Any, Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_IDLE: Final = timedelta(hours=2)  # an unattended console stays open no longer
MAX_SESSION: Final = timedelta(hours=24)  # sign in at least once a day
MAX_FAILED_LOGINS: Final = 20  # per account before a lock-out; more makes guessing practical
MIN_ARGON2_MEMORY_KIB: Final = 19_456  # OWASP's argon2id floor: 19 MiB, 2 passes
MIN_ARGON2_TIME_COST: Final = 2
MIN_PASSWORD_LENGTH: Final = 12  # NIST SP 800-63B asks at least 8; staff hold health data
MAX_FOLLOWUP_DAYS: Final = 21  # no quarantine lasts longer


class ConsoleSettings(BaseModel):
    """The staff console and the voluntary quarantine follow-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    session_idle_timeout: timedelta = Field(
        default=timedelta(minutes=30), description="a session ends after this long unused"
    )
    session_lifetime: timedelta = Field(
        default=timedelta(hours=10), description="a session ends this long after sign-in"
    )
    second_factor_timeout: timedelta = Field(
        default=timedelta(minutes=5), description="time to type the TOTP code after the password"
    )
    max_failed_logins: int = Field(
        default=5, description="wrong passwords or codes in a row before the account locks"
    )
    lockout: timedelta = Field(
        default=timedelta(minutes=15), description="how long a locked account refuses sign-in"
    )
    global_failure_window: timedelta = Field(
        default=timedelta(minutes=10), description="window of the deployment-wide throttle"
    )
    global_max_failures: int = Field(
        default=200, description="failed sign-ins of all accounts per window before all pause"
    )
    argon2_time_cost: int = Field(default=3, description="argon2id passes (RFC 9106: 3)")
    argon2_memory_kib: int = Field(default=65_536, description="argon2id memory (RFC 9106: 64 MiB)")
    argon2_parallelism: int = Field(default=4, description="argon2id lanes")
    password_min_length: int = Field(default=MIN_PASSWORD_LENGTH, description="characters")
    followup_days: int = Field(default=10, description="default length of a follow-up, in days")

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = [*self._session_problems(), *self._hashing_problems()]
        if not 1 <= self.followup_days <= MAX_FOLLOWUP_DAYS:
            problems.append(f"followup_days must be 1..{MAX_FOLLOWUP_DAYS}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _session_problems(self) -> list[str]:
        problems = []
        if not timedelta(minutes=1) <= self.session_idle_timeout <= MAX_IDLE:
            problems.append(f"session_idle_timeout must be 1 min..{MAX_IDLE}")
        if not self.session_idle_timeout <= self.session_lifetime <= MAX_SESSION:
            problems.append(f"session_lifetime must be session_idle_timeout..{MAX_SESSION}")
        if not timedelta(seconds=30) <= self.second_factor_timeout <= timedelta(minutes=15):
            problems.append("second_factor_timeout must be 30 s..15 min")
        if not 1 <= self.max_failed_logins <= MAX_FAILED_LOGINS:
            problems.append(f"max_failed_logins must be 1..{MAX_FAILED_LOGINS}")
        if not timedelta(minutes=1) <= self.lockout <= timedelta(days=1):
            problems.append("lockout must be 1 min..1 day")
        if not timedelta(minutes=1) <= self.global_failure_window <= timedelta(hours=1):
            problems.append("global_failure_window must be 1 min..1 h")
        if not 1 <= self.global_max_failures <= 100_000:
            problems.append("global_max_failures must be 1..100000")
        return problems

    def _hashing_problems(self) -> list[str]:
        problems = []
        if self.argon2_time_cost < MIN_ARGON2_TIME_COST:
            problems.append(f"argon2_time_cost must be at least {MIN_ARGON2_TIME_COST}")
        if self.argon2_memory_kib < MIN_ARGON2_MEMORY_KIB:
            problems.append(f"argon2_memory_kib must be at least {MIN_ARGON2_MEMORY_KIB}")
        if not 1 <= self.argon2_parallelism <= 16:
            problems.append("argon2_parallelism must be 1..16")
        if not MIN_PASSWORD_LENGTH <= self.password_min_length <= 128:
            problems.append(f"password_min_length must be {MIN_PASSWORD_LENGTH}..128")
        return problems


def console_settings(settings: Any) -> ConsoleSettings:
    """The ``console`` section of the server's settings, or the defaults while the settings
    object has no such section."""
    section = getattr(settings, "console", None)
    return section if isinstance(section, ConsoleSettings) else ConsoleSettings()
