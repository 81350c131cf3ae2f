"""Batched RPI derivation and lookup: the matching engine's hot loop.

A phone downloads hundreds of thousands of keys a day and must derive 144 RPIs for each, then
look every one up among the RPIs it observed. :mod:`civitrace.en._native` does this in C over
OpenSSL's libcrypto (AES-NI, SHA-NI); the pure-Python reference below defines the contract and
serves as the oracle in tests. Both return identical results.

Keys are passed packed (``16 * n`` bytes) with parallel sequences of rolling start numbers and
periods, so that no Python object per key is needed on the fast path.
"""

from collections.abc import Sequence

from civitrace.en.constants import KEY_LENGTH
from civitrace.en.errors import InvalidKeyError
from civitrace.en.rpi import derive_rpis

Hit = tuple[int, int, int]
"""(key index, interval number, index into the observed RPIs)."""


def _validate(teks: bytes, starts: Sequence[int], periods: Sequence[int], observed: bytes) -> None:
    if len(teks) % KEY_LENGTH or len(observed) % KEY_LENGTH:
        raise InvalidKeyError("packed keys and observed RPIs must be multiples of 16 bytes")
    n = len(teks) // KEY_LENGTH
    if len(starts) != n or len(periods) != n:
        raise InvalidKeyError("one rolling start and one rolling period are needed per key")


def reference_match(
    teks: bytes, starts: Sequence[int], periods: Sequence[int], observed: bytes
) -> list[Hit]:
    """Derive every RPI with :func:`derive_rpis` and look it up in a dict: slow but obvious."""
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
