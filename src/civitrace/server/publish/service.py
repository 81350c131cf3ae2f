"""``POST /v1/publish`` over a database session; the view only checks the media type and pads.

The order of checks is Google's: request shape, health authority, certificate (with the keys'
HMAC), per-key rules (a bad key drops only itself), whole-request rules (overlaps), then
revisions of keys already stored, then inserts. Nothing about the sender is stored: no address,
no header, no certificate, no ``hmacKey``, and arrival times only truncated.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.en.keys import TemporaryExposureKey
from civitrace.en.publish_json import KeyFieldError, parse_exposure_key
from civitrace.server.db.models import Exposure, HealthAuthority
from civitrace.server.errors import (
    InvalidReportTypeTransitionError,
    InvalidRevisionTokenError,
    KeyAlreadyRevisedError,
    MissingRevisionTokenError,
    PublishError,
    UnknownHealthAuthorityError,
)
from civitrace.server.keyring import SigningKeyRing
from civitrace.server.publish import rules
from civitrace.server.publish.certificate import Claims, verify_certificate
from civitrace.server.publish.revision import RevisableKey, RevisionTokens
from civitrace.server.publish.schemas import PublishRequest
from civitrace.server.settings import PublishSettings

PARTIAL_FAILURE: Final = "partial_failure"
INSERT_ATTEMPTS: Final = 2  # a concurrent upload of the same key turns the retry into a revision


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Accepted:
    path: str
    key: TemporaryExposureKey
    risk: int
    days_since_onset: int


@dataclass
class Publisher:
    """Validates uploads and stores their keys; revises keys once with a revision token."""

    settings: PublishSettings
    keyring: SigningKeyRing
    tokens: RevisionTokens
    clock: Callable[[], datetime] = field(default=_utcnow)

    def publish(self, session: Session, request: PublishRequest) -> dict[str, Any]:
        for attempt in range(INSERT_ATTEMPTS):
            try:
                return self._publish(session, request)
            except IntegrityError:
                session.rollback()
                if attempt + 1 == INSERT_ATTEMPTS:
                    raise PublishError(
                        "temporaryExposureKeys: keys were published concurrently; retry"
                    ) from None
        raise AssertionError("unreachable")

    def _publish(self, session: Session, request: PublishRequest) -> dict[str, Any]:
        now = self.clock()
        cfg = self.settings
        documents = request.temporary_exposure_keys or []
        if not documents:
            raise PublishError("temporaryExposureKeys: no exposure keys in publish request")
        if len(documents) > cfg.max_keys_on_publish:
            raise PublishError(
                f"temporaryExposureKeys: too many exposure keys in publish: {len(documents)}, "
                f"max of {cfg.max_keys_on_publish} is allowed"
            )
        authority = self._authority(session, request.health_authority_id)
        errors: list[str] = []
        parsed: list[tuple[str, TemporaryExposureKey]] = []
        for i, document in enumerate(documents):
            path = f"temporaryExposureKeys[{i}]"
            try:
                key = parse_exposure_key(
                    document.model_dump(by_alias=True, exclude_none=True), path
                )
            except KeyFieldError as exc:
                errors.append(str(exc))
                continue
            parsed.append((path, key))
        claims = verify_certificate(
            session,
            self.keyring,
            authority,
            payload=request.verification_payload,
            hmac_key=request.hmac_key,
            keys=[key for _, key in parsed],
            now=now,
            leeway=cfg.certificate_clock_skew,
        )
        accepted, warnings = self._transform(parsed, request, claims, now, errors)
        if not accepted:
            raise PublishError("; ".join([*errors, *warnings]) or "temporaryExposureKeys: no keys")
        rules.check_overlaps([a.key for a in accepted], cfg.max_same_start_interval_keys)
        previous = self._revise(session, accepted, request.revision_token, claims, now)
        rows = [
            self._exposure(item, authority, request, claims, now)
            for item in accepted
            if item.key.key_data not in previous.existing
        ]
        if rows:  # RETURNING makes SQLAlchemy send one multi-row INSERT ("insertmanyvalues"):
            # one round trip and no unit of work, instead of a flush of one object per key
            session.connection().execute(insert(Exposure).returning(Exposure.exposure_key), rows)
        inserted = previous.inserted + len(rows)
        session.commit()
        oldest = rules.interval_of(now - cfg.max_interval_age)
        token_keys = [
            k for k in previous.token_keys if k.interval_number + k.interval_count >= oldest
        ]
        token_keys += [
            RevisableKey(a.key.key_data, a.key.rolling_start_number, a.key.rolling_period)
            for a in accepted
        ]
        return {
            "revisionToken": self.tokens.seal(token_keys),
            "insertedExposures": inserted or None,
            "error": "; ".join(errors) if errors else None,
            "code": PARTIAL_FAILURE if errors else None,
            "warnings": warnings or None,
        }

    @staticmethod
    def _authority(session: Session, name: str | None) -> HealthAuthority:
        if not name:
            raise UnknownHealthAuthorityError("healthAuthorityID: is required")
        authority = session.scalars(
            select(HealthAuthority).where(HealthAuthority.name == name)
        ).one_or_none()
        if authority is None:
            raise UnknownHealthAuthorityError("healthAuthorityID: unknown health authority")
        return authority

    def _transform(
        self,
        parsed: list[tuple[str, TemporaryExposureKey]],
        request: PublishRequest,
        claims: Claims,
        now: datetime,
        errors: list[str],
    ) -> tuple[list[_Accepted], list[str]]:
        cfg = self.settings
        onset = rules.onset_interval(
            [request.symptom_onset_interval, claims.symptom_onset_interval],
            now,
            report_days=cfg.max_valid_symptom_onset_report_days,
            default_days_ago=cfg.default_symptom_onset_days_ago,
        )
        accepted: list[_Accepted] = []
        warnings: list[str] = []
        seen: set[bytes] = set()
        for path, key in parsed:
            problem = rules.key_problem(key, now, cfg.max_interval_age)
            if problem is None and key.key_data in seen:
                problem = "key: appears more than once in the request"
            if problem is not None:
                errors.append(f"{path}: {problem}")
                continue
            seen.add(key.key_data)
            days = rules.days_since_onset(key, onset)
            if abs(days) > cfg.max_symptom_onset_days:
                warnings.append(
                    f"{path}: dropped, {days} days since symptom onset is beyond "
                    f"±{cfg.max_symptom_onset_days}"
                )
                continue
            risk = rules.backfill_risk(key.transmission_risk_level, claims.report_type)
            accepted.append(_Accepted(path, key, risk, days))
        return accepted, warnings

    def _exposure(
        self,
        item: _Accepted,
        authority: HealthAuthority,
        request: PublishRequest,
        claims: Claims,
        now: datetime,
    ) -> dict[str, Any]:
        """The ``exposures`` row of an accepted key (every column but the revision's)."""
        cfg = self.settings
        return {
            "exposure_key": item.key.key_data,
            "transmission_risk": item.risk,
            "health_authority_id": authority.id,
            "regions": authority.regions,
            "traveler": bool(request.traveler),
            "interval_number": item.key.rolling_start_number,
            "interval_count": item.key.rolling_period,
            "created_at": rules.created_at(
                item.key, now, cfg.truncate_window, embargo=not cfg.debug_release_same_day_keys
            ),
            "local_provenance": True,
            "federation_source": None,
            "report_type": claims.report_type,
            "days_since_symptom_onset": item.days_since_onset,
        }

    def _revise(
        self,
        session: Session,
        accepted: list[_Accepted],
        token: str | None,
        claims: Claims,
        now: datetime,
    ) -> "_Revision":
        stored = {
            row.exposure_key: row
            for row in session.connection().execute(
                select(
                    Exposure.exposure_key,
                    Exposure.interval_number,
                    Exposure.interval_count,
                    Exposure.local_provenance,
                    Exposure.revised_at,
                    Exposure.report_type,
                ).where(Exposure.exposure_key.in_([a.key.key_data for a in accepted]))
            )
        }  # plain rows, not ORM objects: the common case (no key stored yet) stays cheap
        if not stored:
            return _Revision(existing=frozenset(), token_keys=[], inserted=0)
        if not token:
            raise MissingRevisionTokenError(
                "revisionToken: required to send keys that were already published"
            )
        token_keys = self.tokens.open(token)
        covered = {(k.key, k.interval_number, k.interval_count) for k in token_keys}
        revised_at = rules.truncate(now, self.settings.truncate_window)
        inserted = 0
        for item in accepted:
            row = stored.get(item.key.key_data)
            if row is None:
                continue
            identity = (row.exposure_key, row.interval_number, row.interval_count)
            incoming = (item.key.key_data, item.key.rolling_start_number, item.key.rolling_period)
            if identity not in covered or identity != incoming:
                raise InvalidRevisionTokenError(
                    f"revisionToken: does not cover {item.path} as it was published"
                )
            if not row.local_provenance:
                raise InvalidRevisionTokenError(f"{item.path}: was not published on this server")
            if row.revised_at is not None:
                raise KeyAlreadyRevisedError(f"{item.path}: key was already revised")
            if row.report_type == claims.report_type:
                continue  # a re-upload with the same report type changes nothing
            if not rules.valid_transition(row.report_type, claims.report_type):
                raise InvalidReportTypeTransitionError(
                    f"{item.path}: report type cannot change from "
                    f"{row.report_type or rules.LIKELY} to {claims.report_type}"
                )
            result = session.execute(
                update(Exposure)
                .where(Exposure.exposure_key == row.exposure_key, Exposure.revised_at.is_(None))
                .values(
                    revised_report_type=claims.report_type,
                    revised_at=revised_at,
                    revised_days_since_symptom_onset=item.days_since_onset,
                    revised_transmission_risk=item.risk,
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                session.rollback()
                raise KeyAlreadyRevisedError(f"{item.path}: key was already revised")
            inserted += 1
        return _Revision(existing=frozenset(stored), token_keys=token_keys, inserted=inserted)


@dataclass(frozen=True, slots=True)
class _Revision:
    existing: frozenset[bytes]
    token_keys: list[RevisableKey]
    inserted: int
