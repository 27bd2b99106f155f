"""Random draws addressed by item, so that drawing for one item or for a block of items at once
gives the same numbers (issue #6: the per-task and the bulk paths must agree exactly).

A :class:`KeyedStream` maps ``(ordinal, slot)`` — e.g. the 7th task a service launched, its
pull-overhead draw — to a uniform number in ``[0, 1)``. It is numpy's Philox4x64 counter-based
generator (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011) keyed by the
run seed and the stream's name: item ``i`` owns the counter blocks ``[i·b, (i+1)·b)`` (four
64-bit words each, ``b = ⌈slots/4⌉``), so its draws do not depend on which other items were
drawn, or in which order. Distributions are then applied by their inverse CDF
(:func:`fargasim.core.distributions.quantile`), which takes exactly one uniform per draw (a
uniform of 0, with chance 2⁻⁵³, gives the distribution's infimum: a zero-length duration).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_WORDS_PER_BLOCK = 4


class KeyedStream:
    """Uniforms addressed by ``(ordinal, slot)``, ``slot < slots``."""

    def __init__(self, seed: int, key: int, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"slots must be >= 1, got {slots}")
        state = np.random.SeedSequence(entropy=seed, spawn_key=(key,)).generate_state(2, np.uint64)
        self._key = state
        self.slots = slots
        self._blocks = math.ceil(slots / _WORDS_PER_BLOCK)

    @property
    def _width(self) -> int:
        """64-bit words per item."""
        return self._blocks * _WORDS_PER_BLOCK

    def _bits(self, start: int) -> np.random.Philox:
        """The generator positioned at item ``start``'s first counter block."""
        if start < 0:
            raise ValueError(f"negative item {start}")
        return np.random.Philox(key=self._key, counter=start * self._blocks)

    def rows(self, start: int, count: int) -> FloatArray:
        """The uniforms of items ``start … start + count − 1``: shape ``(count, slots)``."""
        if start < 0 or count < 0:
            raise ValueError(f"negative range: start {start}, count {count}")
        if count == 0:
            return np.empty((0, self.slots), dtype=np.float64)
        # One 64-bit word per double (numpy's next_double: the top 53 bits), in counter order.
        generator = np.random.Generator(self._bits(start))
        unit = generator.random(count * self._width).reshape(count, self._width)
        out: FloatArray = unit[:, : self.slots]
        return out

    def row(self, ordinal: int) -> FloatArray:
        """The uniforms of one item: shape ``(slots,)``."""
        row: FloatArray = self.rows(ordinal, 1)[0]
        return row

    def words(self, start: int, count: int) -> npt.NDArray[np.uint64]:
        """The raw 64-bit words of items ``start … start + count − 1``, ``(count, 4·b)`` (for
        identifiers that must look random)."""
        raw = self._bits(start).random_raw(count * self._width)
        return np.asarray(raw, dtype=np.uint64).reshape(count, self._width)


# Byte b → its two hex digits as UTF-32 code points packed in one little-endian uint64.
_HEX_PAIRS = np.array(
    [ord(f"{b:02x}"[0]) | ord(f"{b:02x}"[1]) << 32 for b in range(256)], dtype="<u8"
)


def hex_ids(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.str_]:
    """32-hex-digit identifiers (like ECS task ids) from the first two words of each row: each
    byte's two digits are looked up as code points and the rows viewed as ``U32`` strings (no
    per-id Python str)."""
    data = np.ascontiguousarray(words[:, :2]).view(np.uint8).reshape(-1, 16)
    ids: npt.NDArray[np.str_] = _HEX_PAIRS[data].view("<U32").reshape(-1)
    return ids
