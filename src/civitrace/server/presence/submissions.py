"""Check-in report submissions: the upload after a positive test, and staff review of it.

Upload (``POST /v1/presence/reports``), in this order: the request's shape (schemas), the number
of reports, the health authority, every report's fields (sizes, base64, no repeats), the
certificate (signature and claims, then the HMAC that binds it to exactly these reports), then
one transaction spends the certificate and stores the submission with its reports. The server
treats every report alike: it cannot tell real from fake and does not try. Nothing about the
sender is stored (no address, header, certificate or ``hmacKey``), and the arrival time is
truncated to publish's truncate window.

Review: staff list their authority's submissions (counts and dates), and approve one (its
reports become warnings in every region of the authority, and leave ``checkin_reports``) or
reject one (its reports are deleted at once). A decision is taken once.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civitrace.presence.constants import MIN_SUBMITTED_REPORTS
from civitrace.presence.errors import ReportError
from civitrace.presence.report import CheckInProtectedReport
from civitrace.server.db.models import HealthAuthority
from civitrace.server.db.presence_models import (
    CheckInReport,
    CheckInSubmission,
    SpentCertificate,
    SubmissionStatus,
)
from civitrace.server.errors import UnknownHealthAuthorityError
from civitrace.server.keyring import SigningKeyRing
from civitrace.server.presence.certificate import verify_presence_certificate
from civitrace.server.presence.errors import (
    CertificateSpentError,
    InvalidReportError,
    ReportCountError,
    SubmissionDecidedError,
    SubmissionNotFoundError,
)
from civitrace.server.presence.schemas import ReportDocument, SubmissionRequest
from civitrace.server.presence.settings import PresenceSettings
from civitrace.server.presence.warnings import HOUR, publish_warnings
from civitrace.server.publish.certificate import decode_base64
from civitrace.server.publish.rules import truncate
from civitrace.server.settings import PublishSettings

MAX_RECORD_BYTES: Final = 32  # a CheckInRecord of three uint32 fields is at most 18 bytes
FIELD = "checkInProtectedReports"
MAX_LISTED: Final = 1000  # submissions in one listing


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _field_bytes(value: str, path: str, sizes: Sequence[int]) -> bytes:
    raw = decode_base64(value)
    expected = " or ".join(str(s) for s in sizes)
    if raw is None:
        raise InvalidReportError(f"{path}: must be base64 of {expected} bytes")
    if len(raw) not in sizes:
        raise InvalidReportError(f"{path}: must be {expected} bytes, got {len(raw)}")
    return raw


def parse_report(document: ReportDocument, index: int) -> CheckInProtectedReport:
    """One report's bytes, checked field by field; errors name the field's JSON path."""
    path = f"{FIELD}[{index}]"
    try:
        return CheckInProtectedReport(
            location_id_hash=_field_bytes(
                document.location_id_hash, f"{path}.locationIdHash", (32,)
            ),
            iv=_field_bytes(document.iv, f"{path}.iv", (16,)),
            encrypted_check_in_record=_field_bytes(
                document.encrypted_check_in_record, f"{path}.encryptedCheckInRecord", (16, 32)
            ),
            mac=_field_bytes(document.mac, f"{path}.mac", (32,)),
        )
    except ReportError as exc:  # the protocol's own checks, should the sizes above ever drift
        raise InvalidReportError(f"{path}: {exc}") from None


def parse_reports(
    documents: Sequence[ReportDocument], maximum: int
) -> list[CheckInProtectedReport]:
    """Every report, or the first problem; counts outside ``[20, maximum]`` are refused."""
    if not MIN_SUBMITTED_REPORTS <= len(documents) <= maximum:
        raise ReportCountError(
            f"{FIELD}: must hold {MIN_SUBMITTED_REPORTS}..{maximum} reports (devices pad real "
            f"ones with fakes), got {len(documents)}"
        )
    reports = [parse_report(document, i) for i, document in enumerate(documents)]
    seen: dict[bytes, int] = {}
    for i, report in enumerate(reports):
        first = seen.setdefault(report.mac, i)
        if first != i:
            raise InvalidReportError(f"{FIELD}[{i}]: repeats report {first}")
    return reports


def summary(row: CheckInSubmission) -> dict[str, Any]:
    """The JSON staff see of a submission."""
    return {
        "id": row.id,
        "status": row.status,
        "reportType": row.report_type,
        "reportCount": row.report_count,
        "submittedAt": row.submitted_at.isoformat(),
        "decidedAt": row.decided_at.isoformat() if row.decided_at else None,
    }


@dataclass
class Submissions:
    """Stores submissions and carries out staff decisions on them."""

    publish: PublishSettings
    presence: PresenceSettings
    keyring: SigningKeyRing
    clock: Callable[[], datetime] = field(default=_utcnow)

    # -- POST /v1/presence/reports -----------------------------------------------------------

    def submit(self, session: Session, request: SubmissionRequest) -> dict[str, Any]:
        now = self.clock()
        reports = parse_reports(
            request.check_in_protected_reports, self.presence.max_reports_per_submission
        )
        authority = self._authority(session, request.health_authority_id)
        claims = verify_presence_certificate(
            session,
            self.keyring,
            authority,
            payload=request.verification_payload,
            hmac_key=request.hmac_key,
            reports=reports,
            now=now,
            leeway=self.publish.certificate_clock_skew,
        )
        try:
            session.execute(
                insert(SpentCertificate).values(
                    certificate_hash=claims.certificate_hash, expires_at=claims.expires_at
                )
            )
        except IntegrityError:
            session.rollback()
            raise CertificateSpentError(
                "verificationPayload: this certificate was already used for a submission"
            ) from None
        submitted_at = truncate(now, self.publish.truncate_window)
        submission_id = str(uuid.uuid4())
        session.add(
            CheckInSubmission(
                id=submission_id,
                health_authority_id=authority.id,
                status=SubmissionStatus.PENDING.value,
                report_type=claims.report_type,
                report_count=len(reports),
                submitted_at=submitted_at,
                decided_at=None,
            )
        )
        session.flush()
        session.connection().execute(
            insert(CheckInReport),
            [
                {
                    "submission_id": submission_id,
                    "location_id_hash": report.location_id_hash,
                    "iv": report.iv,
                    "encrypted_check_in_record": report.encrypted_check_in_record,
                    "mac": report.mac,
                    "submitted_at": submitted_at,
                }
                for report in reports
            ],
        )
        session.commit()
        return {"insertedReports": len(reports)}

    @staticmethod
    def _authority(session: Session, name: str) -> HealthAuthority:
        if not name:
            raise UnknownHealthAuthorityError("healthAuthorityID: is required")
        authority = session.scalars(
            select(HealthAuthority).where(HealthAuthority.name == name)
        ).one_or_none()
        if authority is None:
            raise UnknownHealthAuthorityError("healthAuthorityID: unknown health authority")
        return authority

    # -- staff review ----------------------------------------------------------------------------

    @staticmethod
    def list_submissions(
        session: Session, authority_id: int, status: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """The authority's submissions, oldest first, optionally of one status."""
        query = select(CheckInSubmission).where(
            CheckInSubmission.health_authority_id == authority_id
        )
        if status is not None:
            query = query.where(CheckInSubmission.status == status)
        query = query.order_by(CheckInSubmission.submitted_at, CheckInSubmission.id)
        return [summary(row) for row in session.scalars(query.limit(min(limit, MAX_LISTED)))]

    def approve(self, session: Session, authority_id: int, submission_id: str) -> dict[str, Any]:
        """Publish the submission's reports as warnings in every region of the authority."""
        now = self.clock()
        row = self._decide(session, authority_id, submission_id, SubmissionStatus.APPROVED, now)
        authority = session.get_one(HealthAuthority, authority_id)
        reports = [
            CheckInProtectedReport(r.location_id_hash, r.iv, r.encrypted_check_in_record, r.mac)
            for r in session.scalars(
                select(CheckInReport)
                .where(CheckInReport.submission_id == submission_id)
                .order_by(CheckInReport.mac)  # not the upload order
            )
        ]
        published = publish_warnings(session, authority.region_list, reports, now)
        session.execute(delete(CheckInReport).where(CheckInReport.submission_id == submission_id))
        session.commit()
        return {
            "id": row.id,
            "status": row.status,
            "publishedWarnings": published.count,
            "intervalNumber": published.interval_number,
        }

    def reject(self, session: Session, authority_id: int, submission_id: str) -> dict[str, Any]:
        """Discard the submission's reports; the submission stays, as a count, until retention."""
        row = self._decide(
            session, authority_id, submission_id, SubmissionStatus.REJECTED, self.clock()
        )
        session.execute(delete(CheckInReport).where(CheckInReport.submission_id == submission_id))
        session.commit()
        return {"id": row.id, "status": row.status, "publishedWarnings": 0}

    @staticmethod
    def _decide(
        session: Session,
        authority_id: int,
        submission_id: str,
        status: SubmissionStatus,
        now: datetime,
    ) -> CheckInSubmission:
        """Move a pending submission to ``status`` exactly once, even under concurrent staff."""
        row = session.scalars(
            select(CheckInSubmission).where(
                CheckInSubmission.id == submission_id,
                CheckInSubmission.health_authority_id == authority_id,
            )
        ).one_or_none()
        if row is None:
            raise SubmissionNotFoundError(f"id: no submission {submission_id} for this authority")
        if row.status != SubmissionStatus.PENDING:
            raise SubmissionDecidedError(f"id: submission {submission_id} was already {row.status}")
        decided_at = truncate(now, HOUR)
        result = session.execute(
            update(CheckInSubmission)
            .where(
                CheckInSubmission.id == submission_id,
                CheckInSubmission.status == SubmissionStatus.PENDING.value,
            )
            .values(status=status.value, decided_at=decided_at)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise SubmissionDecidedError(f"id: submission {submission_id} was already decided")
        session.refresh(row)
        return row
