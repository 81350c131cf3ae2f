"""The serving side: which keys a grant may receive, page by page, signed.

The sharing rule (documented in ``docs/server.md``):

- only keys published *here* (``local_provenance``): federated keys are never re-shared, so keys
  cannot loop between instances and a peer only ever speaks for its own uploads;
- only keys whose regions meet both the grant's allow-list and the request; a key's regions are
  cut down to that intersection, so a peer never learns where else a key is exported;
- for a grant marked ``only_travelers``, only keys whose uploader declared travel (``traveler``);
- only keys whose ``created_at`` is before the current truncation window: no later upload or
  embargo release can land before that point, so a cursor past it never skips a key, and keys
  still under the same-day embargo are never shared;
- revised keys are shared with their revised metadata; a revision made after a peer pulled the
  key does not reach that peer (not simplified away silently: see the docs).
"""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from civitrace.server.db.federation_models import FederationGrant
from civitrace.server.db.models import Exposure
from civitrace.server.errors import UnparsableRequestError
from civitrace.server.federation.errors import FederationForbiddenError
from civitrace.server.federation.signing import signer
from civitrace.server.federation.wire import (
    PROTOCOL_VERSION,
    Cursor,
    SharedKey,
    WireError,
    check_regions,
    decode_cursor,
    encode_cursor,
    key_to_json,
    sign_payload,
)
from civitrace.server.publish.rules import truncate


def _in_region(region: str) -> ColumnElement[bool]:
    return (literal(",") + Exposure.regions + literal(",")).like(f"%,{region},%")


def shareable_keys(
    session: Session,
    grant: FederationGrant,
    regions: list[str],
    *,
    cursor: Cursor | None,
    cutoff: datetime,
    limit: int,
) -> list[tuple[datetime, SharedKey]]:
    """Up to ``limit`` keys after ``cursor`` that ``grant`` may receive for ``regions``, each
    with its ``created_at`` (the cursor's first half)."""
    wanted = set(regions)
    conditions: list[ColumnElement[bool]] = [
        Exposure.local_provenance.is_(True),
        Exposure.created_at < cutoff,
        or_(*(_in_region(r) for r in sorted(wanted))),
    ]
    if grant.only_travelers:
        conditions.append(Exposure.traveler.is_(True))
    if cursor is not None:
        conditions.append(
            tuple_(Exposure.created_at, Exposure.exposure_key)
            > tuple_(literal(cursor.created_at, Exposure.created_at.type), cursor.exposure_key)
        )
    rows = session.scalars(
        select(Exposure)
        .where(and_(*conditions))
        .order_by(Exposure.created_at, Exposure.exposure_key)
        .limit(limit)
    )
    keys = []
    for row in rows:
        revised = row.revised_report_type is not None
        keys.append(
            (
                row.created_at,
                SharedKey(
                    exposure_key=row.exposure_key,
                    interval_number=row.interval_number,
                    interval_count=row.interval_count,
                    transmission_risk=(
                        row.revised_transmission_risk
                        if revised and row.revised_transmission_risk is not None
                        else row.transmission_risk
                    ),
                    report_type=(row.revised_report_type or "") if revised else row.report_type,
                    days_since_symptom_onset=(
                        row.revised_days_since_symptom_onset
                        if revised and row.revised_days_since_symptom_onset is not None
                        else row.days_since_symptom_onset
                    ),
                    traveler=row.traveler,
                    regions=tuple(r for r in row.regions.split(",") if r in wanted),
                ),
            )
        )
    return keys


def fetch(
    session: Session,
    kek: bytes,
    grant: FederationGrant,
    regions: list[str],
    cursor: str | None,
    *,
    now: datetime,
    truncate_window: timedelta,
    page_size: int,
) -> dict[str, Any]:
    """The signed response document for one page."""
    try:
        wanted = check_regions(regions)
        position = decode_cursor(cursor) if cursor is not None else None
    except WireError as exc:
        raise UnparsableRequestError(str(exc)) from None
    allowed = set(grant.regions.split(","))
    refused = [r for r in wanted if r not in allowed]
    if refused:
        raise FederationForbiddenError(
            f"regions: this federation credential may not receive {', '.join(refused)}"
        )
    cutoff = truncate(now, truncate_window)
    keys = shareable_keys(
        session, grant, wanted, cursor=position, cutoff=cutoff, limit=page_size + 1
    )
    more = len(keys) > page_size
    keys = keys[:page_size]
    next_cursor = cursor
    if keys:
        created, last = keys[-1]
        next_cursor = encode_cursor(Cursor(created, last.exposure_key))
    document = {
        "version": PROTOCOL_VERSION,
        "regions": wanted,
        "cursor": cursor,
        "keys": [key_to_json(k) for _, k in keys],
        "nextCursor": next_cursor,
        "more": more,
    }
    key = signer(session, kek)
    session.commit()  # the signing key, if it was created just now
    payload, signature = sign_payload(key.private_key, document)
    return {"payload": payload, "signature": signature, "keyId": key.kid}
