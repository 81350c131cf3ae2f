"""Health authorities (Google's realms): who issues codes and whose certificates a key server
trusts."""

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

from sqlalchemy.orm import Session

from civitrace.server.db.models import HealthAuthority
from civitrace.server.errors import ServerError
from civitrace.server.settings import Settings

_REGION: Final = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")  # ISO 3166-1 alpha-2 or -2 subdivision


class AuthorityError(ServerError, ValueError):
    """A health authority's name, regions, issuer or audience is invalid."""


def create_health_authority(
    session: Session,
    settings: Settings,
    name: str,
    regions: Sequence[str],
    *,
    certificate_issuer: str | None = None,
    certificate_audience: str | None = None,
) -> HealthAuthority:
    """Register an authority; issuer and audience default to the verification settings."""
    if not name.strip():
        raise AuthorityError("name must not be empty")
    codes = [r.strip().upper() for r in regions]
    if not codes or any(not _REGION.match(r) for r in codes):
        raise AuthorityError("regions must be ISO 3166 codes such as 'DE' or 'US-CA'")
    row = HealthAuthority(
        name=name.strip(),
        regions=",".join(codes),
        certificate_issuer=certificate_issuer or settings.verification.certificate_issuer,
        certificate_audience=certificate_audience or settings.verification.certificate_audience,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    return row
