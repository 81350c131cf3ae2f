"""The demo deployment ``civitrace serve --demo`` seeds, and the ``demo.json`` it writes.

Seeding is idempotent: the demo health authority (region ``ZZ``), the token and certificate
signing keys, the export signing key and the export configuration of ``ZZ`` are created only
when missing. API keys are only known when they are created (the database holds their hashes),
so on a re-run the API keys in an existing ``demo.json`` are **reused** when they still
authenticate against this database; otherwise (first run, file deleted, database replaced, key
revoked) the demo's keys are **rotated**: the old demo keys are revoked and new ones are created
and written. ``base_url`` is rewritten on every run (the port may change).

``demo.json`` holds live credentials: it is written atomically with mode 0600.
"""

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from civitrace.server.apikeys import authenticate, create_api_key
from civitrace.server.authorities import create_health_authority
from civitrace.server.console.demo import seed_console
from civitrace.server.console.passwords import Passwords
from civitrace.server.console.settings import console_settings
from civitrace.server.db import session_factory
from civitrace.server.db.models import ApiKey, ApiKeyType, HealthAuthority, SigningKeyPurpose
from civitrace.server.errors import ServerError, UnauthorizedError
from civitrace.server.exports.config import ensure_export_configs
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.signing import create_signing_key, list_signing_keys
from civitrace.server.keyring import ServerSecrets, SigningKeyRing
from civitrace.server.settings import Settings

DEMO_FILE: Final = "demo.json"  # under the data directory
DEMO_AUTHORITY: Final = "civitrace demo health authority"  # also the publish healthAuthorityID
DEMO_REGION: Final = "ZZ"  # ISO 3166 user-assigned code: never a real country
DEMO_ADMIN_KEY_NAME: Final = "demo staff system"
DEMO_DEVICE_KEY_NAME: Final = "demo app"
DEMO_EXPORT_KEY_ID: Final = "demo"  # verification_key_id devices are configured with
DEMO_EXPORT_KEY_VERSION: Final = "v1"


class DemoError(ServerError):
    """The demo cannot be seeded (e.g. an unreadable ``demo.json``)."""


@dataclass(frozen=True, slots=True)
class DemoInfo:
    """What ``demo.json`` says; the first six fields are the documented contract.

    The console adds ``staff`` (``{role: {"username", "password"}}``, one account per role),
    ``cases`` (references of the demo cases) and ``followup`` (``{"reference", "code"}`` of a
    demo quarantine follow-up, opened at ``/followup/<code>``).
    """

    base_url: str
    health_authority_id: str
    region: str
    admin_api_key: str
    device_api_key: str
    export_public_key_pem: str
    export_key_id: str
    export_key_version: str
    staff: dict[str, dict[str, str]] = field(default_factory=dict)
    cases: list[str] = field(default_factory=list)
    followup: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SeedResult:
    info: DemoInfo
    path: Path
    rotated_api_keys: bool


def demo_path(data_dir: Path) -> Path:
    return data_dir / DEMO_FILE


def read_demo(path: Path) -> dict[str, Any] | None:
    """The stored ``demo.json``, or ``None`` when there is none."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise DemoError(f"{path}: cannot read the demo file ({exc}); delete it to rotate") from None
    return document if isinstance(document, dict) else None


def write_private_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` atomically, readable by the owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _authority(session: Session, settings: Settings) -> HealthAuthority:
    authority = session.scalars(
        select(HealthAuthority).where(HealthAuthority.name == DEMO_AUTHORITY)
    ).one_or_none()
    if authority is None:
        return create_health_authority(session, settings, DEMO_AUTHORITY, [DEMO_REGION])
    if DEMO_REGION not in authority.region_list:
        authority.regions = ",".join([*authority.region_list, DEMO_REGION])
    return authority


def _still_valid(
    session: Session, authority: HealthAuthority, key: str, key_type: ApiKeyType
) -> bool:
    try:
        row = authenticate(session, key, key_type)
    except UnauthorizedError:
        return False
    return row.health_authority_id == authority.id


def _rotate_api_keys(session: Session, authority: HealthAuthority) -> tuple[str, str]:
    """Revoke the demo's old keys and create an ADMIN and a DEVICE key."""
    old = session.scalars(
        select(ApiKey).where(
            ApiKey.health_authority_id == authority.id,
            ApiKey.name.in_([DEMO_ADMIN_KEY_NAME, DEMO_DEVICE_KEY_NAME]),
            ApiKey.revoked_at.is_(None),
        )
    )
    now = datetime.now(UTC)
    for row in old:
        row.revoked_at = now
    admin = create_api_key(session, authority, ApiKeyType.ADMIN, DEMO_ADMIN_KEY_NAME)
    device = create_api_key(session, authority, ApiKeyType.DEVICE, DEMO_DEVICE_KEY_NAME)
    return admin.plaintext, device.plaintext


def _export_public_key(session: Session, kek: bytes) -> str:
    for row in list_signing_keys(session):
        if (row.key_id, row.key_version) == (DEMO_EXPORT_KEY_ID, DEMO_EXPORT_KEY_VERSION):
            return row.public_key_pem
    row = create_signing_key(session, kek, DEMO_EXPORT_KEY_ID, DEMO_EXPORT_KEY_VERSION)
    return row.public_key_pem


def seed_demo(
    engine: Engine, settings: Settings, exports: ExportSettings, base_url: str
) -> SeedResult:
    """Create what is missing of the demo deployment and (re)write ``demo.json``."""
    path = demo_path(settings.data_dir)
    stored = read_demo(path) or {}
    kek = ServerSecrets.load(settings.data_dir).kek
    with session_factory(engine)() as session:
        authority = _authority(session, settings)
        keyring = SigningKeyRing(kek)
        for purpose in SigningKeyPurpose:
            keyring.active(session, purpose)
        public_pem = _export_public_key(session, kek)
        ensure_export_configs(session, exports, [DEMO_REGION])
        stored_admin, stored_device = stored.get("admin_api_key"), stored.get("device_api_key")
        reuse = (
            isinstance(stored_admin, str)
            and isinstance(stored_device, str)
            and _still_valid(session, authority, stored_admin, ApiKeyType.ADMIN)
            and _still_valid(session, authority, stored_device, ApiKeyType.DEVICE)
        )
        if reuse:
            admin_key, device_key = str(stored_admin), str(stored_device)
        else:
            admin_key, device_key = _rotate_api_keys(session, authority)
        console = seed_console(
            session,
            Passwords(console_settings(settings)),
            authority,
            stored,
            datetime.now(UTC),
        )
        info = DemoInfo(
            base_url=base_url,
            health_authority_id=authority.name,
            region=DEMO_REGION,
            admin_api_key=admin_key,
            device_api_key=device_key,
            export_public_key_pem=public_pem,
            export_key_id=DEMO_EXPORT_KEY_ID,
            export_key_version=DEMO_EXPORT_KEY_VERSION,
            staff=console["staff"],
            cases=console["cases"],
            followup=console["followup"],
        )
        session.commit()
    write_private_json(path, info.to_json())
    return SeedResult(info, path, rotated_api_keys=not reuse)
