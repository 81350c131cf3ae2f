"""Who is at the page: a participant, the facilitator or a moderator, known by a cookie.

**Why a cookie and not localStorage.** Each role's secret (the participant's join token, the
facilitator's or a moderator's link token) is kept in a cookie that is ``HttpOnly`` (no script
can read it, so a display name or a question that somehow ran as script could not steal it),
``SameSite=Strict`` (no other site can make the browser use it), ``Secure`` on https, and
scoped to one session's pages (``Path=/consult/s/<id>``): it is never sent anywhere else, not
even to the JSON API. A cookie also lets every form post without JavaScript. localStorage
would have needed script for every request and exposed the token to any script on the page.

The participant's cookie lasts a day (a consultation is an event, not an account); the link
tokens of the facilitator and moderators arrive in the link's fragment (``#ctf_…``), which
browsers never send to a server or put in a ``Referer``, and are exchanged once for a cookie
by a form post, so they never appear in a URL the server logs.

Forms carry the double-submit CSRF token the follow-up pages use (cookie path ``/consult``).
"""

import hmac
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from civitrace.server.consult.tokens import (
    FACILITATOR_PREFIX,
    MAX_TOKEN_LENGTH,
    MODERATOR_PREFIX,
    PARTICIPANT_PREFIX,
    token_hash,
)
from civitrace.server.db.consult_models import ConsultSession, Participant
from civitrace.web.console.auth import is_https

PARTICIPANT_COOKIE: Final = "ct_participant"
FACILITATOR_COOKIE: Final = "ct_facilitator"
MODERATOR_COOKIE: Final = "ct_moderator"
PARTICIPANT_MAX_AGE: Final = 24 * 3600  # seconds: the day of the session
CSRF_PATH: Final = "/consult"
_PREFIXES: Final = {
    PARTICIPANT_COOKIE: PARTICIPANT_PREFIX,
    FACILITATOR_COOKIE: FACILITATOR_PREFIX,
    MODERATOR_COOKIE: MODERATOR_PREFIX,
}


def session_path(session_id: str) -> str:
    """The path every page of one session lives under (and its cookies' ``Path``)."""
    return f"/consult/s/{session_id}"


def _token(request: Request, cookie: str) -> str | None:
    value = request.cookies.get(cookie, "")
    if not value or len(value) > MAX_TOKEN_LENGTH or not value.isascii():
        return None
    return value if value.startswith(_PREFIXES[cookie]) else None


def set_token(
    request: Request, response: Response, session_id: str, cookie: str, token: str
) -> None:
    """Keep ``token`` in the browser for this session's pages (see the module docstring)."""
    response.set_cookie(
        cookie,
        token,
        max_age=PARTICIPANT_MAX_AGE if cookie == PARTICIPANT_COOKIE else None,
        path=session_path(session_id),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def forget_token(request: Request, response: Response, session_id: str, cookie: str) -> None:
    response.delete_cookie(
        cookie,
        path=session_path(session_id),
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def participant_of(db: Session, request: Request, session_id: str) -> Participant | None:
    """The participant whose join token the browser holds, if present in this session."""
    token = _token(request, PARTICIPANT_COOKIE)
    if token is None:
        return None
    found = db.scalar(select(Participant).where(Participant.token_hash == token_hash(token)))
    if found is None or found.session_id != session_id or found.left_at is not None:
        return None
    return found


def link_matches(session: ConsultSession, token: str, *, facilitator: bool) -> bool:
    """Whether ``token`` is the session's facilitator link (or, if not ``facilitator``, its
    moderator link); compared as hashes in constant time."""
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return False
    wanted = session.facilitator_token_hash if facilitator else session.moderator_token_hash
    return hmac.compare_digest(token_hash(token), wanted)


def is_facilitator(request: Request, session: ConsultSession) -> bool:
    token = _token(request, FACILITATOR_COOKIE)
    return token is not None and link_matches(session, token, facilitator=True)


def is_moderator(request: Request, session: ConsultSession) -> bool:
    """A moderator's link, or the facilitator's (who may moderate too)."""
    token = _token(request, MODERATOR_COOKIE)
    if token is not None and link_matches(session, token, facilitator=False):
        return True
    return is_facilitator(request, session)
