"""The browser's protocol code (``web/static/presence/*.js``) against ``civitrace.presence``:
the same payloads, location IDs, rules, shared records, reports, packages, matches, risk, report
binding and kiosk slips, computed in real Chromium and in Python, must agree exactly."""

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitrace.presence.checkin import CheckIn, CheckInRecord, shareable_records
from civitrace.presence.errors import PresenceError, WarningPackageError
from civitrace.presence.matching import find_matches, risk_by_day
from civitrace.presence.payload import (
    CrowdNotifierData,
    CWALocationData,
    QRCodePayload,
    TraceLocation,
    TraceLocationType,
    Venue,
    location_id,
    validate_payload,
)
from civitrace.presence.report import (
    CheckInProtectedReport,
    decrypt_report,
    encrypt_record,
    fake_report,
)
from civitrace.presence.risk import level_by_onset
from civitrace.presence.url import b64url_encode
from civitrace.presence.warning_package import (
    TraceTimeIntervalWarning,
    TraceWarningPackage,
    decode_package,
    encode_package,
)
from civitrace.server.presence import binding
from civitrace.server.presence.slip_format import (
    CODE_ALPHABET,
    SlipCheckIn,
    derive_keys,
    normalize_code,
    open_slip,
    seal,
)
from tests.vectors import load_vectors
from tests.web.test_checkin_support import PresenceServer, make_venue, shared_server

DAY = 86_400
NOW = 1_763_900_000  # a fixed "now" for matching (2025-11-23)
EPOCH = dt.date(1970, 1, 1)
VENUES = [make_venue(f"Venue {i}") for i in range(3)]
SLIP_CODE = "7KQM-2XWD-9HNC"
BROWSER_CHECKS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Helpers every harness below starts with: bytes from base64 of any length, and back.
PRELUDE = """
const bin = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64 = (u) => btoa(String.fromCharCode(...u));
const load = (name) => import(`/static/presence/${name}.js`);
"""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def js(page: Any, body: str, argument: Any = None) -> Any:
    """Run ``body`` (an async function body with ``arg`` in scope) in the page."""
    return page.evaluate(f"async (arg) => {{ {PRELUDE}\n{body} }}", argument)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> PresenceServer:
    return shared_server(tmp_path_factory)


@pytest.fixture(scope="module")
def lab(browser: Any, server: PresenceServer) -> Iterator[Any]:
    """One page of the site, whose origin serves the modules (no service worker here)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server.url}/slip")
    yield page
    context.close()


# -- payloads and location IDs -----------------------------------------------------------------

DECODE = """
const { decodePayload, brokenRule, locationIdOf } = await load('venue');
const raw = bin(arg);
let payload;
try { payload = decodePayload(raw); } catch (e) { return { error: String(e) }; }
return {
  description: payload.description, address: payload.address,
  start: payload.startTimestamp, end: payload.endTimestamp, seed: b64(payload.seed),
  type: payload.type, length: payload.defaultLength,
  rule: brokenRule(payload), locationId: b64(await locationIdOf(raw)),
};
"""


def test_vectors_location_ids(lab: Any) -> None:
    for case in load_vectors("cwa_presence.json")["location_id"]["cases"]:
        decoded = js(lab, DECODE, case["qr_code_payload_base64"])
        assert decoded["description"] == case["description"]
        assert decoded["address"] == case["address"]
        assert decoded["locationId"] == case["location_id_base64"]
        assert decoded["rule"] == "seed.length"  # the published payloads carry 4-byte seeds


def test_vector_report_decrypts(lab: Any) -> None:
    (case,) = load_vectors("cwa_presence.json")["check_in_protected_report"]["cases"]
    record = js(
        lab,
        """
        const { decryptReport } = await load('reports');
        return decryptReport(bin(arg.id), {
          locationIdHash: new Uint8Array(32), iv: bin(arg.iv),
          encryptedCheckInRecord: bin(arg.record), mac: bin(arg.mac) });
        """,
        {
            "id": case["location_id_base64"],
            "iv": case["iv_base64"],
            "record": case["encrypted_check_in_record_base64"],
            "mac": case["mac_base64"],
        },
    )
    assert record == case["check_in_record"]


texts = st.text(max_size=110)
payloads = st.builds(
    QRCodePayload,
    location=st.builds(
        TraceLocation,
        description=st.one_of(texts, st.sampled_from(["Café", " ", "a\nb", "x" * 101])),
        address=st.one_of(texts, st.just("Main Street 1")),
        start_timestamp=st.one_of(st.just(0), st.integers(0, 2**40)),
        end_timestamp=st.one_of(st.just(0), st.integers(0, 2**40)),
    ),
    crowd_notifier=st.builds(
        CrowdNotifierData,
        cryptographic_seed=st.one_of(st.binary(min_size=16, max_size=16), st.binary(max_size=20)),
    ),
    vendor=st.builds(
        CWALocationData,
        type=st.integers(-3, 14),
        default_check_in_length_minutes=st.one_of(st.integers(0, 1500), st.just(60)),
    ),
)


@BROWSER_CHECKS
@given(payloads)
def test_payloads_decode_and_validate_alike(lab: Any, payload: QRCodePayload) -> None:
    raw = payload.encode()
    decoded = js(lab, DECODE, b64(raw))
    try:
        validate_payload(payload)
        rule = None
    except PresenceError as exc:
        rule = getattr(exc, "rule", None)
    assert decoded["rule"] == rule
    assert decoded["description"] == payload.location.description
    assert decoded["address"] == payload.location.address
    assert (decoded["start"], decoded["end"]) == (
        payload.location.start_timestamp,
        payload.location.end_timestamp,
    )
    assert decoded["seed"] == b64(payload.crowd_notifier.cryptographic_seed)
    assert decoded["type"] == payload.vendor.type
    assert decoded["length"] == payload.vendor.default_check_in_length_minutes
    assert decoded["locationId"] == b64(location_id(raw))


# -- sharing: records, reports, binding --------------------------------------------------------

check_ins = st.lists(
    st.tuples(st.integers(NOW - 12 * DAY, NOW), st.integers(0, 30 * 3600)), max_size=6
)
days = st.integers(-14, 2)


@BROWSER_CHECKS
@given(check_ins, st.one_of(st.none(), days), days)
def test_shared_records_alike(
    lab: Any, stays: list[tuple[int, int]], onset: int | None, tested: int
) -> None:
    today = NOW // DAY
    onset_day = None if onset is None else today + onset
    test_day = today + tested
    records = js(
        lab,
        """
        const { shareableRecords, levelFor } = await load('records');
        return shareableRecords(arg.stays, levelFor(arg.onset, arg.test)).map(
          ({ checkIn, record }) => [arg.stays.indexOf(checkIn), record.startIntervalNumber,
                                    record.period, record.transmissionRiskLevel]);
        """,
        {
            "stays": [{"start": s, "end": s + d} for s, d in stays],
            "onset": onset_day,
            "test": test_day,
        },
    )
    visits = [CheckIn(VENUES[0].location_id, s, s + d) for s, d in stays]
    level = level_by_onset(
        None if onset_day is None else EPOCH + dt.timedelta(days=onset_day),
        EPOCH + dt.timedelta(days=test_day),
    )
    expected = [
        [next(i for i, v in enumerate(visits) if v is visit), *_record(record)]
        for visit, record in shareable_records(visits, level)
    ]
    assert records == expected


def _record(record: CheckInRecord) -> list[int]:
    return [record.start_interval_number, record.period, record.transmission_risk_level]


records = st.builds(
    CheckInRecord,
    st.integers((NOW - 12 * DAY) // 600, NOW // 600),
    st.integers(1, 40),
    st.integers(1, 8),
)


@BROWSER_CHECKS
@given(st.integers(0, 2), records)
def test_browser_reports_decrypt_in_python(lab: Any, venue: int, record: CheckInRecord) -> None:
    report = js(
        lab,
        """
        const { encryptRecord } = await load('reports');
        const r = await encryptRecord(bin(arg.id), arg.record);
        return [b64(r.locationIdHash), b64(r.iv), b64(r.encryptedCheckInRecord), b64(r.mac)];
        """,
        {
            "id": b64(VENUES[venue].location_id),
            "record": dict(
                zip(
                    ("startIntervalNumber", "period", "transmissionRiskLevel"),
                    _record(record),
                    strict=True,
                )
            ),
        },
    )
    protected = CheckInProtectedReport(*(base64.b64decode(field) for field in report))
    assert protected.location_id_hash == VENUES[venue].location_id_hash
    assert decrypt_report(VENUES[venue].location_id, protected) == record


def test_submission_binding_matches_the_server(lab: Any) -> None:
    reports = [encrypt_record(VENUES[0].location_id, CheckInRecord(2_900_000, 6, 7))]
    reports += [fake_report() for _ in range(21)]
    secret = bytes(range(32))
    mac = js(
        lab,
        """
        const { reportMac, padWithFakes } = await load('submission');
        const reports = arg.reports.map((r) => ({ locationIdHash: bin(r[0]), iv: bin(r[1]),
          encryptedCheckInRecord: bin(r[2]), mac: bin(r[3]) }));
        const padded = padWithFakes(reports.slice(0, 1));
        if (padded.length < 20 || padded.length > 30) throw new Error('padding');
        return b64(await reportMac(bin(arg.secret), reports));
        """,
        {
            "reports": [
                [b64(r.location_id_hash), b64(r.iv), b64(r.encrypted_check_in_record), b64(r.mac)]
                for r in reports
            ],
            "secret": b64(secret),
        },
    )
    assert base64.b64decode(mac) == binding.compute(secret, reports)
    assert base64.b64decode(mac) == binding.compute(secret, reversed(reports))


# -- warning packages and local matching -------------------------------------------------------

MATCH = """
const { decodePackage } = await load('reports');
const { findMatches, riskByDay } = await load('matching');
const packages = [];
for (const data of arg.packages) {
  try { packages.push(decodePackage(bin(data))); } catch { /* skipped, as on a device */ }
}
const checkIns = arg.checkIns.map((c) => ({ ...c, locationId: bin(c.locationId) }));
const matches = await findMatches(checkIns, packages, arg.now);
return {
  packages: packages.length,
  matches: matches.map((m) => [checkIns.indexOf(m.checkIn), m.record.startIntervalNumber,
    m.record.period, m.record.transmissionRiskLevel, m.overlapSeconds]),
  risks: riskByDay(matches).map((r) => [r.day, r.minutes, r.level]),
};
"""


def packages_near(stays: list[tuple[int, int, int]]) -> st.SearchStrategy[list[Any]]:
    """Packages whose records are random, or (most often) placed around one of ``stays`` at
    the same venue, so that overlaps, partial overlaps and near misses all occur."""
    anywhere = st.tuples(st.integers(0, 2), records)
    around = [
        st.builds(
            lambda shift, period, level, v=v, s=s: (
                v,
                CheckInRecord(max(0, s // 600 + shift), period, level),
            ),
            st.integers(-8, 8),
            st.integers(1, 40),
            st.integers(1, 8),
        )
        for v, s, _ in stays
    ]
    venue_records = st.one_of(anywhere, *around)
    return st.lists(
        st.tuples(
            st.lists(venue_records, min_size=1 if stays else 0, max_size=5),  # encrypted
            st.lists(venue_records, max_size=2),  # unencrypted warnings
            st.integers(0, 3),  # fakes
            st.booleans(),  # tamper with the first report's MAC
        ),
        min_size=1 if stays else 0,
        max_size=3,
    )


packages = packages_near([])
visits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(NOW - 12 * DAY, NOW), st.integers(0, 8 * 3600)),
    min_size=1,
    max_size=6,
)


def _package(hour: int, spec: tuple[Any, ...]) -> TraceWarningPackage:
    encrypted, plain, fakes, tamper = spec
    reports = [encrypt_record(VENUES[v].location_id, record) for v, record in encrypted]
    if tamper and reports:
        first = reports[0]
        reports[0] = CheckInProtectedReport(
            first.location_id_hash, first.iv, first.encrypted_check_in_record, bytes(32)
        )
    reports += [fake_report() for _ in range(fakes)]
    warnings = [TraceTimeIntervalWarning(VENUES[v].location_id_hash, r) for v, r in plain]
    return TraceWarningPackage(hour, "ZZ", tuple(reports), tuple(warnings))


def _python_matches(stays: list[CheckIn], encoded: list[bytes]) -> dict[str, Any]:
    decoded = []
    for data in encoded:
        try:
            decoded.append(decode_package(data))
        except WarningPackageError:
            continue
    matches = find_matches(stays, decoded, NOW)
    return {
        "packages": len(decoded),
        "matches": [
            [
                next(i for i, s in enumerate(stays) if s is m.check_in),
                *_record(m.record),
                m.overlap_seconds,
            ]
            for m in matches
        ],
        "risks": [
            [(risk.day - EPOCH).days, risk.normalized_minutes, risk.level.value]
            for risk in risk_by_day(matches)
        ],
    }


def _matched_in_browser(lab: Any, stays: list[CheckIn], encoded: list[bytes]) -> Any:
    argument = {
        "checkIns": [
            {"locationId": b64(s.location_id), "start": s.start, "end": s.end} for s in stays
        ],
        "packages": [b64(data) for data in encoded],
        "now": NOW,
    }
    return js(lab, MATCH, argument)


@BROWSER_CHECKS
@given(visits, st.data())
def test_matching_alike(
    lab: Any, visit_specs: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    package_specs = data.draw(packages_near(visit_specs), label="packages")
    stays = [CheckIn(VENUES[v].location_id, s, s + d) for v, s, d in visit_specs]
    encoded = [encode_package(_package(480_000 + i, spec)) for i, spec in enumerate(package_specs)]
    assert _matched_in_browser(lab, stays, encoded) == _python_matches(stays, encoded)


def test_a_match_is_found_and_rated_alike(lab: Any) -> None:
    """A stay inside a warned window, high risk on both sides (not left to chance)."""
    start = NOW - 3 * 3600
    stay = CheckIn(VENUES[1].location_id, start, start + 3600)
    record = CheckInRecord(start // 600, 6, 8)
    encoded = [encode_package(_package(480_000, ([(1, record)], [], 2, False)))]
    result = _matched_in_browser(lab, [stay], encoded)
    assert result == _python_matches([stay], encoded)
    assert result["risks"][0][2] == "high"
    assert len(result["matches"]) == 1


@BROWSER_CHECKS
@given(packages, st.data())
def test_damaged_packages_are_refused_alike(
    lab: Any, package_specs: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    stays = [CheckIn(VENUES[v].location_id, NOW - 3600, NOW) for v in range(3)]
    encoded = []
    for i, spec in enumerate(package_specs or [([], [], 1, False)]):
        whole = bytearray(encode_package(_package(480_000 + i, spec)))
        cut = data.draw(st.integers(0, len(whole)), label="cut")
        flips = data.draw(st.lists(st.integers(0, max(0, len(whole) - 1)), max_size=3))
        for at in flips:
            if whole:
                whole[at] ^= data.draw(st.integers(1, 255), label="flip")
        encoded.append(bytes(whole[:cut]))
    assert _matched_in_browser(lab, stays, encoded) == _python_matches(stays, encoded)


# -- kiosk slips -------------------------------------------------------------------------------

SLIP = """
const { deriveSlipKeys, openSlip, sealSlip } = await load('slipcode');
const keys = await deriveSlipKeys(arg.code);
const opened = arg.ciphertext ? await openSlip(keys, bin(arg.ciphertext)) : null;
const sealed = await sealSlip(keys, { ...arg.checkIn, locationId: bin(arg.checkIn.locationId) });
return {
  id: keys.idHex,
  opened: opened && { ...opened, locationId: b64(opened.locationId) },
  sealed: b64(sealed),
};
"""


def test_slips_open_across_python_and_browser(lab: Any) -> None:
    keys = derive_keys(SLIP_CODE)
    ours = SlipCheckIn(VENUES[2].location_id, NOW - 3600, NOW, "Bäckerei „Zum Korn“")
    start, end, description = NOW - 7200, NOW - 60, "町の図書館"
    theirs = {
        "locationId": b64(VENUES[1].location_id),
        "start": start,
        "end": end,
        "description": description,
    }
    result = js(
        lab,
        SLIP,
        {"code": "7kqm 2xwd-9hnc", "ciphertext": b64(seal(keys, ours)), "checkIn": theirs},
    )
    assert result["id"] == keys.id_hex
    assert result["opened"] == {
        "locationId": b64(ours.location_id),
        "start": ours.start,
        "end": ours.end,
        "description": ours.description,
    }
    opened = open_slip(keys, base64.b64decode(result["sealed"]))
    assert opened == SlipCheckIn(VENUES[1].location_id, start, end, description)


def test_a_slip_does_not_open_with_another_code(lab: Any) -> None:
    sealed = seal(derive_keys(SLIP_CODE), SlipCheckIn(VENUES[0].location_id, NOW - 60, NOW))
    result = js(
        lab,
        SLIP,
        {
            "code": "22222-22222-22",
            "ciphertext": b64(sealed),
            "checkIn": {
                "locationId": b64(VENUES[0].location_id),
                "start": 1,
                "end": 2,
                "description": "",
            },
        },
    )
    assert result["opened"] is None


def test_slip_codes_are_well_formed(lab: Any) -> None:
    codes = js(
        lab,
        """
        const { newCode, normalizeCode } = await load('slipcode');
        const codes = Array.from({ length: 200 }, newCode);
        return { codes, normal: codes.map(normalizeCode), bad: normalizeCode('0OIL-1234-5678') };
        """,
    )
    assert codes["bad"] is None
    assert len(set(codes["codes"])) == 200
    for code, normal in zip(codes["codes"], codes["normal"], strict=True):
        assert len(code) == 14
        assert code[4] == code[9] == "-"
        assert normal == code.replace("-", "") == normalize_code(code.lower())
        assert all(symbol in CODE_ALPHABET for symbol in normal)


def test_venue_from_a_url_fragment(lab: Any) -> None:
    venue = Venue.create(
        "Library",
        "Square 2",
        type=TraceLocationType.PERMANENT_CRAFT,
        default_check_in_length_minutes=45,
    )
    found = js(
        lab,
        """
        const { readVenue, plannedEnd } = await load('venue');
        const ok = await readVenue(arg.fragment);
        const bad = await readVenue('not*base64');
        return { id: b64(ok.locationId), end: plannedEnd(ok.payload, 1000), bad };
        """,
        {"fragment": b64url_encode(venue.raw)},
    )
    assert found == {"id": b64(venue.location_id), "end": 1000 + 45 * 60, "bad": None}
