"""The matching engine's fast path: built, equal to the reference and to the official vectors.

The native extension is held to :mod:`civitrace.en.rpi` (itself checked against the published
GAEN vectors) and to :func:`civitrace.en.fast.reference_match`. The pure-Python fallback of
:func:`civitrace.en.fast.match` gets the same input checks.
"""

import importlib
import os
import random
from array import array
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitrace.en import fast, rpi
from civitrace.en.errors import InvalidKeyError
from tests.vectors import load_vectors

VECTORS = load_vectors("gaen_crypto.json")
VECTOR_TEK = bytes.fromhex(VECTORS["published"]["temporary_exposure_key"])
VECTOR_START: int = VECTORS["published"]["en_interval_number"]
VECTOR_RPIS = [bytes.fromhex(interval["rpi"]) for interval in VECTORS["intervals"]]

LAST_INTERVAL = 2**32 - 1


def require_native() -> None:
    """Fail, never skip: without the extension the fast path would quietly run the reference."""
    assert fast.NATIVE_AVAILABLE, (
        "civitrace.en._native is not built: run `make install` or "
        "`python setup.py build_ext --inplace`"
    )


@pytest.fixture(params=["native", "fallback"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test against the extension and against the pure-Python fallback."""
    if request.param == "native":
        require_native()
    else:
        monkeypatch.setattr(fast, "NATIVE_AVAILABLE", False)
    return str(request.param)


# --- (a) the extension is there -------------------------------------------------------------------


def test_native_extension_is_built_and_used() -> None:
    native = importlib.import_module("civitrace.en._native")  # ImportError fails the test
    assert native.__file__ is not None
    assert not native.__file__.endswith(".py")
    require_native()


# --- (b) derivation: official vectors and the one-key reference -----------------------------------


def test_vectors_cover_one_whole_rolling_period() -> None:
    intervals = [interval["en_interval_number"] for interval in VECTORS["intervals"]]
    assert intervals == list(range(VECTOR_START, VECTOR_START + 144))


def test_derive_rpis_batch_gives_all_144_official_rpis() -> None:
    require_native()
    derived = fast.derive_rpis_batch(VECTOR_TEK, [VECTOR_START], [144])
    assert [derived[i : i + 16] for i in range(0, len(derived), 16)] == VECTOR_RPIS
    assert derived == b"".join(rpi.derive_rpis(VECTOR_TEK, VECTOR_START, 144))


def test_derive_rpis_batch_part_of_a_period_gives_the_matching_vectors() -> None:
    require_native()
    derived = fast.derive_rpis_batch(VECTOR_TEK * 2, [VECTOR_START + 5, VECTOR_START], [10, 144])
    assert derived == b"".join(VECTOR_RPIS[5:15] + VECTOR_RPIS)


def test_match_finds_official_rpis_at_their_intervals() -> None:
    require_native()
    picked = [140, 0, 77, 3]
    decoys = [os.urandom(16) for _ in range(500)]
    observed = decoys[:200] + [VECTOR_RPIS[j] for j in picked] + decoys[200:]
    hits = fast.match(VECTOR_TEK, [VECTOR_START], [144], b"".join(observed))
    expected = sorted((0, VECTOR_START + j, 200 + picked.index(j)) for j in picked)
    assert hits == expected


windows = st.tuples(
    st.binary(min_size=16, max_size=16),
    st.one_of(
        st.integers(0, LAST_INTERVAL),
        st.sampled_from([0, VECTOR_START, LAST_INTERVAL - 143, LAST_INTERVAL]),
    ),
    st.integers(1, 144),
).map(lambda w: (w[0], min(w[1], LAST_INTERVAL + 1 - w[2]), w[2]))


def _pack(keys: list[tuple[bytes, int, int]]) -> tuple[bytes, list[int], list[int]]:
    return b"".join(k[0] for k in keys), [k[1] for k in keys], [k[2] for k in keys]


@settings(deadline=None, max_examples=50)
@given(keys=st.lists(windows, max_size=5), wrap=st.sampled_from([bytes, bytearray, memoryview]))
def test_derive_rpis_batch_equals_the_reference(
    keys: list[tuple[bytes, int, int]], wrap: Any
) -> None:
    require_native()
    teks, starts, periods = _pack(keys)
    expected = b"".join(b"".join(rpi.derive_rpis(*key)) for key in keys)
    assert fast.derive_rpis_batch(wrap(teks), starts, array("I", periods)) == expected


# --- (c) matching: native == reference ------------------------------------------------------------


@st.composite
def workloads(draw: st.DrawFn) -> tuple[bytes, list[int], list[int], bytes]:
    """Keys (some repeated), and an observed set of distinct RPIs: some true, most decoys."""
    keys = draw(st.lists(windows, max_size=6))
    repeat_one: bool = draw(st.booleans())
    if keys and repeat_one:
        keys.append(draw(st.sampled_from(keys)))  # the same key twice: one RPI, two hits
    true_rpis = [r for key in keys for r in rpi.derive_rpis(*key)]
    seen = draw(st.lists(st.sampled_from(true_rpis), max_size=20)) if true_rpis else []
    decoys = draw(st.lists(st.binary(min_size=16, max_size=16), max_size=60))
    observed = draw(st.permutations(list(dict.fromkeys(seen + decoys))))
    return (*_pack(keys), b"".join(observed))


@settings(deadline=None)
@given(workload=workloads())
def test_match_equals_reference_match(workload: tuple[bytes, list[int], list[int], bytes]) -> None:
    require_native()
    teks, starts, periods, observed = workload
    native = fast.match(teks, starts, periods, observed)
    reference = fast.reference_match(teks, starts, periods, observed)
    assert sorted(native) == sorted(reference)
    assert native == reference  # and in the same order: by key, then interval


def test_match_on_a_realistic_observed_set() -> None:
    require_native()
    rng = random.Random(7)
    keys = [(rng.randbytes(16), 2_650_032 + 144 * rng.randrange(-14, 1), 144) for _ in range(300)]
    teks, starts, periods = _pack(keys)
    planted = [
        rpi.derive_rpis(keys[k][0], keys[k][1], 144)[j] for k, j in [(3, 0), (150, 77), (299, 143)]
    ]
    observed_list = [rng.randbytes(16) for _ in range(20_000)]
    for position, value in zip([0, 12_345, 19_999], planted, strict=True):
        observed_list[position] = value
    observed = b"".join(observed_list)
    hits = fast.match(teks, starts, periods, observed)
    assert hits == fast.reference_match(teks, starts, periods, observed)
    assert [(k, i - starts[k], o) for k, i, o in hits] == [
        (3, 0, 0),
        (150, 77, 12_345),
        (299, 143, 19_999),
    ]


def test_match_survives_observed_rpis_built_to_collide() -> None:
    """Observed RPIs come off the air, so their bytes can be chosen: thousands sharing a prefix
    must still be found correctly (the native table hashes all 16 bytes with a secret seed)."""
    require_native()
    crafted = [bytes(8) + i.to_bytes(8, "little") for i in range(5_000)]
    crafted += [i.to_bytes(8, "little") + bytes(8) for i in range(1, 5_000)]
    observed = b"".join([*crafted[:2_500], VECTOR_RPIS[50], *crafted[2_500:], VECTOR_RPIS[0]])
    hits = fast.match(VECTOR_TEK, [VECTOR_START], [144], observed)
    assert hits == [(0, VECTOR_START, len(crafted) + 1), (0, VECTOR_START + 50, 2_500)]


def test_repeated_observed_rpi_reports_its_last_index_like_the_reference() -> None:
    require_native()
    observed = b"".join([VECTOR_RPIS[9], os.urandom(16), VECTOR_RPIS[9], VECTOR_RPIS[2]])
    hits = fast.match(VECTOR_TEK, [VECTOR_START], [144], observed)
    assert hits == fast.reference_match(VECTOR_TEK, [VECTOR_START], [144], observed)
    assert hits == [(0, VECTOR_START + 2, 3), (0, VECTOR_START + 9, 2)]


def test_match_from_threads_equals_one_call() -> None:
    """The GIL is released in the loop: concurrent calls must not share mutable state."""
    require_native()
    keys = [(os.urandom(16), VECTOR_START, 144) for _ in range(2_000)] + [
        (VECTOR_TEK, VECTOR_START, 144)
    ]
    teks, starts, periods = _pack(keys)
    observed = b"".join([*VECTOR_RPIS[::7], *(os.urandom(16) for _ in range(5_000))])
    whole = fast.match(teks, starts, periods, observed)

    def part(lo: int) -> list[fast.Hit]:
        hi = min(lo + 250, len(keys))
        found = fast.match(teks[16 * lo : 16 * hi], starts[lo:hi], periods[lo:hi], observed)
        return [(k + lo, interval, o) for k, interval, o in found]

    with ThreadPoolExecutor(max_workers=4) as pool:
        pieces = list(pool.map(part, range(0, len(keys), 250)))
    assert [hit for piece in pieces for hit in piece] == whole
    assert len(whole) == len(VECTOR_RPIS[::7])


def test_fallback_agrees_with_native(monkeypatch: pytest.MonkeyPatch) -> None:
    require_native()
    keys = [
        (VECTOR_TEK, VECTOR_START, 144),
        (os.urandom(16), 0, 1),
        (VECTOR_TEK, VECTOR_START + 100, 44),
    ]
    teks, starts, periods = _pack(keys)
    observed = b"".join([os.urandom(16), *VECTOR_RPIS[90:110]])
    native = (
        fast.match(teks, starts, periods, observed),
        fast.derive_rpis_batch(teks, starts, periods),
    )
    monkeypatch.setattr(fast, "NATIVE_AVAILABLE", False)
    fallback = (
        fast.match(teks, starts, periods, observed),
        fast.derive_rpis_batch(teks, starts, periods),
    )
    assert native == fallback
    assert len(native[0]) == 20 + 10


# --- (d) bad input --------------------------------------------------------------------------------

KEY = bytes(16)

BAD_WINDOWS = [
    pytest.param(bytes(15), [0], [144], id="teks-15-bytes"),
    pytest.param(bytes(33), [0, 0], [144, 144], id="teks-33-bytes"),
    pytest.param(KEY, [0], [0], id="period-0"),
    pytest.param(KEY, [0], [145], id="period-145"),
    pytest.param(KEY * 2, [0, 0], [144, 0], id="second-period-0"),
    pytest.param(KEY * 2, [0], [144, 144], id="fewer-starts-than-keys"),
    pytest.param(KEY, [0], [144, 144], id="more-periods-than-keys"),
    pytest.param(KEY, [], [], id="no-windows-for-a-key"),
    pytest.param(KEY, [-1], [144], id="negative-start"),
    pytest.param(KEY, [2**32], [1], id="start-past-32-bits"),
    pytest.param(KEY, [LAST_INTERVAL], [2], id="window-past-32-bits"),
    pytest.param(KEY, [0], [-144], id="negative-period"),
    pytest.param(KEY, ["0"], [144], id="str-start"),
    pytest.param(KEY, [0.0], [144], id="float-start"),
    pytest.param(KEY, [0], None, id="periods-none"),
    pytest.param("0" * 16, [0], [144], id="str-teks"),
    pytest.param(list(KEY), [0], [144], id="list-teks"),
    pytest.param(None, [0], [144], id="none-teks"),
    pytest.param(memoryview(KEY * 2)[::2], [0], [144], id="non-contiguous-teks"),
]


@pytest.mark.parametrize(("teks", "starts", "periods"), BAD_WINDOWS)
def test_bad_keys_or_windows_raise_invalid_key_error(
    backend: str, teks: Any, starts: Any, periods: Any
) -> None:
    with pytest.raises(InvalidKeyError):
        fast.match(teks, starts, periods, bytes(16))
    with pytest.raises(InvalidKeyError):
        fast.match(teks, starts, periods, b"")
    with pytest.raises(InvalidKeyError):
        fast.derive_rpis_batch(teks, starts, periods)


@pytest.mark.parametrize(
    "observed",
    [bytes(17), bytes(15), "0" * 16, list(bytes(16)), None, memoryview(bytes(64))[::2]],
    ids=["17-bytes", "15-bytes", "str", "list", "none", "non-contiguous"],
)
def test_bad_observed_raises_invalid_key_error(backend: str, observed: Any) -> None:
    with pytest.raises(InvalidKeyError):
        fast.match(KEY, [0], [144], observed)
    with pytest.raises(InvalidKeyError):
        fast.match(b"", [], [], observed)


def test_invalid_key_error_names_the_problem() -> None:
    require_native()
    with pytest.raises(InvalidKeyError, match=r"key 1: rolling period 145 is not in 1\.\.144"):
        fast.match(KEY * 2, [0, 0], [144, 145], b"")
    with pytest.raises(InvalidKeyError, match="multiple of 16"):
        fast.match(KEY, [0], [144], bytes(20))


def test_native_module_raises_value_error_on_its_own() -> None:
    """Direct callers of the extension get ValueError; only the wrapper speaks InvalidKeyError."""
    require_native()
    native = importlib.import_module("civitrace.en._native")
    one = (1).to_bytes(4, "little")
    with pytest.raises(ValueError, match="multiple of 16"):
        native.match(bytes(15), one, one, b"")
    with pytest.raises(ValueError, match="one little-endian uint32 per key"):
        native.derive_rpis(KEY, one * 2, one)
    with pytest.raises(ValueError, match="rolling period 0"):
        native.derive_rpis(KEY, one, bytes(4))
    with pytest.raises(TypeError):
        native.match("x" * 16, one, one, b"")


# --- (e) empty input ------------------------------------------------------------------------------


EMPTY_CASES = [
    pytest.param(b"", [], [], b"", id="nothing"),
    pytest.param(bytearray(), array("I"), (), memoryview(b""), id="nothing-other-types"),
    pytest.param(VECTOR_TEK, [VECTOR_START], [144], b"", id="nothing-observed"),
    pytest.param(b"", [], [], b"".join(VECTOR_RPIS), id="no-keys"),
    pytest.param(VECTOR_TEK, [VECTOR_START], [144], bytes(range(16)), id="only-a-decoy-observed"),
]


@pytest.mark.parametrize(("teks", "starts", "periods", "observed"), EMPTY_CASES)
def test_nothing_to_find_gives_no_hits(
    backend: str, teks: Any, starts: Any, periods: Any, observed: Any
) -> None:
    assert fast.match(teks, starts, periods, observed) == []


def test_no_keys_derive_no_rpis(backend: str) -> None:
    assert fast.derive_rpis_batch(b"", [], []) == b""
    assert fast.derive_rpis_batch(memoryview(b""), range(0), range(0)) == b""
