"""``/console/governance/audit``: the audit log, whether its chain holds, and a check against
a head published earlier.

The chain is verified on every view (:func:`civitrace.governance.audit.verify`, as
``civitrace audit verify`` does); an auditor may also paste a head published earlier
(``SEQUENCE:DIGEST``, from the transparency page or a copy of it) to detect a log rewritten
since. Entries are listed newest first, a page at a time, the first entry at fault marked.
"""

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from civitrace.governance import audit
from civitrace.governance.errors import AuditError
from civitrace.server.db.governance_models import AuditEntry
from civitrace.server.deps import SessionDep
from civitrace.web.console.routing import PageRoute
from civitrace.web.governance import words
from civitrace.web.governance.console_common import PREFIX, Overseer, governance_page
from civitrace.web.templating import request_language

router = APIRouter(prefix=PREFIX, include_in_schema=False, route_class=PageRoute)
PAGE: Final = "governance/console_audit.html"
PER_PAGE: Final = 50
MAX_HEAD_INPUT: Final = 200


def _before(raw: str | None) -> int | None:
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, session: SessionDep, me: Overseer) -> Response:
    """The chain's check (optionally against a published head) and a page of entries."""
    language = request_language(request)
    wanted = (request.query_params.get("head") or "").strip()[:MAX_HEAD_INPUT]
    error = None
    expected = None
    if wanted:
        try:
            audit.parse_head(wanted)
            expected = wanted
        except AuditError as exc:
            error = str(exc).replace("--head", "head", 1)
    check = audit.verify(session, expected)
    before = _before(request.query_params.get("before"))
    query = select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(PER_PAGE)
    if before is not None:
        query = query.where(AuditEntry.sequence < before)
    rows = session.scalars(query).all()
    entries = [
        {
            "sequence": row.sequence,
            "when": words.moment(row.recorded_at, language),
            "actor": row.actor,
            "action": row.action,
            "object": row.object,
            "details": row.details if row.details != "{}" else "",
            "digest": row.digest,
            "bad": row.sequence == check.first_bad,
        }
        for row in rows
    ]
    older = rows[-1].sequence if rows and rows[-1].sequence > 1 and len(rows) == PER_PAGE else None
    context = {
        "check": check,
        "checked_head": expected,
        "head_input": wanted,
        "error": error,
        "entries": entries,
        "older": older,
        "newest_page": before is None,
    }
    return governance_page(request, PAGE, me, context)
