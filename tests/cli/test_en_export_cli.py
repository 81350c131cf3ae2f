"""The CLI contract of ``civitrace en`` and ``civitrace export`` (scripts depend on it)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Invoke
from tests.vectors import load_vectors

CRYPTO = load_vectors("gaen_crypto.json")
HMAC = load_vectors("gaen_hmac.json")
TEK = CRYPTO["published"]["temporary_exposure_key"]
START = CRYPTO["published"]["en_interval_number"]


def test_rpi_prints_one_hex_rpi_per_line(civitrace: Invoke) -> None:
    result = civitrace("en", "rpi", "--tek", TEK, "--interval", str(START), "--count", "144")
    assert result.exit_code == 0
    assert result.stdout.split() == [v["rpi"] for v in CRYPTO["intervals"]]


def test_aem(civitrace: Invoke) -> None:
    vector = CRYPTO["intervals"][3]
    result = civitrace(
        "en",
        "aem",
        "--tek",
        TEK,
        "--rpi",
        vector["rpi"],
        "--metadata",
        CRYPTO["published"]["ble_metadata"],
    )
    assert (result.exit_code, result.stdout.strip()) == (0, vector["aem"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["en", "rpi", "--tek", "abcd", "--interval", "1"], "--tek must be 16 bytes"),
        (["en", "rpi", "--tek", "zz" * 16, "--interval", "1"], "--tek is not valid hex"),
        (["en", "rpi", "--tek", TEK, "--interval", "-1"], "--interval"),
        (["en", "rpi", "--tek", TEK, "--interval", "1", "--count", "0"], "--count"),
        (["en", "aem", "--tek", TEK, "--rpi", TEK, "--metadata", "00"], "--metadata must be 4"),
        (["export", "verify", "/no/such.zip", "--public-key", "/no/key.pem"], "no such file"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(
    civitrace: Invoke, args: list[str], message: str
) -> None:
    result = civitrace(*args)
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def key_pair(civitrace: Invoke, tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "signing.pem", tmp_path / "public.pem"
    assert (
        civitrace("export", "keygen", "--out", str(private), "--public-out", str(public)).exit_code
        == 0
    )
    assert private.stat().st_mode & 0o077 == 0
    return private, public


def test_build_then_verify(civitrace: Invoke, tmp_path: Path, key_pair: tuple[Path, Path]) -> None:
    private, public = key_pair
    body = {
        "temporaryExposureKeys": HMAC["cases"][0]["keys"],
        "healthAuthorityID": "ha",
        "hmacKey": "AAAA",
        "padding": "xyz",
    }
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(body))
    out = tmp_path / "export.zip"
    built = civitrace(
        "export",
        "build",
        str(keys_file),
        "--signing-key",
        str(private),
        "--region",
        "DE",
        "--out",
        str(out),
        "--key-id",
        "262",
    )
    assert built.exit_code == 0, built.stderr
    verified = civitrace("export", "verify", str(out), "--public-key", str(public))
    assert verified.exit_code == 0, verified.stderr
    document = json.loads(verified.stdout)
    assert document["region"] == "DE"
    assert (document["batchNum"], document["batchSize"]) == (1, 1)
    assert document["startTimestamp"] == 1 * 600
    assert document["endTimestamp"] == (144 + 144) * 600
    by_key = {k["key"]: k for k in document["keys"]}
    assert set(by_key) == {k["key"] for k in HMAC["cases"][0]["keys"]}
    for expected in HMAC["cases"][0]["keys"]:
        got = by_key[expected["key"]]
        assert got["rollingStartNumber"] == expected["rollingStartNumber"]
        assert got["rollingPeriod"] == expected["rollingPeriod"]
        assert got["transmissionRisk"] == expected["transmissionRisk"]
        assert got["reportType"] == "UNKNOWN"
        assert got["daysSinceOnsetOfSymptoms"] is None


def test_verify_fails_with_another_key(
    civitrace: Invoke, tmp_path: Path, key_pair: tuple[Path, Path]
) -> None:
    private, _ = key_pair
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(HMAC["cases"][0]["keys"]))
    out = tmp_path / "export.zip"
    civitrace(
        "export",
        "build",
        str(keys_file),
        "--signing-key",
        str(private),
        "--region",
        "DE",
        "--out",
        str(out),
    )
    other_private, other_public = tmp_path / "o.pem", tmp_path / "o.pub"
    civitrace("export", "keygen", "--out", str(other_private), "--public-out", str(other_public))
    result = civitrace("export", "verify", str(out), "--public-key", str(other_public))
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: no signature in export.sig verifies with a trusted key"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        (
            '{"temporaryExposureKeys": [{"key": "AAAA", "rollingStartNumber": 1}]}',
            "temporaryExposureKeys[0].key",
        ),
        ("[{}]", "temporaryExposureKeys[0].key"),
    ],
)
def test_build_reports_bad_keys(
    civitrace: Invoke, tmp_path: Path, key_pair: tuple[Path, Path], content: str, message: str
) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(content)
    result = civitrace(
        "export",
        "build",
        str(keys_file),
        "--signing-key",
        str(key_pair[0]),
        "--region",
        "DE",
        "--out",
        str(tmp_path / "x.zip"),
    )
    assert result.exit_code == 1
    assert message in result.stderr
    assert not (tmp_path / "x.zip").exists()


def test_bad_pem_and_garbage_zip(
    civitrace: Invoke, tmp_path: Path, key_pair: tuple[Path, Path]
) -> None:
    bad_pem = tmp_path / "bad.pem"
    bad_pem.write_text("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n")
    garbage = tmp_path / "g.zip"
    garbage.write_bytes(b"PK\x03\x04 not really")
    result = civitrace("export", "verify", str(garbage), "--public-key", str(bad_pem))
    assert (result.exit_code, result.stderr.startswith("error: not a PEM public key")) == (1, True)
    result = civitrace("export", "verify", str(garbage), "--public-key", str(key_pair[1]))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: not a valid export zip")


def test_keygen_refuses_to_overwrite(civitrace: Invoke, key_pair: tuple[Path, Path]) -> None:
    private, public = key_pair
    result = civitrace("export", "keygen", "--out", str(private), "--public-out", str(public))
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.stderr


def test_installed_console_script_runs() -> None:
    """The ``civitrace`` script of the installed package, as a user types it."""
    script = Path(sys.executable).parent / "civitrace"
    if not script.exists():
        pytest.fail("the civitrace console script is not installed; run make install")
    result = subprocess.run(
        [str(script), "en", "rpi", "--tek", TEK, "--interval", str(START)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, CRYPTO["intervals"][0]["rpi"])
