"""Support for the ``test_presence_*`` modules (holds no tests): the app with the presence routes,
a device that checks in and submits, and the staff calls.

Until ``server/app.py`` registers the presence router, :func:`presence_app` adds it to the real
``create_app`` (same middleware, error handlers and state); once registered, it adds nothing.
"""

import base64
import secrets
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from fastapi import FastAPI
from starlette.exceptions import StarletteDeprecationWarning

from civitrace.presence.checkin import CheckIn, utc_day
from civitrace.presence.payload import TraceLocationType, Venue
from civitrace.presence.report import CheckInProtectedReport, build_submission
from civitrace.presence.risk import level_by_onset
from civitrace.server.app import create_app
from civitrace.server.exports.storage import MemoryStorage
from civitrace.server.presence import binding
from civitrace.server.presence.slip_format import SlipKeys, derive_keys
from civitrace.server.presence.views import router
from civitrace.server.settings import Settings
from tests.server.conftest import Api, Authority

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

REPORTS_PATH = "/v1/presence/reports"
SUBMISSIONS_PATH = "/v1/presence/submissions"
WARNINGS_PATH = "/v1/presence/warnings"
SLIPS_PATH = "/v1/presence/slips"
SLIP_CODE = "7KQM-2XWD-9HNC"  # a fixed code, so its slow key derivation runs once per session


PRESENCE_OPERATIONS = [
    ("POST", "/v1/presence/reports"),
    ("POST", "/v1/presence/slips"),
    ("GET", "/v1/presence/slips/{slip_id}"),
    ("GET", "/v1/presence/submissions"),
    ("POST", "/v1/presence/submissions/{submission_id}/approve"),
    ("POST", "/v1/presence/submissions/{submission_id}/reject"),
    ("POST", "/v1/presence/warnings"),
    ("GET", "/presence/warnings/{region}/{name}"),
]
"""Every presence route (``test_presence_schemathesis.py`` fuzzes them)."""


def presence_app(settings: Settings) -> FastAPI:
    """``create_app(settings)`` with the presence routes, over an in-memory export storage."""
    app = create_app(settings)
    registered = any(
        getattr(route, "original_router", None) is router  # FastAPI's wrapper of an include
        or getattr(route, "path", "") == REPORTS_PATH
        for route in app.routes
    )
    if not registered:
        app.include_router(router)  # until server/app.py includes it
    app.state.export_storage = MemoryStorage()
    return app


def open_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(presence_app(settings)) as client:
        yield client


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def report_json(report: CheckInProtectedReport) -> dict[str, str]:
    return {
        "locationIdHash": b64(report.location_id_hash),
        "iv": b64(report.iv),
        "encryptedCheckInRecord": b64(report.encrypted_check_in_record),
        "mac": b64(report.mac),
    }


def make_venue(description: str = "Café Lindenhof") -> Venue:
    return Venue.create(
        description,
        "Lindenstraße 4, Springfield",
        type=TraceLocationType.PERMANENT_FOOD_SERVICE,
        default_check_in_length_minutes=60,
    )


def stay(venue: Venue, start: datetime, minutes: int) -> CheckIn:
    begin = int(start.timestamp())
    return CheckIn(venue.location_id, begin, begin + minutes * 60)


def two_days_ago_at_noon() -> datetime:
    day = datetime.now(UTC).date() - timedelta(days=2)
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def reports_for(check_ins: Sequence[CheckIn], onset: date | None = None) -> list[Any]:
    """What the device of a person who tested positive submits for ``check_ins``: records at
    the highest risk (onset on the first check-in's day), encrypted, padded with fakes."""
    first = onset or utc_day(check_ins[0].start)
    return build_submission(check_ins, level_by_onset(first, datetime.now(UTC).date()))


@cache
def slip_keys(code: str = SLIP_CODE) -> SlipKeys:
    return derive_keys(code)


@dataclass
class PresenceApi:
    """The presence calls as a device, a kiosk and a staff system make them."""

    client: TestClient
    authority: Authority

    @property
    def verification(self) -> Api:
        return Api(self.client, self.authority)

    def certificate(
        self, reports: Sequence[CheckInProtectedReport], secret: bytes, **issue: Any
    ) -> str:
        """A certificate from the real verification flow whose tekmac binds ``reports``."""
        api = self.verification
        mac = b64(binding.compute(secret, reports))
        response = api.certificate(api.token(**issue), mac)
        assert response.status_code == 200, response.text
        return str(response.json()["certificate"])

    def body(self, reports: Sequence[CheckInProtectedReport], **issue: Any) -> dict[str, Any]:
        """A valid submission body for ``reports`` (with a fresh certificate)."""
        secret = secrets.token_bytes(32)
        return {
            "healthAuthorityID": "Demo Health Authority",
            "verificationPayload": self.certificate(reports, secret, **issue),
            "hmacKey": b64(secret),
            "checkInProtectedReports": [report_json(r) for r in reports],
            "padding": b64(secrets.token_bytes(24)),
        }

    def submit(self, body: dict[str, Any], **headers: str) -> Any:
        return self.client.post(REPORTS_PATH, json=body, headers=headers)

    def submitted(self, reports: Sequence[CheckInProtectedReport]) -> dict[str, Any]:
        response = self.submit(self.body(reports))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def listing(self, status: str | None = "pending", key: Authority | None = None) -> Any:
        params = {"status": status} if status else {}
        return self.client.get(
            SUBMISSIONS_PATH, params=params, headers=(key or self.authority).admin
        )

    def pending_ids(self) -> list[str]:
        response = self.listing()
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()["submissions"]]

    def decide(self, submission_id: str, decision: str, key: Authority | None = None) -> Any:
        return self.client.post(
            f"{SUBMISSIONS_PATH}/{submission_id}/{decision}", headers=(key or self.authority).admin
        )

    def warn(self, **fields: Any) -> Any:
        return self.client.post(WARNINGS_PATH, json=fields, headers=self.authority.admin)

    def upload_slip(self, slip_id: str, ciphertext: bytes) -> Any:
        return self.client.post(SLIPS_PATH, json={"id": slip_id, "ciphertext": b64(ciphertext)})

    def get_slip(self, slip_id: str) -> Any:
        return self.client.get(f"{SLIPS_PATH}/{slip_id}")


def make_presence(client: TestClient, authority: Authority) -> PresenceApi:
    """A :class:`PresenceApi` over ``client`` with a fresh storage and fresh services."""
    client.app.state.export_storage = MemoryStorage()  # type: ignore[attr-defined]
    client.app.state.presence = None  # type: ignore[attr-defined]
    return PresenceApi(client, authority)


def assert_presence_error(
    response: Any, status: int, code: str, mentions: str | None = None
) -> dict[str, Any]:
    """The key server's error body (every presence route is under ``/v1/``)."""
    assert response.status_code == status, response.text
    document = response.json()
    assert document["code"] == code, document
    assert len(document["padding"]) > 1000
    if mentions is not None:
        assert mentions in document["error"], document["error"]
    return dict(document)
