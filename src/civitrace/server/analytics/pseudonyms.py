"""The stable weekly person pseudonym: what makes "one person" countable without identities.

The contribution bound of a release (``civitrace.analytics.contribution``) needs every record of
one person within the release's week to carry the same pseudonym. The console knows a person as
a case id; the pseudonym is ``HMAC-SHA256(K_week, case id)`` with a per-week key
``K_week = HKDF(KEK, "civitrace/analytics/weekly-pseudonym/v1/" + ISO week)``, so:

- within one ISO week, one case id always maps to one pseudonym (the bound holds per person);
- across weeks the keys differ, so pseudonyms of the same person in two weeks cannot be linked,
  and nothing stored or released carries one (they live only in memory while a release runs);
- without the server's KEK nobody can recompute them from a case id.

Two case ids of the same person (a person opened twice) are two pseudonyms: the console must
keep one case per person and week for the bound to be person-level (see ``docs/analytics.md``).
"""

from collections.abc import Iterable
from datetime import date
from typing import Final

from civitrace.analytics.records import Event, TestResult, period_of
from civitrace.server import crypto
from civitrace.server.analytics.sources import CaseRecord, TestRecord

INFO_PREFIX: Final = b"civitrace/analytics/weekly-pseudonym/v1/"  # HKDF info, then the ISO week
PSEUDONYM_HEX: Final = 32  # hex digits kept (128 bits): collisions are out of reach


class WeeklyPseudonyms:
    """Pseudonyms of case ids, one key per ISO week derived from the server's KEK."""

    def __init__(self, kek: bytes) -> None:
        if len(kek) != crypto.SECRET_LENGTH:
            raise ValueError(f"the KEK must be {crypto.SECRET_LENGTH} bytes")
        self._kek = kek
        self._keys: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return "WeeklyPseudonyms(<redacted>)"

    def _key(self, period: str) -> bytes:
        key = self._keys.get(period)
        if key is None:
            key = crypto.derive_key(self._kek, INFO_PREFIX + period.encode("ascii"))
            self._keys[period] = key
        return key

    def pseudonym(self, case_id: str, day: date) -> str:
        """The pseudonym of ``case_id`` in the ISO week holding ``day``."""
        digest = crypto.hmac_sha256(self._key(period_of(day)), case_id.encode("utf-8"))
        return digest.hex()[:PSEUDONYM_HEX]

    def events(self, records: Iterable[CaseRecord]) -> list[Event]:
        """The records as the analytics package counts them: case ids replaced by pseudonyms."""
        return [
            Event(r.day, self.pseudonym(r.case_id, r.day), r.region, r.age_band) for r in records
        ]

    def test_results(self, records: Iterable[TestRecord]) -> list[TestResult]:
        """Test records with pseudonyms, keeping each result."""
        return [
            TestResult(r.day, self.pseudonym(r.case_id, r.day), r.region, r.age_band, r.positive)
            for r in records
        ]
