"""Random draws addressed by item, so that drawing for one item or for a block of items at once
gives the same numbers (issue #6: the per-task and the bulk paths must agree exactly).

A :class:`KeyedStream` maps ``(ordinal, slot)`` — e.g. the 7th task a service launched, its
pull-overhead draw — to a uniform number in ``(0, 1)``. It is numpy's Philox4x64 counter-based
generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011) keyed by the
run seed and the stream's name: item ``i`` owns the counter blocks ``[i·b, (i+1)·b)`` (four
64-bit words each, ``b = ⌈slots/4⌉``), so its draws do not depend on which other items were
drawn, or in which order. Distributions are then applied by their inverse CDF
(:func:`fargasim.core.distributions.quantile`), which takes exactly one uniform per draw.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_WORDS_PER_BLOCK = 4
_TO_UNIT = 2.0**-53


def _to_unit(words: npt.NDArray[np.uint64]) -> FloatArray:
    """53-bit uniforms strictly inside ``(0, 1)`` (the midpoint of each 2⁻⁵³ cell), so that an
    inverse CDF never sees 0 or 1."""
    top = (words >> np.uint64(11)).astype(np.float64)
    unit: FloatArray = (top + 0.5) * _TO_UNIT
    return unit


class KeyedStream:
    """Uniforms addressed by ``(ordinal, slot)``, ``slot < slots``."""

    def __init__(self, seed: int, key: int, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"slots must be >= 1, got {slots}")
        state = np.random.SeedSequence(entropy=seed, spawn_key=(key,)).generate_state(2, np.uint64)
        self._key = state
        self.slots = slots
        self._blocks = math.ceil(slots / _WORDS_PER_BLOCK)

    def rows(self, start: int, count: int) -> FloatArray:
        """The uniforms of items ``start … start + count − 1``: shape ``(count, slots)``."""
        if start < 0 or count < 0:
            raise ValueError(f"negative range: start {start}, count {count}")
        width = self._blocks * _WORDS_PER_BLOCK
        if count == 0:
            return np.empty((0, self.slots), dtype=np.float64)
        generator = np.random.Philox(key=self._key, counter=start * self._blocks)
        words = generator.random_raw(count * width)
        used = np.asarray(words, dtype=np.uint64).reshape(count, width)[:, : self.slots]
        return _to_unit(used)

    def row(self, ordinal: int) -> FloatArray:
        """The uniforms of one item: shape ``(slots,)``."""
        row: FloatArray = self.rows(ordinal, 1)[0]
        return row

    def words(self, start: int, count: int) -> npt.NDArray[np.uint64]:
        """The raw 64-bit words of items ``start … start + count − 1``, ``(count, 4·b)`` (for
        identifiers that must look random)."""
        width = self._blocks * _WORDS_PER_BLOCK
        generator = np.random.Philox(key=self._key, counter=start * self._blocks)
        return np.asarray(generator.random_raw(count * width), dtype=np.uint64).reshape(
            count, width
        )


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).astype(np.uint32)


def hex_ids(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.str_]:
    """32-hex-digit identifiers (like ECS task ids) from the first two words of each row: the
    16 bytes' nibbles become the code points of a ``U32`` array directly (no per-id str)."""
    data = np.ascontiguousarray(words[:, :2]).view(np.uint8).reshape(-1, 16)
    digits = np.empty((data.shape[0], 32), dtype=np.uint32)
    digits[:, 0::2] = _HEX_DIGITS[data >> 4]
    digits[:, 1::2] = _HEX_DIGITS[data & 0x0F]
    ids: npt.NDArray[np.str_] = digits.view("U32").reshape(-1)
    return ids
