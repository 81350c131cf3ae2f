"""Settings: defaults, environment, TOML, and refusal of unsafe values."""

from datetime import timedelta
from pathlib import Path

import pytest

from civitrace.server.errors import SettingsError
from civitrace.server.settings import Settings, load_settings


def test_defaults(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    v = settings.verification
    assert (v.short_code_length, v.long_code_length) == (8, 16)
    assert v.short_code_ttl == timedelta(minutes=15)
    assert v.long_code_ttl == v.token_ttl == timedelta(hours=24)
    assert v.certificate_ttl == timedelta(minutes=15)
    assert v.certificate_audience == "exposure-notifications-server"
    assert v.allowed_past_days == 28
    assert settings.database_url == f"sqlite:///{tmp_path.as_posix()}/civitrace.sqlite3"


def test_frozen(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    with pytest.raises(ValueError, match="frozen"):
        settings.data_dir = Path("/")  # type: ignore[misc]


def test_environment_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "civitrace.toml"
    config.write_text(
        'database_url = "sqlite:///from-toml.sqlite3"\n'
        "[verification]\nshort_code_length = 10\nmax_failed_guesses = 7\n"
    )
    monkeypatch.setenv("CIVITRACE_CONFIG_FILE", str(config))
    monkeypatch.setenv("CIVITRACE_VERIFICATION__SHORT_CODE_LENGTH", "9")
    monkeypatch.setenv("CIVITRACE_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.verification.short_code_length == 9  # environment beats the file
    assert settings.verification.max_failed_guesses == 7
    assert settings.database_url == "sqlite:///from-toml.sqlite3"
    assert settings.data_dir == tmp_path


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("verification", "mentions"),
    [
        ({"short_code_length": 5}, "short_code_length"),
        ({"long_code_length": 8}, "long_code_length"),
        ({"short_code_ttl": timedelta(hours=2)}, "short_code_ttl"),
        ({"long_code_ttl": timedelta(hours=25)}, "long_code_ttl"),
        ({"token_ttl": timedelta(days=2)}, "token_ttl"),
        ({"certificate_ttl": timedelta(hours=3)}, "certificate_ttl"),
        ({"allowed_past_days": 60}, "allowed_past_days"),
        ({"max_failed_guesses": 0}, "max_failed_guesses"),
        ({"max_failed_guesses": 10_000}, "max_failed_guesses"),
        ({"no_such_setting": 1}, "no_such_setting"),
    ],
)
def test_unsafe_values_refused(
    tmp_path: Path, verification: dict[str, object], mentions: str
) -> None:
    with pytest.raises(SettingsError, match=mentions):
        load_settings(data_dir=tmp_path, verification=verification)


@pytest.mark.parametrize(
    ("values", "mentions"),
    [
        ({"response_padding_min_bytes": 100}, "padding"),
        ({"database_url": "mysql://x"}, "database_url"),
        ({"log_level": "TRACE"}, "log_level"),
    ],
)
def test_unsafe_top_level_refused(tmp_path: Path, values: dict[str, object], mentions: str) -> None:
    with pytest.raises(SettingsError, match=mentions):
        load_settings(data_dir=tmp_path, **values)


def test_unsafe_switches_are_named_debug() -> None:
    names = set(Settings.model_fields) | {
        f"verification.{n}"
        for n in Settings.model_fields["verification"].annotation.model_fields  # type: ignore[union-attr]
    }
    unsafe = {n for n in names if "disable" in n or "log_sql" in n}
    assert unsafe
    assert all(n.split(".")[-1].startswith("debug_") for n in unsafe)
