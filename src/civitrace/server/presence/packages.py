"""The hourly ``TraceWarningPackage`` job: every complete hour of every region, built once.

Per region and hour, in this order, so a crash at any point leaves nothing half-published:

1. one transaction records the package as *pending* (a unique (region, hour) forbids a second
   one) and claims for it every warning of the region not yet packaged and published before the
   hour's end;
2. the package is built from the claimed warnings (ordered by MAC, which is pseudorandom, so the
   order says nothing about who uploaded what, or when) and written to the storage;
3. the package is marked *complete*, and ``presence/{region}/index.txt`` is rewritten.

A run that finds a pending package rebuilds it from the same claimed warnings: the same bytes.
Claiming (rather than selecting by publication hour) means a warning whose transaction commits
while its hour is being built is carried by the next package instead of being lost.

Every complete hour gets a package, warnings or not, so the list of files and each device's
downloads are the same whatever happened (CWA publishes an empty file for such hours and flags
it with ``cwa-empty-pkg: 1``; civitrace writes the empty ``TraceWarningPackage`` itself, which
any reader decodes, and the route serving it adds the same header). The first run for a region
starts at the hour of its oldest unpackaged warning, or at the last complete hour; no package is
built for an hour older than the warning retention. The run holds the ``presence-package`` job
lock, so two hosts never build at once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from civitrace.presence.constants import WARNING_PACKAGE_SECONDS
from civitrace.presence.report import CheckInProtectedReport
from civitrace.presence.warning_package import TraceWarningPackage, encode_package, hour_interval
from civitrace.server.db.engine import session_factory
from civitrace.server.db.models import HealthAuthority
from civitrace.server.db.presence_models import (
    PackageStatus,
    VenueWarning,
    WarningPackageRecord,
)
from civitrace.server.exports.config import REGION
from civitrace.server.exports.storage import INDEX_CONTENT_TYPE, ExportStorage
from civitrace.server.jobs import job_lock
from civitrace.server.presence.settings import PresenceSettings

JOB_NAME: Final = "presence-package"  # the job lock shared by every host running the job
STORAGE_PREFIX: Final = "presence"  # packages live under presence/{region}/ in the storage
INDEX_NAME: Final = "index.txt"
PACKAGE_SUFFIX: Final = ".bin"
PACKAGE_CONTENT_TYPE: Final = "application/octet-stream"


def package_name(region: str, interval_number: int) -> str:
    return f"{STORAGE_PREFIX}/{region}/{interval_number}{PACKAGE_SUFFIX}"


def index_name(region: str) -> str:
    return f"{STORAGE_PREFIX}/{region}/{INDEX_NAME}"


def hour_start(interval_number: int) -> datetime:
    return datetime.fromtimestamp(interval_number * WARNING_PACKAGE_SECONDS, UTC)


@dataclass(frozen=True, slots=True)
class BuiltPackage:
    """What one hour of one region became."""

    region: str
    interval_number: int
    report_count: int
    name: str

    @property
    def start(self) -> datetime:
        return hour_start(self.interval_number)


def _regions(session: Session) -> list[str]:
    """Regions some authority serves, or that hold warnings or packages."""
    regions: set[str] = set()
    for listed in session.scalars(select(HealthAuthority.regions)):
        regions.update(listed.split(","))
    regions.update(session.scalars(select(VenueWarning.region).distinct()))
    regions.update(session.scalars(select(WarningPackageRecord.region).distinct()))
    return sorted(r for r in regions if REGION.match(r))


def _reports(session: Session, region: str, interval_number: int) -> list[CheckInProtectedReport]:
    rows = session.execute(
        select(
            VenueWarning.location_id_hash,
            VenueWarning.iv,
            VenueWarning.encrypted_check_in_record,
            VenueWarning.mac,
        )
        .where(VenueWarning.region == region, VenueWarning.package_interval == interval_number)
        .order_by(VenueWarning.mac, VenueWarning.iv)
    )
    return [CheckInProtectedReport(*row) for row in rows]


def write_index(sessions: sessionmaker[Session], storage: ExportStorage, region: str) -> str:
    """(Re)write ``presence/{region}/index.txt``: every complete package's hour, oldest first,
    one per line."""
    with sessions() as session:
        hours = session.scalars(
            select(WarningPackageRecord.interval_number)
            .where(
                WarningPackageRecord.region == region,
                WarningPackageRecord.status == PackageStatus.COMPLETE.value,
            )
            .order_by(WarningPackageRecord.interval_number)
        ).all()
    content = "\n".join(str(hour) for hour in hours)
    storage.put(index_name(region), content.encode("ascii"), INDEX_CONTENT_TYPE)
    return content


class PackageBuilder:
    """Builds every pending hour; one instance per run (it holds no state between runs)."""

    def __init__(self, engine: Engine, storage: ExportStorage, settings: PresenceSettings) -> None:
        self._engine = engine
        self._sessions = session_factory(engine)
        self._storage = storage
        self._settings = settings

    def run(self, until: datetime | None = None) -> list[BuiltPackage]:
        """Build every hour that ended at or before ``until`` (default now), for every region."""
        until = until or datetime.now(UTC)
        if until.tzinfo is None:
            raise ValueError("until must be an aware datetime")
        built: list[BuiltPackage] = []
        with job_lock(self._engine, JOB_NAME):
            with self._sessions() as session:
                regions = _regions(session)
            for region in regions:
                built.extend(self._run_region(region, until))
        return built

    def _run_region(self, region: str, until: datetime) -> list[BuiltPackage]:
        end_hour = hour_interval(int(until.timestamp()))  # hours before this one are complete
        cutoff = until - self._settings.warning_retention
        built = []
        with self._sessions() as session:
            records = session.execute(
                select(WarningPackageRecord.interval_number, WarningPackageRecord.status).where(
                    WarningPackageRecord.region == region
                )
            ).all()
            oldest = session.scalar(
                select(func.min(VenueWarning.published_at)).where(
                    VenueWarning.region == region,
                    VenueWarning.package_interval.is_(None),
                    VenueWarning.published_at >= cutoff,
                )
            )
        for interval_number, status in sorted(records):
            if status == PackageStatus.PENDING:
                built.append(self._finish(region, interval_number))
        if records:
            first = max(number for number, _ in records) + 1
        elif oldest is not None:
            first = min(hour_interval(int(oldest.timestamp())), end_hour - 1)
        else:
            first = end_hour - 1
        first = max(first, hour_interval(int(cutoff.timestamp())))
        for interval_number in range(first, end_hour):
            if self._begin(region, interval_number, cutoff):
                built.append(self._finish(region, interval_number))
        write_index(self._sessions, self._storage, region)
        return built

    def _begin(self, region: str, interval_number: int, cutoff: datetime) -> bool:
        """Step 1: record the package as pending and claim its warnings; False if another run
        already did."""
        with self._sessions() as session:
            session.add(
                WarningPackageRecord(
                    region=region,
                    interval_number=interval_number,
                    status=PackageStatus.PENDING.value,
                    report_count=0,
                    created_at=datetime.now(UTC),
                )
            )
            try:
                session.flush()
            except IntegrityError:
                session.rollback()
                return False
            session.execute(
                update(VenueWarning)
                .where(
                    VenueWarning.region == region,
                    VenueWarning.package_interval.is_(None),
                    VenueWarning.published_at < hour_start(interval_number + 1),
                    VenueWarning.published_at >= cutoff,
                )
                .values(package_interval=interval_number)
            )
            session.commit()
        return True

    def _finish(self, region: str, interval_number: int) -> BuiltPackage:
        """Steps 2 and 3: build and write the package, then mark it complete."""
        with self._sessions() as session:
            reports = _reports(session, region, interval_number)
        package = TraceWarningPackage(interval_number, region, tuple(reports))
        name = package_name(region, interval_number)
        self._storage.put(name, encode_package(package), PACKAGE_CONTENT_TYPE)
        with self._sessions() as session:
            session.execute(
                update(WarningPackageRecord)
                .where(
                    WarningPackageRecord.region == region,
                    WarningPackageRecord.interval_number == interval_number,
                )
                .values(
                    status=PackageStatus.COMPLETE.value,
                    report_count=len(reports),
                    completed_at=datetime.now(UTC),
                )
            )
            session.commit()
        return BuiltPackage(region, interval_number, len(reports), name)
