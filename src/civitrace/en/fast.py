"""Batched RPI derivation and lookup: the matching engine's hot loop.

A phone downloads hundreds of thousands of keys a day and must derive 144 RPIs for each, then
look every one up among the RPIs it observed. :mod:`civitrace.en._native` does this in C over
OpenSSL's libcrypto (AES-NI, SHA-NI); the pure-Python reference below defines the contract and
serves as the oracle in tests. Both return identical results.

Keys are passed packed (``16 * n`` bytes) with parallel sequences of rolling start numbers and
periods, so that no Python object per key is needed on the fast path. The native code releases
the GIL, so a caller may split the keys into slices and match them on several threads.

When the extension was not built (a bare source tree), :func:`match` and
:func:`derive_rpis_batch` fall back to the reference: same answers, about 100 times slower.
:data:`NATIVE_AVAILABLE` says which one runs.
"""

import sys
from array import array
from collections.abc import Sequence

from civitrace.en.constants import KEY_LENGTH, MAX_ROLLING_PERIOD
from civitrace.en.errors import InvalidKeyError
from civitrace.en.rpi import derive_rpis

try:
    from civitrace.en import _native
except ImportError:  # not built: stay correct, only slower, and let callers see the flag
    NATIVE_AVAILABLE = False
else:
    NATIVE_AVAILABLE = True

__all__ = ["NATIVE_AVAILABLE", "BytesLike", "Hit", "derive_rpis_batch", "match", "reference_match"]

Hit = tuple[int, int, int]
"""(key index, interval number, index into the observed RPIs)."""

BytesLike = bytes | bytearray | memoryview
"""Packed 16-byte records; the native code reads any contiguous buffer without copying it."""

_BYTES_LIKE = (bytes, bytearray, memoryview)
_U32 = "I" if array("I").itemsize == 4 else "L"  # the array code of a C uint32 here
_INTERVALS = 2**32  # ENIntervalNumber is an unsigned 32-bit integer


def _validate(teks: bytes, starts: Sequence[int], periods: Sequence[int], observed: bytes) -> None:
    if len(teks) % KEY_LENGTH or len(observed) % KEY_LENGTH:
        raise InvalidKeyError("packed keys and observed RPIs must be multiples of 16 bytes")
    n = len(teks) // KEY_LENGTH
    if len(starts) != n or len(periods) != n:
        raise InvalidKeyError("one rolling start and one rolling period are needed per key")


def reference_match(
    teks: bytes, starts: Sequence[int], periods: Sequence[int], observed: bytes
) -> list[Hit]:
    """Derive every RPI with :func:`derive_rpis` and look it up in a dict: slow but obvious.

    Hits come by key, then interval. A repeated observed RPI reports its last index, as the
    dict keeps the last value; the native code does the same.
    """
    _validate(teks, starts, periods, observed)
    index = {observed[i : i + KEY_LENGTH]: i // KEY_LENGTH for i in range(0, len(observed), 16)}
    hits: list[Hit] = []
    for k in range(len(starts)):
        tek = teks[k * KEY_LENGTH : (k + 1) * KEY_LENGTH]
        for offset, rpi in enumerate(derive_rpis(tek, starts[k], periods[k])):
            found = index.get(rpi)
            if found is not None:
                hits.append((k, starts[k] + offset, found))
    return hits


def match(
    teks: BytesLike, starts: Sequence[int], periods: Sequence[int], observed: BytesLike
) -> list[Hit]:
    """Every (key index, interval number, observed index) whose derived RPI was observed.

    ``teks`` holds ``n`` keys of 16 bytes back to back, ``starts`` and ``periods`` one rolling
    start interval number and one rolling period (1..144) per key, ``observed`` the device's
    distinct observed RPIs back to back. Hits come by key, then interval, exactly as
    :func:`reference_match` lists them. Bad input raises :class:`InvalidKeyError`.
    """
    packed_starts, packed_periods = _pack_windows(teks, starts, periods)
    _require_bytes_like("observed", observed)
    if not NATIVE_AVAILABLE:
        _check_windows(starts, periods)
        return reference_match(bytes(teks), starts, periods, bytes(observed))
    try:
        return _native.match(teks, packed_starts, packed_periods, observed)
    except (ValueError, TypeError, BufferError) as exc:
        raise InvalidKeyError(str(exc)) from exc


def derive_rpis_batch(teks: BytesLike, starts: Sequence[int], periods: Sequence[int]) -> bytes:
    """All RPIs of all keys back to back (16 bytes each), key by key, interval by interval.

    The batched form of :func:`civitrace.en.rpi.derive_rpis`, for tests and for the BLE side,
    which needs a day of its own RPIs at once. Arguments as for :func:`match`.
    """
    packed_starts, packed_periods = _pack_windows(teks, starts, periods)
    if not NATIVE_AVAILABLE:
        raw = bytes(teks)  # a memoryview's len() and slices count items, not bytes
        _validate(raw, starts, periods, b"")
        _check_windows(starts, periods)
        return b"".join(
            b"".join(derive_rpis(raw[16 * k : 16 * k + 16], starts[k], periods[k]))
            for k in range(len(starts))
        )
    try:
        return _native.derive_rpis(teks, packed_starts, packed_periods)
    except (ValueError, TypeError, BufferError) as exc:
        raise InvalidKeyError(str(exc)) from exc


def _require_bytes_like(name: str, value: object) -> None:
    """Refuse str, lists of ints and the like up front, with a message naming the argument.

    Non-contiguous memoryviews are refused here too, so that both paths agree: the reference
    would copy one, the native code cannot read it in place.
    """
    if not isinstance(value, _BYTES_LIKE):
        raise InvalidKeyError(
            f"{name} must be bytes, bytearray or memoryview, not {type(value).__name__}"
        )
    if isinstance(value, memoryview) and not value.c_contiguous:
        raise InvalidKeyError(f"{name} must be a contiguous buffer")


def _pack_windows(
    teks: object, starts: Sequence[int], periods: Sequence[int]
) -> tuple["array[int]", "array[int]"]:
    """Starts and periods as the native contract wants them: little-endian uint32 arrays.

    Packing is a single C-level pass and checks that every value is an integer in 0..2**32-1
    on the way; the native side checks the counts, the period range and overflow.
    """
    _require_bytes_like("teks", teks)
    return _pack_u32("starts", starts), _pack_u32("periods", periods)


def _pack_u32(name: str, values: Sequence[int]) -> "array[int]":
    try:
        packed = array(_U32, values)
    except (TypeError, OverflowError) as exc:
        raise InvalidKeyError(f"{name} must be integers in 0..2**32-1 ({exc})") from exc
    if sys.byteorder == "big":
        packed.byteswap()
    return packed


def _check_windows(starts: Sequence[int], periods: Sequence[int]) -> None:
    """What the native code checks per key, for the fallback path (same messages)."""
    for key, (start, period) in enumerate(zip(starts, periods, strict=False)):
        if not 1 <= period <= MAX_ROLLING_PERIOD:
            raise InvalidKeyError(f"key {key}: rolling period {period} is not in 1..144")
        if start + period > _INTERVALS:
            raise InvalidKeyError(
                f"key {key}: rolling start {start} + period {period} passes the last 32-bit "
                "interval number"
            )
