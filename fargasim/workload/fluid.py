"""Fluid queues of CPU work: Lindley's recursion, plain and with a ceiling (DESIGN.md §1).

The vectorized data plane keeps each service's CPU work as a fluid: in tick ``k`` work ``W_k``
arrives, capacity ``C_k`` is available, and the backlog is ``b_k = max(0, b_{k−1} + W_k − C_k)``.

* :func:`lindley` solves it for a whole window at once with cumulative sums: with
  ``S_k = Σ_{j≤k} x_j``, ``b_k = S_k − min(−b_0, min_{j≤k} S_j)``.
* :func:`lindley_capped` adds a ceiling ``B_k`` (clients that give up after ``timeoutSeconds``
  leave no more than ``timeout × capacity rate`` of work waiting; a ``queueLimit`` holds at most
  that many requests): ``b_k = min(B_k, max(0, b_{k−1} + x_k))``, and the work cut off by the
  ceiling is returned, to be counted as dropped requests. A doubly reflected walk has no
  cumulative-sum solution, so this one loops over the ticks (about 0.5 µs a tick).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def lindley(start: float, increments: FloatArray) -> FloatArray:
    """``b_k = max(0, b_{k−1} + x_k)`` for all ``k`` at once (``b_{−1} = start``)."""
    s = np.cumsum(increments)
    floor = np.minimum(np.minimum.accumulate(s), -start)
    return np.maximum(s - floor, 0.0)


def lindley_capped(
    start: float, increments: FloatArray, ceilings: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``b_k = min(B_k, max(0, b_{k−1} + x_k))`` and the work cut off at each tick."""
    n = increments.size
    backlog = np.empty(n)
    cut = np.zeros(n)
    b = start
    xs = increments.tolist()
    caps = ceilings.tolist()
    for k in range(n):
        b = b + xs[k]
        if b < 0.0:
            b = 0.0
        elif b > caps[k]:
            cut[k] = b - caps[k]
            b = caps[k]
        backlog[k] = b
    return backlog, cut
