"""Federation between two instances on two databases (same backend): what is shared, with whom,
signed, without duplicates, and into the puller's exports."""

import base64
import json
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import Engine, make_url, select, update

from civitrace.en.export import verify_export
from civitrace.server.app import create_app
from civitrace.server.db import make_engine, migrate, session_factory
from civitrace.server.db.federation_models import FederationGrant, FederationPeer
from civitrace.server.db.models import Exposure
from civitrace.server.exports.batcher import ExportBatcher
from civitrace.server.exports.config import create_export_config
from civitrace.server.exports.settings import ExportSettings
from civitrace.server.exports.signing import create_signing_key as create_export_key
from civitrace.server.exports.signing import verification_keys
from civitrace.server.exports.storage import MemoryStorage
from civitrace.server.federation import service
from civitrace.server.federation.errors import FederationForbiddenError, PullError
from civitrace.server.federation.peers import create_grant, create_peer, revoke_grant
from civitrace.server.federation.pull import JOB_NAME, PullResult, pull
from civitrace.server.federation.signing import ensure_signing_key
from civitrace.server.federation.wire import FETCH_PATH, decode_cursor
from civitrace.server.jobs import JobAlreadyRunningError, job_lock
from civitrace.server.jobs.settings import FederationSettings
from civitrace.server.keyring import ServerSecrets
from civitrace.server.publish.rules import truncate
from civitrace.server.settings import Settings
from tests.server.conftest import _admin_dsn, _wipe

with warnings.catch_warnings():
    from starlette.exceptions import StarletteDeprecationWarning

    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

HOUR = timedelta(hours=1)
KEY_INTERVAL = int((datetime.now(UTC) - timedelta(days=3)).timestamp()) // 600 // 144 * 144


@pytest.fixture(scope="session")
def puller_database_url(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A second database on the same backend as ``database_url``."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('puller') / 'puller.sqlite3'}"
        migrate(url)
        yield url
        return
    name = f"civitrace_puller_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(database_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(_admin_dsn(database_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Pair:
    source: TestClient
    source_engine: Engine
    source_kek: bytes
    puller_engine: Engine
    puller_kek: bytes
    credential: str
    public_key_pem: str


def _key(n: int) -> bytes:
    return bytes([n]) * 16


def _exposure(n: int, regions: str, created_at: datetime, **extra: object) -> Exposure:
    return Exposure(
        exposure_key=_key(n),
        transmission_risk=3,
        regions=regions,
        interval_number=KEY_INTERVAL,
        interval_count=144,
        created_at=created_at,
        report_type="confirmed",
        days_since_symptom_onset=1,
        **extra,
    )


@pytest.fixture
def pair(database_url: str, puller_database_url: str, tmp_path: Path) -> Iterator[Pair]:
    _wipe(database_url)
    _wipe(puller_database_url)
    source_dir, puller_dir = tmp_path / "source", tmp_path / "puller"
    source_kek = ServerSecrets.load(source_dir).kek
    puller_kek = ServerSecrets.load(puller_dir).kek
    source_engine, puller_engine = make_engine(database_url), make_engine(puller_database_url)
    done = truncate(datetime.now(UTC), HOUR) - 2 * HOUR  # a window no upload can land in now
    with session_factory(source_engine)() as session:
        session.add_all(
            [
                _exposure(1, "DE", done),  # shared
                _exposure(2, "FR", done),  # region not granted
                _exposure(3, "DE", done, local_provenance=False, federation_source="XX-peer"),
                _exposure(4, "DE,FR", done + HOUR, traveler=True),  # shared, regions cut to DE
                _exposure(5, "DE", truncate(datetime.now(UTC), HOUR)),  # window still open
                _exposure(6, "DE", datetime.now(UTC) + 5 * HOUR),  # embargoed
            ]
        )
        grant = create_grant(session, "Puller HA", ["DE", "NL"])
        pem = ensure_signing_key(session, source_kek).public_key_pem
        create_grant(session, "Travel HA", ["DE"], only_travelers=True)
        session.commit()
    with session_factory(puller_engine)() as session:
        create_peer(
            session,
            puller_kek,
            "source-ha",
            url="http://testserver",
            credential=grant.credential,
            public_key_pem=pem,
            regions=["DE"],
        )
        session.commit()
    app = create_app(Settings(data_dir=source_dir, database_url=database_url))
    with TestClient(app) as client:
        yield Pair(
            client, source_engine, source_kek, puller_engine, puller_kek, grant.credential, pem
        )
    source_engine.dispose()
    puller_engine.dispose()


def _pull(pair: Pair, client: httpx.Client | None = None) -> PullResult:
    return pull(
        pair.puller_engine, pair.puller_kek, peer_name="source-ha", client=client or pair.source
    )


def _imported(pair: Pair) -> dict[bytes, Exposure]:
    with session_factory(pair.puller_engine)() as session:
        return {row.exposure_key: row for row in session.scalars(select(Exposure))}


def test_only_allowed_regions_and_local_closed_keys_are_shared(pair: Pair) -> None:
    result = _pull(pair)
    assert (result.received, result.inserted) == (2, 2)
    rows = _imported(pair)
    assert set(rows) == {_key(1), _key(4)}
    for row in rows.values():
        assert row.local_provenance is False
        assert row.federation_source == "source-ha"
        assert row.health_authority_id is None
        assert row.regions == "DE"
        assert (row.report_type, row.days_since_symptom_onset, row.transmission_risk) == (
            "confirmed",
            1,
            3,
        )
    assert rows[_key(4)].traveler is True


def test_re_pull_adds_nothing(pair: Pair) -> None:
    _pull(pair)
    again = _pull(pair)
    assert (again.received, again.inserted) == (0, 0)
    with session_factory(pair.puller_engine)() as session:  # rewind: the keys come again
        session.execute(update(FederationPeer).values(cursor=None))
        session.commit()
    rewound = _pull(pair)
    assert (rewound.received, rewound.inserted) == (2, 0)
    assert len(_imported(pair)) == 2


def test_pages_follow_the_cursor(pair: Pair) -> None:
    state = pair.source.app.state  # type: ignore[attr-defined]
    state.settings = state.settings.model_copy(
        update={"federation": FederationSettings(page_size=1)}
    )
    result = _pull(pair)
    assert (result.pages, result.inserted) == (2, 2)
    with session_factory(pair.puller_engine)() as session:
        peer = session.scalars(select(FederationPeer)).one()
        assert peer.cursor is not None
        assert decode_cursor(peer.cursor).exposure_key == _key(4)
        assert peer.last_pulled_at is not None


def test_only_travelers_grant_and_service_pagination(pair: Pair) -> None:
    with session_factory(pair.source_engine)() as session:
        grants = {g.name: g for g in session.scalars(select(FederationGrant))}
        now = datetime.now(UTC)
        seen, cursor = [], None
        while True:
            page = service.fetch(
                session,
                pair.source_kek,
                grants["Travel HA"],
                ["DE"],
                cursor,
                now=now,
                truncate_window=HOUR,
                page_size=1,
            )
            document = json.loads(base64.b64decode(page["payload"]))
            seen += [k["key"] for k in document["keys"]]
            cursor = document["nextCursor"]
            if not document["more"]:
                break
        assert seen == [base64.b64encode(_key(4)).decode()]
        with pytest.raises(FederationForbiddenError):
            service.fetch(
                session,
                pair.source_kek,
                grants["Travel HA"],
                ["FR"],
                None,
                now=now,
                truncate_window=HOUR,
                page_size=10,
            )


def test_wrong_credential_is_401_and_ungranted_region_403(pair: Pair) -> None:
    for headers in ({}, {"Authorization": "Bearer civfed_0000.nope"}, {"Authorization": "x"}):
        response = pair.source.post(FETCH_PATH, json={"regions": ["DE"]}, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["errorCode"] == "unauthorized"
    good = {"Authorization": f"Bearer {pair.credential}"}
    response = pair.source.post(FETCH_PATH, json={"regions": ["FR"]}, headers=good)
    assert response.status_code == 403
    assert "FR" in response.json()["error"]
    response = pair.source.post(FETCH_PATH, json={"regions": ["DE"], "cursor": "!!"}, headers=good)
    assert response.status_code == 400
    assert "cursor" in response.json()["error"]
    response = pair.source.post(FETCH_PATH, json={"regions": ["de"]}, headers=good)
    assert response.status_code == 400
    assert "regions" in response.json()["error"]


def test_wrong_credential_pull_fails_and_stores_nothing(pair: Pair) -> None:
    with session_factory(pair.source_engine)() as session:
        revoke_grant(session, "Puller HA")
        session.commit()
    with pytest.raises(PullError, match="401"):
        _pull(pair)
    assert _imported(pair) == {}


def _tampering(pair: Pair, change: str) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        answer = pair.source.post(
            request.url.path,
            content=request.content,
            headers={
                "Authorization": request.headers["Authorization"],
                "Content-Type": "application/json",
            },
        )
        body = answer.json()
        document = json.loads(base64.b64decode(body["payload"]))
        if change == "key":
            document["keys"][0]["transmissionRisk"] = 8
            body["payload"] = base64.b64encode(json.dumps(document).encode()).decode()
        elif change == "signature":
            sig = bytearray(base64.b64decode(body["signature"]))
            sig[-1] ^= 1
            body["signature"] = base64.b64encode(bytes(sig)).decode()
        return httpx.Response(200, json=body)

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="http://testserver")


@pytest.mark.parametrize("change", ["key", "signature"])
def test_tampered_response_is_refused(pair: Pair, change: str) -> None:
    with _tampering(pair, change) as client, pytest.raises(PullError, match="signature"):
        _pull(pair, client)
    assert _imported(pair) == {}
    with session_factory(pair.puller_engine)() as session:
        assert session.scalars(select(FederationPeer.cursor)).one() is None


def test_pull_holds_the_job_lock(pair: Pair) -> None:
    with job_lock(pair.puller_engine, JOB_NAME), pytest.raises(JobAlreadyRunningError):
        _pull(pair)


def test_imported_keys_are_in_the_pullers_exports(pair: Pair) -> None:
    _pull(pair)
    settings = ExportSettings(
        debug_allow_unsafe_batches=True, min_records=0, min_window_age=timedelta(0)
    )
    now = datetime.now(UTC)
    with session_factory(pair.puller_engine)() as session:
        create_export_key(session, pair.puller_kek, "999", "v1")
        create_export_config(session, settings, "DE", start_at=now - 3 * HOUR)
        session.commit()
        trusted = verification_keys(session)
    storage = MemoryStorage()
    built = ExportBatcher(pair.puller_engine, storage, settings, pair.puller_kek).run(
        now + 2 * HOUR
    )
    exported = {
        key.key_data
        for batch in built
        for name in batch.files
        for key in verify_export(storage.get(name), trusted).batch.keys
    }
    assert {_key(1), _key(4)} <= exported
