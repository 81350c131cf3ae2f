"""The pulling side: fetch a peer's pages, verify them, insert new keys, advance the cursor.

Each page is one transaction: its keys are inserted (``ON CONFLICT DO NOTHING`` on the
primary key, so a re-pull or a key already known adds nothing) together with the new cursor,
so the cursor never runs ahead of what was stored and a crash just repeats the page. A page whose
signature, echo of the request, or any key does not check out is refused as a whole.

Imported keys get ``local_provenance = False``, ``federation_source = <peer name>``, no health
authority, the regions they were imported for, and ``created_at`` = the local arrival truncated
to the truncate window: they are exported in the next window built here (their original
windows may be built already) and their upload time at the source is not carried over.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import httpx
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from civitrace.en import _primitives
from civitrace.en.constants import INTERVAL_SECONDS
from civitrace.server.db.engine import session_factory
from civitrace.server.db.federation_models import FederationPeer
from civitrace.server.db.models import Exposure
from civitrace.server.federation.errors import PullError
from civitrace.server.federation.peers import find_peer, peer_credential
from civitrace.server.federation.wire import (
    FETCH_PATH,
    PROTOCOL_VERSION,
    SharedKey,
    WireError,
    key_from_json,
    verify_payload,
)
from civitrace.server.jobs.lock import job_lock
from civitrace.server.jobs.settings import FederationSettings
from civitrace.server.publish.rules import truncate

JOB_NAME: Final = "federation-pull"
MAX_KEY_AGE: Final = timedelta(days=15)  # keys that ended longer ago protect nobody
_INSERT_CHUNK: Final = 500  # rows per INSERT: below SQLite's bound-parameter limit


@dataclass(frozen=True, slots=True)
class PullResult:
    peer: str
    pages: int
    received: int
    inserted: int
    too_old: int
    cursor: str | None


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(Exposure)
    if dialect == "sqlite":
        return sqlite.insert(Exposure)
    raise PullError(f"federation pull does not support the {dialect} database")


def _store(
    session: Session,
    peer: FederationPeer,
    keys: Sequence[SharedKey],
    imported_regions: set[str],
    created_at: datetime,
) -> int:
    rows = []
    for key in keys:
        regions = [r for r in key.regions if r in imported_regions]
        if not regions:
            continue
        rows.append(
            {
                "exposure_key": key.exposure_key,
                "transmission_risk": key.transmission_risk,
                "health_authority_id": None,
                "regions": ",".join(regions),
                "traveler": key.traveler,
                "interval_number": key.interval_number,
                "interval_count": key.interval_count,
                "created_at": created_at,
                "local_provenance": False,
                "federation_source": peer.name,
                "report_type": key.report_type,
                "days_since_symptom_onset": key.days_since_symptom_onset,
            }
        )
    inserted = 0
    dialect = session.get_bind().dialect.name
    for start in range(0, len(rows), _INSERT_CHUNK):
        statement = _insert(dialect).values(rows[start : start + _INSERT_CHUNK])
        statement = statement.on_conflict_do_nothing(index_elements=["exposure_key"])
        # RETURNING counts the rows really inserted on both backends (rowcount may not).
        inserted += len(session.execute(statement.returning(Exposure.exposure_key)).all())
    return inserted


def _page(client: httpx.Client, peer: FederationPeer, credential: str, cursor: str | None) -> Any:
    url = peer.url + FETCH_PATH
    try:
        response = client.post(
            url,
            json={"regions": peer.regions.split(","), "cursor": cursor},
            headers={"Authorization": f"Bearer {credential}"},
        )
    except httpx.HTTPError as exc:
        raise PullError(f"{url}: {type(exc).__name__}: {exc}") from None
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if response.status_code != 200:
        message = body.get("error") if isinstance(body, dict) else None
        raise PullError(f"{url} answered {response.status_code}: {message or 'no error message'}")
    if not isinstance(body, dict) or not all(
        isinstance(body.get(f), str) for f in ("payload", "signature")
    ):
        raise PullError(f"{url}: the response is not a signed federation page")
    return body


def _verified(
    body: dict[str, Any],
    public_key: _primitives.PublicKey,
    peer: FederationPeer,
    cursor: str | None,
) -> tuple[list[SharedKey], str | None, bool]:
    try:
        document = verify_payload(public_key, body["payload"], body["signature"])
        if not isinstance(document, dict) or document.get("version") != PROTOCOL_VERSION:
            raise WireError(f"payload: not a version {PROTOCOL_VERSION} page")
        if document.get("cursor") != cursor or document.get("regions") != peer.regions.split(","):
            raise WireError("payload: answers another request (cursor or regions differ)")
        items = document.get("keys")
        next_cursor = document.get("nextCursor")
        more = document.get("more")
        if not isinstance(items, list) or not isinstance(more, bool):
            raise WireError("payload: keys must be a list and more a boolean")
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise WireError("payload: nextCursor must be a string")
        return [key_from_json(item) for item in items], next_cursor, more
    except WireError as exc:
        raise PullError(f"refused a page from {peer.name}: {exc}") from None


def pull(
    engine: Engine,
    kek: bytes,
    *,
    url: str | None = None,
    peer_name: str | None = None,
    settings: FederationSettings | None = None,
    truncate_window: timedelta = timedelta(hours=1),
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> PullResult:
    """Pull every new page from a configured peer (named, or the one configured for ``url``),
    holding the ``federation-pull`` job lock."""
    settings = settings or FederationSettings()
    sessions = session_factory(engine)
    with job_lock(engine, JOB_NAME):
        with sessions() as session:
            peer = find_peer(session, peer_name, url)
            credential = peer_credential(peer, kek)
        try:
            public_key = _primitives.load_public_key_pem(peer.public_key_pem.encode("ascii"))
        except ValueError as exc:
            raise PullError(f"peer {peer.name}: stored public key unusable: {exc}") from None
        own = client is None
        http = client or httpx.Client(timeout=settings.pull_timeout.total_seconds())
        try:
            return _pull_pages(
                sessions(),
                http,
                peer,
                credential=credential,
                public_key=public_key,
                settings=settings,
                truncate_window=truncate_window,
                now=now,
            )
        finally:
            if own:
                http.close()


def _pull_pages(
    session: Session,
    http: httpx.Client,
    peer: FederationPeer,
    *,
    credential: str,
    public_key: _primitives.PublicKey,
    settings: FederationSettings,
    truncate_window: timedelta,
    now: datetime | None,
) -> PullResult:
    cursor = peer.cursor
    pages = received = inserted = too_old = 0
    wanted = set(peer.regions.split(","))
    with session:
        for _ in range(settings.max_pages_per_pull):
            body = _page(http, peer, credential, cursor)
            keys, next_cursor, more = _verified(body, public_key, peer, cursor)
            moment = now or datetime.now(UTC)
            oldest = int((moment - MAX_KEY_AGE).timestamp()) // INTERVAL_SECONDS
            fresh = [k for k in keys if k.interval_number + k.interval_count >= oldest]
            row = session.get(FederationPeer, peer.id)
            if row is None:
                raise PullError(f"peer {peer.name} was removed during the pull")
            inserted += _store(session, row, fresh, wanted, truncate(moment, truncate_window))
            row.cursor = next_cursor
            row.last_pulled_at = moment
            session.commit()  # keys and cursor together: the cursor never outruns the keys
            pages += 1
            received += len(keys)
            too_old += len(keys) - len(fresh)
            cursor = next_cursor
            if not more:
                break
    return PullResult(peer.name, pages, received, inserted, too_old, cursor)
