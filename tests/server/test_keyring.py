"""Signing keys: encrypted at rest, versioned, rotated without breaking live tokens."""

from pathlib import Path

import pytest
from sqlalchemy import select

from civitrace.server import crypto
from civitrace.server.db import make_engine, session_factory
from civitrace.server.db.models import SigningKey, SigningKeyPurpose
from civitrace.server.errors import StorageError
from civitrace.server.keyring import ServerSecrets, SigningKeyRing
from civitrace.server.settings import Settings
from tests.server.conftest import Api, assert_error


def test_private_keys_are_encrypted(api: Api, database_url: str) -> None:
    api.certificate(api.token())
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        rows = session.scalars(select(SigningKey)).all()
    engine.dispose()
    assert {row.purpose for row in rows} >= {"token", "certificate"}
    for row in rows:
        assert b"PRIVATE KEY" not in row.encrypted_private_key
        assert "PUBLIC KEY" in row.public_key_pem


def test_rotation_keeps_old_tokens_valid_until_retired(
    api: Api, database_url: str, settings: Settings
) -> None:
    old_token = api.token()
    engine = make_engine(database_url)
    ring = SigningKeyRing(ServerSecrets.load(settings.data_dir).kek)
    with session_factory(engine)() as session:
        old_kid = ring.active(session, SigningKeyPurpose.TOKEN).kid
        new = ring.create(session, SigningKeyPurpose.TOKEN)
        session.commit()
    new_token = api.token()
    assert api.certificate(old_token).status_code == 200
    retired_token = api.token()
    with session_factory(engine)() as session:
        with pytest.raises(StorageError, match="active"):
            ring.retire(session, new.kid)
        ring.retire(session, old_kid)
        session.commit()
    engine.dispose()
    assert api.certificate(new_token).status_code == 200
    assert api.certificate(retired_token).status_code == 200  # signed with the new key
    stale = api.token()
    assert api.certificate(stale).status_code == 200


def test_retired_key_rejects_its_tokens(api: Api, database_url: str, settings: Settings) -> None:
    token = api.token()
    engine = make_engine(database_url)
    ring = SigningKeyRing(ServerSecrets.load(settings.data_dir).kek)
    with session_factory(engine)() as session:
        old_kid = ring.active(session, SigningKeyPurpose.TOKEN).kid
        ring.create(session, SigningKeyPurpose.TOKEN)
        ring.retire(session, old_kid)
        session.commit()
    engine.dispose()
    assert_error(api.certificate(token), 400, "token_invalid", "trusted key")


def test_wrong_kek_cannot_decrypt(api: Api, database_url: str) -> None:
    api.token()
    engine = make_engine(database_url)
    with session_factory(engine)() as session, pytest.raises(StorageError, match="decrypt"):
        SigningKeyRing(bytes(32)).active(session, SigningKeyPurpose.TOKEN)
    engine.dispose()


def test_secret_files(tmp_path: Path) -> None:
    first = ServerSecrets.load(tmp_path)
    assert ServerSecrets.load(tmp_path) == first  # created once, then reused
    assert first.kek != first.code_hmac_key
    kek_file = tmp_path / "secrets" / "key-encryption.key"
    assert kek_file.stat().st_mode & 0o777 == 0o600
    assert "redacted" in repr(first)
    kek_file.write_bytes(b"short")
    with pytest.raises(StorageError, match="32 bytes"):
        ServerSecrets.load(tmp_path)


def test_encryption_is_bound_to_kid() -> None:
    kek = bytes(range(32))
    blob = crypto.encrypt(kek, b"pem", b"kid-1")
    assert crypto.decrypt(kek, blob, b"kid-1") == b"pem"
    with pytest.raises(StorageError):
        crypto.decrypt(kek, blob, b"kid-2")
