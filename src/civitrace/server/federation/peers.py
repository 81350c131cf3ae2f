"""Grants (peers that may pull from here) and peers (instances this one pulls from).

A grant's credential is ``civfed_<prefix>.<secret>`` (32 random bytes), shown once and stored
as its SHA-256 only, like API keys. A peer's credential is stored encrypted with the KEK, since
it must be sent on every pull.
"""

import base64
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from civitrace.en import _primitives
from civitrace.en.errors import SigningKeyError
from civitrace.server import crypto
from civitrace.server.db.federation_models import FederationGrant, FederationPeer
from civitrace.server.errors import UnauthorizedError
from civitrace.server.federation.errors import FederationConfigError
from civitrace.server.federation.wire import WireError, check_regions

CREDENTIAL_PREFIX: Final = "civfed_"
MAX_CREDENTIAL_LENGTH: Final = 200
BEARER: Final = "bearer "


@dataclass(frozen=True, slots=True)
class IssuedGrant:
    """A new grant; ``credential`` is shown once and never stored."""

    row: FederationGrant
    credential: str


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise FederationConfigError("name: must be 1..200 characters")
    return name


def _regions(regions: list[str]) -> str:
    try:
        return ",".join(check_regions([r.strip().upper() for r in regions]))
    except WireError as exc:
        raise FederationConfigError(str(exc)) from None


def create_grant(
    session: Session, name: str, regions: list[str], *, only_travelers: bool = False
) -> IssuedGrant:
    name = _name(name)
    if session.scalars(select(FederationGrant).where(FederationGrant.name == name)).first():
        raise FederationConfigError(f"a federation grant named {name!r} exists")
    prefix = f"{CREDENTIAL_PREFIX}{secrets.token_hex(4)}"
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")
    credential = f"{prefix}.{secret}"
    row = FederationGrant(
        name=name,
        prefix=prefix,
        credential_hash=crypto.sha256(credential.encode("ascii")),
        regions=_regions(regions),
        only_travelers=only_travelers,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return IssuedGrant(row, credential)


def list_grants(session: Session) -> list[FederationGrant]:
    return list(session.scalars(select(FederationGrant).order_by(FederationGrant.name)))


def revoke_grant(session: Session, name: str) -> FederationGrant:
    row = session.scalars(select(FederationGrant).where(FederationGrant.name == name)).first()
    if row is None:
        raise FederationConfigError(f"no federation grant named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    return row


def authenticate_grant(session: Session, authorization: str | None) -> FederationGrant:
    """The grant of an ``Authorization: Bearer`` header, or :class:`UnauthorizedError`."""
    if not authorization or not authorization.lower().startswith(BEARER):
        raise UnauthorizedError("Authorization: a Bearer federation credential is required")
    credential = authorization[len(BEARER) :].strip()
    if len(credential) > MAX_CREDENTIAL_LENGTH or not credential.isascii():
        raise UnauthorizedError("Authorization: invalid federation credential")
    row = session.scalars(
        select(FederationGrant).where(
            FederationGrant.credential_hash == crypto.sha256(credential.encode("ascii"))
        )
    ).first()
    if row is None or row.revoked_at is not None:
        raise UnauthorizedError("Authorization: invalid federation credential")
    return row


def _aad(name: str) -> bytes:
    return f"civitrace-federation-peer:{name}".encode()


def create_peer(
    session: Session,
    kek: bytes,
    name: str,
    *,
    url: str,
    credential: str,
    public_key_pem: str,
    regions: list[str],
) -> FederationPeer:
    name = _name(name)
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or len(url) > 500:
        raise FederationConfigError("url: must be an http(s):// base URL")
    if not credential or len(credential) > MAX_CREDENTIAL_LENGTH or not credential.isascii():
        raise FederationConfigError("credential: must be the ASCII credential the peer issued")
    try:
        _primitives.load_public_key_pem(public_key_pem.encode("ascii"))
    except (SigningKeyError, UnicodeEncodeError) as exc:
        raise FederationConfigError(f"public key: {exc}") from None
    if session.scalars(select(FederationPeer).where(FederationPeer.name == name)).first():
        raise FederationConfigError(f"a federation peer named {name!r} exists")
    row = FederationPeer(
        name=name,
        url=url.rstrip("/"),
        encrypted_credential=crypto.encrypt(kek, credential.encode("ascii"), _aad(name)),
        public_key_pem=public_key_pem,
        regions=_regions(regions),
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row


def list_peers(session: Session) -> list[FederationPeer]:
    return list(session.scalars(select(FederationPeer).order_by(FederationPeer.name)))


def find_peer(session: Session, name: str | None, url: str | None) -> FederationPeer:
    """The peer named ``name`` (whose URL must match ``url`` if given), or the one peer
    configured for ``url``."""
    if name is not None:
        row = session.scalars(select(FederationPeer).where(FederationPeer.name == name)).first()
        if row is None:
            raise FederationConfigError(f"no federation peer named {name!r}")
        if url is not None and row.url != url.rstrip("/"):
            raise FederationConfigError(f"peer {name!r} is configured for {row.url}, not {url}")
        return row
    if url is None:
        raise FederationConfigError("give --from URL or --peer NAME")
    rows = list(
        session.scalars(select(FederationPeer).where(FederationPeer.url == url.rstrip("/")))
    )
    if len(rows) != 1:
        hint = "name one with --peer" if rows else "add one with 'civitrace federation peer add'"
        raise FederationConfigError(
            f"{len(rows)} federation peers are configured for {url}: {hint}"
        )
    return rows[0]


def peer_credential(peer: FederationPeer, kek: bytes) -> str:
    return crypto.decrypt(kek, peer.encrypted_credential, _aad(peer.name)).decode("ascii")
