"""``POST /v1/publish`` over a database connection; the view only checks the media type and pads.

The order of checks is Google's: request shape, health authority, certificate (with the keys'
HMAC), per-key rules (a bad key drops only itself), whole-request rules (overlaps), then the
keys: new ones are inserted and those stored before go through the revision rules, in one
transaction that any refusal rolls back whole. Nothing about the sender is stored: no address,
no header, no certificate, no ``hmacKey``, and arrival times only truncated.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Connection, bindparam, select, update

from civitrace.en.keys import TemporaryExposureKey
from civitrace.en.publish_json import KeyFieldError, parse_exposure_key
from civitrace.server.db.models import Exposure, HealthAuthority
from civitrace.server.errors import (
    CertificateInvalidError,
    InvalidReportTypeTransitionError,
    InvalidRevisionTokenError,
    KeyAlreadyRevisedError,
    MissingRevisionTokenError,
    PublishError,
    UnknownHealthAuthorityError,
)
from civitrace.server.keyring import SigningKeyRing
from civitrace.server.publish import rules
from civitrace.server.publish.certificate import (
    TRUSTED_PEM,
    Claims,
    parse_certificate,
    storable_text,
    trusted_kid,
    verify_certificate,
)
from civitrace.server.publish.revision import RevisableKey, RevisionTokens
from civitrace.server.publish.schemas import PublishRequest
from civitrace.server.publish.store import NewKey, Upload, insert_new_keys
from civitrace.server.settings import PublishSettings

PARTIAL_FAILURE: Final = "partial_failure"


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

    def publish(self, connection: Connection, request: PublishRequest) -> dict[str, Any]:
        """The response document; on any refusal nothing of the request stays stored."""
        try:
            return self._publish(connection, request)
        except Exception:
            connection.rollback()  # new keys are inserted before revisions are checked
            raise

    def _publish(self, connection: Connection, request: PublishRequest) -> dict[str, Any]:
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
        try:
            certificate, problem = parse_certificate(request.verification_payload), None
        except CertificateInvalidError as exc:
            certificate, problem = None, exc
        kid = trusted_kid(certificate) if certificate is not None else None
        authority = self._authority(connection, request.health_authority_id, kid)
        if problem is not None:  # Google checks the authority first
            raise problem
        assert certificate is not None
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
            certificate,
            authority.certificate_pem,
            authority,
            hmac_key=request.hmac_key,
            keys=[key for _, key in parsed],
            now=now,
            leeway=cfg.certificate_clock_skew,
        )
        accepted, warnings = self._transform(parsed, request, claims, now, errors)
        if not accepted:
            raise PublishError("; ".join([*errors, *warnings]) or "temporaryExposureKeys: no keys")
        rules.check_overlaps([a.key for a in accepted], cfg.max_same_start_interval_keys)
        upload = Upload(authority.id, authority.regions, bool(request.traveler), claims.report_type)
        new = insert_new_keys(connection, upload, [self._row(a, now) for a in accepted])
        stored_before = [a for a in accepted if a.key.key_data not in new]
        previous = self._revise(connection, stored_before, request.revision_token, claims, now)
        connection.commit()
        oldest = rules.interval_of(now - cfg.max_interval_age)
        token_keys = [
            k for k in previous.token_keys if k.interval_number + k.interval_count >= oldest
        ]
        token_keys += [
            RevisableKey(a.key.key_data, a.key.rolling_start_number, a.key.rolling_period)
            for a in accepted
        ]
        inserted = len(new) + previous.inserted
        return {
            "revisionToken": self.tokens.seal(token_keys),
            "insertedExposures": inserted or None,
            "error": "; ".join(errors) if errors else None,
            "code": PARTIAL_FAILURE if errors else None,
            "warnings": warnings or None,
        }

    @staticmethod
    def _authority(connection: Connection, name: str | None, kid: str | None) -> "_Authority":
        """The authority's columns and the trusted PEM of certificate key ``kid``, in one
        query (plain row, no ORM object: this runs on every upload)."""
        if not name:
            raise UnknownHealthAuthorityError("healthAuthorityID: is required")
        if not storable_text(name):
            raise UnknownHealthAuthorityError("healthAuthorityID: unknown health authority")
        row = connection.execute(_AUTHORITY, {"name": name, "kid": kid}).one_or_none()
        if row is None:
            raise UnknownHealthAuthorityError("healthAuthorityID: unknown health authority")
        return _Authority(*row)

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

    def _row(self, item: _Accepted, now: datetime) -> NewKey:
        """The per-key columns of an accepted key's ``exposures`` row."""
        cfg = self.settings
        return NewKey(
            exposure_key=item.key.key_data,
            transmission_risk=item.risk,
            interval_number=item.key.rolling_start_number,
            interval_count=item.key.rolling_period,
            created_at=rules.created_at(
                item.key, now, cfg.truncate_window, embargo=not cfg.debug_release_same_day_keys
            ),
            days_since_symptom_onset=item.days_since_onset,
        )

    def _revise(
        self,
        connection: Connection,
        accepted: list[_Accepted],
        token: str | None,
        claims: Claims,
        now: datetime,
    ) -> "_Revision":
        """Revise the keys of ``accepted`` that were stored before this request."""
        if not accepted:
            return _Revision(token_keys=[], inserted=0)
        stored = {
            row.exposure_key: row
            for row in connection.execute(
                select(
                    Exposure.exposure_key,
                    Exposure.interval_number,
                    Exposure.interval_count,
                    Exposure.local_provenance,
                    Exposure.revised_at,
                    Exposure.report_type,
                ).where(Exposure.exposure_key.in_([a.key.key_data for a in accepted]))
            )
        }  # plain rows, not ORM objects
        if not stored:
            return _Revision(token_keys=[], inserted=0)
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
            result = connection.execute(
                update(Exposure)
                .where(Exposure.exposure_key == row.exposure_key, Exposure.revised_at.is_(None))
                .values(
                    revised_report_type=claims.report_type,
                    revised_at=revised_at,
                    revised_days_since_symptom_onset=item.days_since_onset,
                    revised_transmission_risk=item.risk,
                )
            )
            if result.rowcount != 1:
                connection.rollback()
                raise KeyAlreadyRevisedError(f"{item.path}: key was already revised")
            inserted += 1
        return _Revision(token_keys=token_keys, inserted=inserted)


@dataclass(frozen=True, slots=True)
class _Authority:
    """What publish reads of a health authority, and the PEM of the certificate's key."""

    id: int
    regions: str
    certificate_issuer: str
    certificate_audience: str
    certificate_pem: str | None  # None: unknown or retired kid


_AUTHORITY: Final = select(
    HealthAuthority.id,
    HealthAuthority.regions,
    HealthAuthority.certificate_issuer,
    HealthAuthority.certificate_audience,
    TRUSTED_PEM.scalar_subquery(),
).where(HealthAuthority.name == bindparam("name"))
"""Built once (constructing a statement per request costs more than running it)."""


@dataclass(frozen=True, slots=True)
class _Revision:
    token_keys: list[RevisableKey]
    inserted: int
