"""Fluid queues: Lindley's recursion with and without a ceiling, against a direct loop."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.workload.fluid import lindley, lindley_capped


def direct(start: float, xs: list[float], caps: list[float] | None) -> tuple[list[float], float]:
    b, out, cut = start, [], 0.0
    for k, x in enumerate(xs):
        b = max(0.0, b + x)
        if caps is not None and b > caps[k]:
            cut += b - caps[k]
            b = caps[k]
        out.append(b)
    return out, cut


def test_hand_case() -> None:
    """Start 1; increments +2, −4, +3, +5 with ceiling 4: 3, 0, 3, 4 (1 cut at the last tick)."""
    backlog, cut = lindley_capped(1.0, np.array([2.0, -4.0, 3.0, 5.0]), np.full(4, 4.0))
    assert backlog.tolist() == [3.0, 0.0, 3.0, 4.0]
    assert cut.tolist() == [0.0, 0.0, 0.0, 4.0]


@settings(max_examples=200, deadline=None)
@given(
    start=st.floats(0, 100),
    xs=st.lists(st.floats(-50, 50), min_size=1, max_size=60),
    cap=st.floats(0, 200),
)
def test_both_match_the_direct_loop(start: float, xs: list[float], cap: float) -> None:
    expected, _ = direct(start, xs, None)
    assert np.allclose(lindley(start, np.array(xs)), expected, atol=1e-7)
    capped_expected, cut_expected = direct(min(start, cap), xs, [cap] * len(xs))
    backlog, cut = lindley_capped(min(start, cap), np.array(xs), np.full(len(xs), cap))
    assert np.allclose(backlog, capped_expected, atol=1e-9)
    assert abs(float(cut.sum()) - cut_expected) < 1e-7


def test_an_unreachable_ceiling_changes_nothing() -> None:
    rng = np.random.default_rng(1)
    xs = rng.normal(0.0, 3.0, 500)
    backlog, cut = lindley_capped(2.0, xs, np.full(500, 1e12))
    assert np.allclose(backlog, lindley(2.0, xs)) and not cut.any()
