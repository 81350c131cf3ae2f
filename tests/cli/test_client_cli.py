"""``civitrace client``: the happy path end to end, and bad input as one line, exit 1."""

import io
import json
import os
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from civitrace.client.device import Device
from civitrace.client.simulate import Meeting, observe_device, to_jsonl
from civitrace.client.store import Passphrase
from tests.cli.conftest import Invoke, Result

SRC = Path(__file__).resolve().parents[2] / "src"
DAY_SECONDS = 86_400


@dataclass
class Paths:
    root: Path
    alice: Path
    bob: Path
    bob_key: Path


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    monkeypatch.setenv("CIVITRACE_PASSPHRASE", "alice passphrase")
    monkeypatch.setenv("BOB_PASSPHRASE", "bob passphrase")
    monkeypatch.delenv("CIVITRACE_CLIENT_STORE", raising=False)
    return Paths(tmp_path, tmp_path / "alice.store", tmp_path / "bob.store", tmp_path / "bob.key")


def _ok(result: Result) -> Result:
    assert result.exit_code == 0, result.stderr
    return result


def _one_line_error(result: Result, message: str) -> None:
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert message in lines[0]


def test_the_whole_journey(civitrace: Invoke, paths: Paths) -> None:
    yesterday = (int(time.time()) // DAY_SECONDS - 1) * DAY_SECONDS
    created = str(yesterday + 6 * 3600)
    alice, bob = ("--store", str(paths.alice)), ("--store", str(paths.bob))
    bob_key = ("--key-file", str(paths.bob_key))

    init = _ok(civitrace("client", "init", *alice, "--now", created))
    assert "protected by passphrase" in init.stdout
    _ok(civitrace("client", "init", *bob, *bob_key, "--now", created))
    assert stat.S_IMODE(paths.bob_key.stat().st_mode) == 0o600

    # Bob's scanner heard Alice for 40 minutes yesterday afternoon
    device = Device.open(paths.alice, Passphrase("alice passphrase"))
    feed = paths.root / "bob-scans.jsonl"
    feed.write_text(to_jsonl(observe_device(device, [Meeting(yesterday + 50_400, 2400, rssi=-40)])))
    device.close()
    scanned = _ok(civitrace("client", "scan", str(feed), *bob, *bob_key))
    assert "added 24 sightings" in scanned.stdout

    # Alice consents; the authority builds and signs an export from her publish body
    body = paths.root / "alice-publish.json"
    shared = _ok(
        civitrace(
            "client",
            "share-keys",
            *alice,
            "--health-authority",
            "ha",
            "--consent",
            "yes",
            "--symptom-onset",
            time.strftime("%Y-%m-%d", time.gmtime(yesterday)),
            "--out",
            str(body),
        )
    )
    assert "ekeyhmac " in shared.stdout
    assert stat.S_IMODE(body.stat().st_mode) == 0o600
    signing, public = paths.root / "ha.pem", paths.root / "ha-public.pem"
    _ok(civitrace("export", "keygen", "--out", str(signing), "--public-out", str(public)))
    (paths.root / "exports").mkdir()
    _ok(
        civitrace(
            "export",
            "build",
            str(body),
            "--signing-key",
            str(signing),
            "--region",
            "DE",
            "--out",
            str(paths.root / "exports" / "1.zip"),
        )
    )

    downloaded = _ok(
        civitrace(
            "client",
            "download",
            str(paths.root / "exports"),
            *bob,
            *bob_key,
            "--public-key",
            str(public),
        )
    )
    assert "accepted 1 files (1 keys)" in downloaded.stdout
    again = _ok(
        civitrace(
            "client",
            "download",
            str(paths.root / "exports"),
            *bob,
            *bob_key,
            "--public-key",
            str(public),
        )
    )
    assert "skipped 1 already held" in again.stdout

    checked = _ok(civitrace("client", "check", *bob, *bob_key))
    assert "Exposure windows per day" in checked.stdout
    assert "close contact on" in checked.stdout
    as_json = json.loads(_ok(civitrace("client", "check", *bob, *bob_key, "--json")).stdout)
    assert sum(w["durationSeconds"] for w in as_json["windows"]) == 120 + 7 * 300
    assert as_json["classification"]["name"] == "close contact"

    status = _ok(civitrace("client", "status", *bob, *bob_key))
    for row in ("own keys", "sightings", "downloaded exports", "exposure checks"):
        assert row in status.stdout
    alice_status = _ok(civitrace("client", "status", *alice))
    assert "uploads" in alice_status.stdout

    exported = json.loads(_ok(civitrace("client", "export-data", *alice)).stdout)
    assert exported["uploads"][0]["healthAuthorityID"] == "ha"
    assert exported["consents"][0]["statement"].startswith("Share my diagnosis keys")
    out = paths.root / "bob-data.json"
    _ok(civitrace("client", "export-data", *bob, *bob_key, "--out", str(out)))
    assert json.loads(out.read_text())["sightings"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    deleted = _ok(civitrace("client", "delete-data", *bob, *bob_key, "--yes"))
    assert str(paths.bob) in deleted.stdout
    assert not paths.bob.exists()
    assert not paths.bob_key.exists()


def test_store_from_the_environment_and_another_passphrase_variable(
    civitrace: Invoke, paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIVITRACE_CLIENT_STORE", str(paths.bob))
    _ok(civitrace("client", "init", "--passphrase-env", "BOB_PASSPHRASE"))
    assert paths.bob.is_file()
    _ok(civitrace("client", "status", "--passphrase-env", "BOB_PASSPHRASE"))
    _one_line_error(civitrace("client", "status"), "wrong passphrase")


@pytest.fixture
def alice_store(civitrace: Invoke, paths: Paths) -> tuple[str, str]:
    _ok(civitrace("client", "init", "--store", str(paths.alice)))
    return ("--store", str(paths.alice))


def test_share_keys_refuses_without_consent(
    civitrace: Invoke, paths: Paths, alice_store: tuple[str, str]
) -> None:
    for consent in ((), ("--consent", "no"), ("--consent", "y")):
        result = civitrace(
            "client",
            "share-keys",
            *alice_store,
            "--health-authority",
            "ha",
            *consent,
            "--out",
            str(paths.root / "body.json"),
        )
        _one_line_error(result, "pass --consent yes")
        assert "temporaryExposureKeys" not in result.stdout
    assert not (paths.root / "body.json").exists()
    exported = json.loads(_ok(civitrace("client", "export-data", *alice_store)).stdout)
    assert (exported["uploads"], exported["consents"]) == ([], [])


def test_delete_data_asks_first(
    civitrace: Invoke, paths: Paths, alice_store: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    result = civitrace("client", "delete-data", *alice_store)
    assert result.exit_code != 0
    assert paths.alice.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    _ok(civitrace("client", "delete-data", *alice_store))
    assert not paths.alice.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["client", "scan", "{root}/missing.jsonl"], "no such scan feed"),
        (["client", "scan", "{root}/bad.jsonl"], "line 2: rssi: must be an integer"),
        (
            ["client", "download", "{root}/nowhere", "--public-key", "{root}/pk.pem"],
            "--public-key: no such file",
        ),
        (
            ["client", "download", "{root}/nowhere", "--public-key", "{root}/bad.jsonl"],
            "not a PEM public key",
        ),
        (["client", "init"], "already exists"),
        (
            [
                "client",
                "share-keys",
                "--health-authority",
                "ha",
                "--consent",
                "yes",
                "--symptom-onset",
                "yesterday",
            ],
            "--symptom-onset must be a date",
        ),
        (
            ["client", "share-keys", "--health-authority", "ha", "--consent", "yes"],
            "no keys to share yet",
        ),
        (["client", "export-data", "--out", "{root}/no/such/dir/x.json"], "No such file"),
        (["client", "init", "--tx-power", "300"], "--tx-power"),
    ],
)
def test_bad_input(
    civitrace: Invoke, paths: Paths, alice_store: tuple[str, str], args: list[str], message: str
) -> None:
    (paths.root / "bad.jsonl").write_text(
        '{"time": 1, "kind": "scan"}\n{"time": 1, "payload": "%s", "rssi": "-5"}\n' % ("00" * 20)
    )
    argv = [a.format(root=paths.root) for a in args]
    _one_line_error(civitrace(*argv, *alice_store), message)


def test_wrong_passphrase_missing_passphrase_missing_store(
    civitrace: Invoke, paths: Paths, alice_store: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _one_line_error(
        civitrace("client", "status", *alice_store, "--passphrase-env", "BOB_PASSPHRASE"),
        "wrong passphrase",
    )
    _one_line_error(
        civitrace("client", "status", *alice_store, "--passphrase-env", "UNSET_VAR_X"),
        "set $UNSET_VAR_X or pass --key-file",
    )
    _one_line_error(
        civitrace("client", "status", "--store", str(paths.root / "none.store")), "no store at"
    )
    _one_line_error(
        civitrace("client", "status", *alice_store, "--key-file", str(paths.bob_key)),
        "key file not found",
    )


def test_python_dash_m_civitrace(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC), "CIVITRACE_PASSPHRASE": "pw"}
    store = str(tmp_path / "s.store")
    created = subprocess.run(
        [sys.executable, "-m", "civitrace", "client", "init", "--store", store],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    wrong = subprocess.run(
        [sys.executable, "-m", "civitrace", "client", "status", "--store", store],
        capture_output=True,
        text=True,
        env={**env, "CIVITRACE_PASSPHRASE": "nope"},
        timeout=60,
        check=False,
    )
    assert wrong.returncode == 1
    assert wrong.stderr.strip().startswith("error: cannot unlock the store")
    assert "Traceback" not in wrong.stderr
