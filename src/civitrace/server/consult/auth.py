"""Who is calling: staff, a session's facilitator or moderator, or a participant.

- **Staff** create consultations and sessions with an ADMIN API key (``X-API-Key``), the
  credential staff systems already use. When the staff console's accounts land, :func:`staff`
  is the one dependency to change: accept a console session whose role may run consultations.
- **Facilitator and moderator**: creating a session returns two secret link tokens
  (``Authorization: Bearer ctf_…`` / ``ctm_…``); the facilitator may do everything the moderator
  may (moderate questions) plus run polls, seating, notes, the end and the summary. With staff
  accounts, these links stay useful for people without an account (a volunteer moderator).
- **Participants**: joining returns a join token (``Authorization: Bearer ctp_…``) that the
  participant's browser keeps; it acts only in its own session.

Only SHA-256 hashes of tokens are stored, and they are compared in constant time.
"""

import enum
import hmac
from typing import Annotated

from fastapi import Depends, Path, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from civitrace.server.apikeys import authenticate
from civitrace.server.consult.errors import ForbiddenError
from civitrace.server.consult.snapshots import load_session
from civitrace.server.consult.tokens import MAX_TOKEN_LENGTH, token_hash
from civitrace.server.db.consult_models import ConsultSession, Participant
from civitrace.server.db.models import ApiKey, ApiKeyType
from civitrace.server.deps import SessionDep
from civitrace.server.errors import UnauthorizedError

SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{22}$"

SessionId = Annotated[
    str, Path(pattern=SESSION_ID_PATTERN, description="The session's id (from its join link)")
]
ConsultationId = Annotated[
    str, Path(pattern=SESSION_ID_PATTERN, description="The consultation's id")
]

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="ADMIN API key (staff)")
_bearer = HTTPBearer(
    auto_error=False,
    description="A participant's join token, or a session's facilitator or moderator link token",
)


class Role(enum.StrEnum):
    FACILITATOR = "facilitator"
    MODERATOR = "moderator"


def staff(db: SessionDep, header: Annotated[str | None, Security(_api_key)]) -> ApiKey:
    return authenticate(db, header, ApiKeyType.ADMIN)


def _token(credentials: HTTPAuthorizationCredentials | None) -> bytes:
    if credentials is None or not credentials.credentials:
        raise UnauthorizedError("Authorization: a Bearer token is required")
    token = credentials.credentials
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        raise UnauthorizedError("Authorization: invalid token")
    return token_hash(token)


Bearer = Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)]


def _role(session: ConsultSession, digest: bytes) -> Role | None:
    if hmac.compare_digest(digest, session.facilitator_token_hash):
        return Role.FACILITATOR
    if hmac.compare_digest(digest, session.moderator_token_hash):
        return Role.MODERATOR
    return None


def _participant(db: SessionDep, session_id: str, digest: bytes) -> Participant | None:
    found = db.scalar(select(Participant).where(Participant.token_hash == digest))
    if found is None or found.session_id != session_id:
        return None
    return found


def facilitator(db: SessionDep, session_id: SessionId, credentials: Bearer) -> ConsultSession:
    """The session, if the caller holds its facilitator link."""
    session = load_session(db, session_id)
    digest = _token(credentials)
    role = _role(session, digest)
    if role is Role.FACILITATOR:
        return session
    if role is not None or _participant(db, session_id, digest) is not None:
        raise ForbiddenError("Authorization: only the facilitator may do this")
    raise UnauthorizedError("Authorization: not a token of this session")


def moderator(db: SessionDep, session_id: SessionId, credentials: Bearer) -> ConsultSession:
    """The session, if the caller holds its moderator or facilitator link."""
    session = load_session(db, session_id)
    digest = _token(credentials)
    if _role(session, digest) is not None:
        return session
    if _participant(db, session_id, digest) is not None:
        raise ForbiddenError("Authorization: only a moderator or the facilitator may do this")
    raise UnauthorizedError("Authorization: not a token of this session")


def participant(db: SessionDep, session_id: SessionId, credentials: Bearer) -> Participant:
    """The participant whose join token the caller holds (present in this session)."""
    digest = _token(credentials)
    found = _participant(db, session_id, digest)
    if found is None:
        session = load_session(db, session_id)  # 404 for an unknown session, then 401/403
        if _role(session, digest) is not None:
            raise ForbiddenError("Authorization: this needs a participant's join token")
        raise UnauthorizedError("Authorization: not a token of this session")
    if found.left_at is not None:
        raise UnauthorizedError("Authorization: you have left this session")
    return found


def caller(
    db: SessionDep, session_id: SessionId, credentials: Bearer
) -> tuple[ConsultSession, Role | Participant]:
    """Anyone with a token of the session: the facilitator, a moderator or a participant."""
    session = load_session(db, session_id)
    digest = _token(credentials)
    role = _role(session, digest)
    if role is not None:
        return session, role
    found = _participant(db, session_id, digest)
    if found is None or found.left_at is not None:
        raise UnauthorizedError("Authorization: not a token of this session")
    return session, found


Staff = Annotated[ApiKey, Depends(staff)]
Facilitator = Annotated[ConsultSession, Depends(facilitator)]
Moderator = Annotated[ConsultSession, Depends(moderator)]
ParticipantDep = Annotated[Participant, Depends(participant)]
Caller = Annotated[tuple[ConsultSession, Role | Participant], Depends(caller)]
