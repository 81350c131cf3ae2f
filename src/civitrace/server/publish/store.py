"""Storing a publish's new keys in one statement that skips keys already stored.

``INSERT … ON CONFLICT (exposure_key) DO NOTHING RETURNING exposure_key``: the keys it returns
are new; the others were stored before (or by a concurrent upload, whose commit the statement
waits for) and go through the revision rules. One round trip in the common case (no key stored
yet) instead of a lookup and an insert.

On PostgreSQL the rows travel as one array per per-key column, unpacked by ``unnest``: the
statement has the same 10 parameters whatever the number of keys, so psycopg caches its
parsing and prepares it server-side, where a multi-row ``VALUES`` with 12 parameters per key
would be parsed again on every request. Arrays are sent as text literals of integers (times as
Unix seconds, made naive UTC by ``AT TIME ZONE 'UTC'`` as ``UTCDateTime`` stores them) and hex
(keys, ``decode``d). SQLite gets the multi-row ``VALUES`` form.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.types import Boolean, Integer, String

from civitrace.server.db.models import Exposure


@dataclass(frozen=True, slots=True)
class NewKey:
    """The per-key columns of a published key."""

    exposure_key: bytes
    transmission_risk: int
    interval_number: int
    interval_count: int
    created_at: datetime  # aware UTC
    days_since_symptom_onset: int


@dataclass(frozen=True, slots=True)
class Upload:
    """The columns every key of one publish shares."""

    health_authority_id: int
    regions: str
    traveler: bool
    report_type: str


_POSTGRES_INSERT: Final = text(
    "INSERT INTO exposures (exposure_key, transmission_risk, interval_number, interval_count,"
    " created_at, days_since_symptom_onset, health_authority_id, regions, traveler,"
    " local_provenance, federation_source, report_type)"
    " SELECT decode(k.key, 'hex'), k.risk, k.start, k.period,"
    " to_timestamp(k.created) AT TIME ZONE 'UTC', k.onset,"
    " :authority, :regions, :traveler, true, NULL, :report_type"
    " FROM unnest(CAST(:keys AS text[]), CAST(:risks AS integer[]), CAST(:starts AS integer[]),"
    " CAST(:periods AS integer[]), CAST(:created AS bigint[]), CAST(:onsets AS integer[]))"
    " AS k(key, risk, start, period, created, onset)"
    " ON CONFLICT (exposure_key) DO NOTHING"
    " RETURNING exposure_key"
).bindparams(
    bindparam("authority", type_=Integer),
    bindparam("regions", type_=String),
    bindparam("traveler", type_=Boolean),
    bindparam("report_type", type_=String),
    *(bindparam(name, type_=String) for name in ("keys", "risks", "starts", "periods")),
    *(bindparam(name, type_=String) for name in ("created", "onsets")),
)


def _array(values: Iterable[int | str]) -> str:
    """A PostgreSQL array literal of integers or hex strings (no element needs quoting).

    One string per column instead of a Python list: psycopg adapts a list element by element
    in Python, which cost more than the rest of the insert.
    """
    return "{" + ",".join(map(str, values)) + "}"


def insert_new_keys(
    connection: Connection, upload: Upload, keys: Sequence[NewKey]
) -> frozenset[bytes]:
    """Insert the keys not stored yet; returns those inserted (in the current transaction)."""
    if not keys:
        return frozenset()
    if connection.dialect.name == "postgresql":
        result = connection.execute(
            _POSTGRES_INSERT,
            {
                "keys": _array(k.exposure_key.hex() for k in keys),
                "risks": _array(k.transmission_risk for k in keys),
                "starts": _array(k.interval_number for k in keys),
                "periods": _array(k.interval_count for k in keys),
                "created": _array(int(k.created_at.timestamp()) for k in keys),
                "onsets": _array(k.days_since_symptom_onset for k in keys),
                "authority": upload.health_authority_id,
                "regions": upload.regions,
                "traveler": upload.traveler,
                "report_type": upload.report_type,
            },
        )
    else:
        statement = (
            sqlite_insert(Exposure)
            .values(
                [
                    {
                        "exposure_key": k.exposure_key,
                        "transmission_risk": k.transmission_risk,
                        "interval_number": k.interval_number,
                        "interval_count": k.interval_count,
                        "created_at": k.created_at,
                        "days_since_symptom_onset": k.days_since_symptom_onset,
                        "health_authority_id": upload.health_authority_id,
                        "regions": upload.regions,
                        "traveler": upload.traveler,
                        "local_provenance": True,
                        "federation_source": None,
                        "report_type": upload.report_type,
                    }
                    for k in keys
                ]
            )
            .on_conflict_do_nothing(index_elements=[Exposure.exposure_key])
            .returning(Exposure.exposure_key)
        )
        result = connection.execute(statement)
    return frozenset(result.scalars())
