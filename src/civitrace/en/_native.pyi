"""Types of the C extension ``civitrace.en._native`` (source: ``_native.c``).

Use it through :mod:`civitrace.en.fast`, which packs the arguments and raises
:class:`~civitrace.en.errors.InvalidKeyError`. Here every argument is a C-contiguous bytes-like
object: ``teks`` and ``observed`` are 16-byte records back to back, ``starts`` and ``periods``
one little-endian uint32 per key. Bad lengths, periods outside 1..144 and windows that pass the
last 32-bit interval number raise ``ValueError``; a non-contiguous or non-buffer argument raises
``TypeError``.
"""

from typing_extensions import Buffer

def match(
    teks: Buffer, starts: Buffer, periods: Buffer, observed: Buffer, /
) -> list[tuple[int, int, int]]:
    """(key index, interval number, observed index) per observed RPI, by key then interval."""

def derive_rpis(teks: Buffer, starts: Buffer, periods: Buffer, /) -> bytes:
    """Every RPI of every key back to back, key by key, interval by interval."""
