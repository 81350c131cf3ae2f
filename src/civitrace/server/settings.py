"""The server's one typed, frozen settings object.

Values come, highest precedence first, from keyword arguments, ``CIVITRACE_*`` environment
variables (nested fields with ``__``, e.g. ``CIVITRACE_VERIFICATION__SHORT_CODE_LENGTH``), and an
optional TOML file (``CIVITRACE_CONFIG_FILE`` or :func:`load_settings`'s argument). Values that
would weaken privacy or make no sense are refused at start-up; anything unsafe for production is
named ``debug_…``.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Final, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from civitrace.governance.settings import GovernanceSettings
from civitrace.server.console.settings import ConsoleSettings
from civitrace.server.errors import SettingsError
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.jobs.settings import FederationSettings, RetentionSettings
from civitrace.server.presence.settings import PresenceSettings
from civitrace.web.presence.settings import PageSettings

CONFIG_FILE_ENV: Final = "CIVITRACE_CONFIG_FILE"  # names the optional TOML settings file

MIN_SHORT_CODE_LENGTH: Final = 6  # Google's floor: fewer digits are guessable
MIN_LONG_CODE_LENGTH: Final = 12  # Google's floor for the alphanumeric link code
MAX_SHORT_CODE_TTL: Final = timedelta(hours=1)  # Google's realm maximum for short codes
MAX_CODE_TTL: Final = timedelta(hours=24)  # no code lives longer than a day (hard maximum)
MAX_TOKEN_TTL: Final = timedelta(hours=24)  # a verification token is a one-day bearer secret
MAX_CERTIFICATE_TTL: Final = timedelta(hours=1)  # a certificate is spent within minutes
MAX_ALLOWED_PAST_DAYS: Final = 28  # symptom/test dates older than this are refused
MAX_FAILED_GUESSES: Final = 100  # per API key per window; more makes brute force practical


class VerificationSettings(BaseModel):
    """Codes, tokens and certificates of the verification API."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    short_code_length: int = Field(default=8, description="digits in a short code")
    short_code_ttl: timedelta = Field(
        default=timedelta(minutes=15), description="short code lifetime"
    )
    long_code_length: int = Field(default=16, description="characters in a long (link) code")
    long_code_ttl: timedelta = Field(default=timedelta(hours=24), description="long code lifetime")
    token_ttl: timedelta = Field(
        default=timedelta(hours=24), description="verification token lifetime"
    )
    certificate_ttl: timedelta = Field(
        default=timedelta(minutes=15), description="certificate lifetime"
    )
    clock_skew: timedelta = Field(default=timedelta(seconds=5), description="iat/nbf backdating")
    token_issuer: str = Field(default="civitrace-verification", min_length=1)
    certificate_issuer: str = Field(
        default="civitrace-verification", min_length=1, description="default iss of new authorities"
    )
    certificate_audience: str = Field(
        default="exposure-notifications-server",
        min_length=1,
        description="default aud of new authorities",
    )
    allowed_past_days: int = Field(
        default=28, description="oldest symptom/test date accepted, in days"
    )
    require_date: bool = Field(
        default=True, description="refuse codes without symptom or test date"
    )
    allow_admin_user_report: bool = Field(
        default=False, description="staff may issue user-report codes"
    )
    max_failed_guesses: int = Field(default=10, description="wrong codes per API key per window")
    failed_guess_window: timedelta = Field(
        default=timedelta(hours=1), description="rate-limit window"
    )
    debug_disable_rate_limit: bool = Field(
        default=False, description="UNSAFE: no failed-guess limit"
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = []
        if self.short_code_length < MIN_SHORT_CODE_LENGTH or self.short_code_length > 20:
            problems.append(f"short_code_length must be {MIN_SHORT_CODE_LENGTH}..20")
        if self.long_code_length < MIN_LONG_CODE_LENGTH or self.long_code_length > 64:
            problems.append(f"long_code_length must be {MIN_LONG_CODE_LENGTH}..64")
        if not timedelta(minutes=1) <= self.short_code_ttl <= MAX_SHORT_CODE_TTL:
            problems.append(f"short_code_ttl must be 1 min..{MAX_SHORT_CODE_TTL}")
        if not self.short_code_ttl <= self.long_code_ttl <= MAX_CODE_TTL:
            problems.append(f"long_code_ttl must be short_code_ttl..{MAX_CODE_TTL}")
        if not timedelta(minutes=1) <= self.token_ttl <= MAX_TOKEN_TTL:
            problems.append(f"token_ttl must be 1 min..{MAX_TOKEN_TTL}")
        if not timedelta(minutes=1) <= self.certificate_ttl <= MAX_CERTIFICATE_TTL:
            problems.append(f"certificate_ttl must be 1 min..{MAX_CERTIFICATE_TTL}")
        if not timedelta(0) <= self.clock_skew <= timedelta(minutes=1):
            problems.append("clock_skew must be 0..1 min")
        if not 1 <= self.allowed_past_days <= MAX_ALLOWED_PAST_DAYS:
            problems.append(f"allowed_past_days must be 1..{MAX_ALLOWED_PAST_DAYS}")
        if not 1 <= self.max_failed_guesses <= MAX_FAILED_GUESSES:
            problems.append(f"max_failed_guesses must be 1..{MAX_FAILED_GUESSES}")
        if not timedelta(minutes=1) <= self.failed_guess_window <= timedelta(days=1):
            problems.append("failed_guess_window must be 1 min..1 day")
        if problems:
            raise ValueError("; ".join(problems))
        return self


MAX_PUBLISH_INTERVAL_AGE: Final = timedelta(days=15)  # Google's 360 h: older keys are useless
MIN_TRUNCATE_WINDOW: Final = timedelta(minutes=10)  # finer arrival times would pin uploads
MIN_REVISION_TOKEN_KEYS: Final = 14  # fewer padded entries let a token's size reveal key counts


class PublishSettings(BaseModel):
    """Limits of ``POST /v1/publish`` (Google's ``internal/publish/config.go`` defaults)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_keys_on_publish: int = Field(default=30, description="keys per request")
    max_same_start_interval_keys: int = Field(
        default=3, description="keys sharing one rollingStartNumber"
    )
    max_interval_age: timedelta = Field(
        default=timedelta(hours=360), description="keys ending before now - this are dropped"
    )
    truncate_window: timedelta = Field(
        default=timedelta(hours=1), description="stored arrival times are truncated to this"
    )
    max_symptom_onset_days: int = Field(
        default=14, description="keys further from onset are dropped with a warning"
    )
    max_valid_symptom_onset_report_days: int = Field(
        default=28, description="older symptom onsets are ignored"
    )
    default_symptom_onset_days_ago: int = Field(
        default=4, description="assumed onset when none is given"
    )
    revision_token_min_keys: int = Field(
        default=28, description="revision tokens are padded to this many keys"
    )
    certificate_clock_skew: timedelta = Field(
        default=timedelta(minutes=1), description="leeway on the certificate's exp/iat/nbf"
    )
    debug_release_same_day_keys: bool = Field(
        default=False, description="UNSAFE: export still-valid keys without embargo"
    )

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Self:
        problems = []
        if not 1 <= self.max_keys_on_publish <= 100:
            problems.append("max_keys_on_publish must be 1..100")
        if not 1 <= self.max_same_start_interval_keys <= 10:
            problems.append("max_same_start_interval_keys must be 1..10")
        if not timedelta(days=1) <= self.max_interval_age <= MAX_PUBLISH_INTERVAL_AGE:
            problems.append(f"max_interval_age must be 1 day..{MAX_PUBLISH_INTERVAL_AGE}")
        window = self.truncate_window
        if not MIN_TRUNCATE_WINDOW <= window <= timedelta(days=1) or (
            timedelta(days=1) % window != timedelta(0)
        ):
            problems.append(
                f"truncate_window must be {MIN_TRUNCATE_WINDOW}..1 day and divide a day evenly"
            )
        if not 0 <= self.max_symptom_onset_days <= 14:
            problems.append("max_symptom_onset_days must be 0..14")
        if not 1 <= self.max_valid_symptom_onset_report_days <= 28:
            problems.append("max_valid_symptom_onset_report_days must be 1..28")
        if not 0 <= self.default_symptom_onset_days_ago <= 14:
            problems.append("default_symptom_onset_days_ago must be 0..14")
        if not MIN_REVISION_TOKEN_KEYS <= self.revision_token_min_keys <= 200:
            problems.append(f"revision_token_min_keys must be {MIN_REVISION_TOKEN_KEYS}..200")
        if not timedelta(0) <= self.certificate_clock_skew <= timedelta(minutes=5):
            problems.append("certificate_clock_skew must be 0..5 min")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Settings(BaseSettings):
    """Everything a server process is configured with; frozen once read."""

    model_config = SettingsConfigDict(
        env_prefix="CIVITRACE_",
        env_nested_delimiter="__",
        frozen=True,
        extra="forbid",
    )

    data_dir: Path = Field(
        default=Path("civitrace-data"), description="secrets and the SQLite file"
    )
    database_url: str = Field(
        default="", description="SQLAlchemy URL; default sqlite:///<data_dir>/civitrace.sqlite3"
    )
    verification: VerificationSettings = VerificationSettings()
    publish: PublishSettings = PublishSettings()
    exports: ExportSettings = ExportSettings()
    retention: RetentionSettings = RetentionSettings()
    federation: FederationSettings = FederationSettings()
    governance: GovernanceSettings = GovernanceSettings()
    presence: PresenceSettings = PresenceSettings()
    console: ConsoleSettings = Field(
        default_factory=ConsoleSettings, description="staff console and quarantine follow-up"
    )
    pages: PageSettings = PageSettings()
    response_padding_min_bytes: int = Field(
        default=1024, description="random bytes in every response"
    )
    response_padding_range_bytes: int = Field(default=1024, description="plus rand[0, range) bytes")
    max_body_bytes: int = Field(
        default=64_000, description="larger request bodies are refused (413)"
    )
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    debug_log_sql: bool = Field(
        default=False, description="UNSAFE: echo SQL with parameters to the log"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @model_validator(mode="after")
    def _derive_and_refuse(self) -> Self:
        if not self.database_url:
            url = f"sqlite:///{(self.data_dir / 'civitrace.sqlite3').as_posix()}"
            object.__setattr__(self, "database_url", url)
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:// or postgresql+psycopg:// URL")
        if self.response_padding_min_bytes < 1024 or self.response_padding_range_bytes < 1:
            raise ValueError(
                "response padding below 1024 + rand[0, 1) bytes lets response sizes leak"
            )
        if self.max_body_bytes < 1024:
            raise ValueError("max_body_bytes must be at least 1024")
        return self


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Read the settings once, or raise :class:`SettingsError` naming every refused value."""
    path = config_file or (
        Path(os.environ[CONFIG_FILE_ENV]) if CONFIG_FILE_ENV in os.environ else None
    )
    try:
        if path is None:
            return Settings(**overrides)  # type: ignore[arg-type]
        if not path.is_file():
            raise SettingsError(f"settings file {path} does not exist")

        class _FromFile(Settings):
            model_config = SettingsConfigDict(toml_file=path)

        return _FromFile(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {details}") from None
