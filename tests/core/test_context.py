"""The simulation context: same-time phase order and named random streams (DESIGN.md §5).

DESIGN.md §5: "Same-time events have a documented order (state changes → metric publication →
alarm evaluation → scaling actions → scheduler) and a test pins it." and "Each model part draws
from its own named stream, so changing a policy does not change the traffic."
"""

from __future__ import annotations

import binascii
import json
import os
import subprocess
import sys
from collections.abc import Generator
from typing import Any

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from fargasim.core import Context, Phase
from fargasim.core.context import stream_key

#: The order DESIGN.md §5 documents, then output sampling last (context.py docstring).
DOCUMENTED_ORDER = [
    Phase.STATE,
    Phase.METRICS,
    Phase.ALARMS,
    Phase.SCALING,
    Phase.SCHEDULER,
    Phase.SAMPLE,
]


def _record_at(ctx: Context, when: float, phases: list[Phase]) -> list[tuple[float, Phase]]:
    """Schedule one timeout per phase (in the given order), all due at ``when``; run; return the
    order in which they fired."""
    fired: list[tuple[float, Phase]] = []
    for phase in phases:
        event = ctx.timeout(when, phase)
        event.callbacks.append(lambda _e, p=phase: fired.append((ctx.now, p)))
    ctx.env.run()
    return fired


def test_phase_enum_is_the_documented_order() -> None:
    """DESIGN.md §5: state changes → metrics → alarms → scaling → scheduler (then sampling)."""
    assert sorted(Phase) == DOCUMENTED_ORDER
    # Plain SimPy events (timeouts, succeed()) are state changes.
    assert int(Phase.STATE) == simpy.events.NORMAL


def test_same_time_events_run_in_phase_order_when_scheduled_in_reverse() -> None:
    """DESIGN.md §5: events due at the same time run in phase order, not scheduling order."""
    ctx = Context(seed=0, end_time=100)
    fired = _record_at(ctx, 5.0, list(reversed(DOCUMENTED_ORDER)))
    assert fired == [(5.0, p) for p in DOCUMENTED_ORDER]


@settings(max_examples=60, deadline=None)
@given(st.permutations(DOCUMENTED_ORDER * 2))
def test_same_time_order_for_any_scheduling_order(order: list[Phase]) -> None:
    """DESIGN.md §5: whatever order the events were scheduled in, they fire sorted by phase;
    within one phase in scheduling order (FIFO, context.py docstring)."""
    ctx = Context(seed=0, end_time=100)
    fired: list[tuple[Phase, int]] = []
    for index, phase in enumerate(order):
        event = ctx.timeout(7.5, phase)
        event.callbacks.append(lambda _e, p=phase, i=index: fired.append((p, i)))
    ctx.env.run()
    # Brute force: a stable sort by phase of the scheduling order.
    expected = sorted(((p, i) for i, p in enumerate(order)), key=lambda pair: int(pair[0]))
    assert fired == expected


def test_time_comes_before_phase() -> None:
    """An earlier event runs first even if its phase is later (phases only break ties)."""
    ctx = Context(seed=0, end_time=100)
    fired: list[tuple[float, Phase]] = []
    for when, phase in [(2.0, Phase.STATE), (1.0, Phase.SAMPLE), (2.0, Phase.SCHEDULER)]:
        event = ctx.timeout(when, phase)
        event.callbacks.append(lambda _e, p=phase: fired.append((ctx.now, p)))
    ctx.env.run()
    assert fired == [(1.0, Phase.SAMPLE), (2.0, Phase.STATE), (2.0, Phase.SCHEDULER)]


def test_processes_at_several_phases_interleave_by_phase() -> None:
    """Processes that wake at the same instant in different phases see each other's effects in
    phase order: the scheduler sees the state change, the sampler sees the scheduler's action."""
    ctx = Context(seed=0, end_time=100)
    seen: dict[str, Any] = {"state": 0}
    log: list[str] = []

    def sampler() -> Generator[simpy.Event, Any, None]:
        yield ctx.timeout(10, Phase.SAMPLE)
        log.append(f"sample sees state={seen['state']}")

    def scheduler() -> Generator[simpy.Event, Any, None]:
        yield ctx.timeout(10, Phase.SCHEDULER)
        log.append(f"scheduler sees state={seen['state']}")
        seen["state"] = 2

    def metrics() -> Generator[simpy.Event, Any, None]:
        yield ctx.timeout(10, Phase.METRICS)
        log.append(f"metrics sees state={seen['state']}")

    def task() -> Generator[simpy.Event, Any, None]:
        yield ctx.timeout(4)  # STATE, and due at 10 too after a second wait
        yield ctx.timeout(6)
        seen["state"] = 1
        log.append("state change")

    # Scheduled deliberately in the reverse of the documented order.
    for proc in (sampler, scheduler, metrics, task):
        ctx.process(proc())
    ctx.env.run()
    assert log == [
        "state change",
        "metrics sees state=1",
        "scheduler sees state=1",
        "sample sees state=2",
    ]


def test_signal_fires_in_its_own_phase() -> None:
    """A SCHEDULER signal fired by a state change runs after every same-time event of an earlier
    phase and before the SAMPLE phase (DESIGN.md §5)."""
    ctx = Context(seed=0, end_time=100)
    log: list[str] = []
    signal = ctx.signal(Phase.SCHEDULER)
    signal.callbacks.append(lambda _e: log.append(f"scheduler@{ctx.now}"))

    def state_change() -> Generator[simpy.Event, Any, None]:
        yield ctx.timeout(3)
        ctx.fire(signal)
        ctx.fire(signal)  # idempotent: a second fire does not run it twice
        log.append("state@3.0")

    ctx.process(state_change())
    for phase in (Phase.SAMPLE, Phase.SCALING, Phase.ALARMS):
        event = ctx.timeout(3, phase)
        event.callbacks.append(lambda _e, p=phase: log.append(f"{p.name.lower()}@{ctx.now}"))
    ctx.env.run()
    assert log == ["state@3.0", "alarms@3.0", "scaling@3.0", "scheduler@3.0", "sample@3.0"]


def test_negative_delay_is_refused() -> None:
    ctx = Context(seed=0, end_time=10)
    with pytest.raises(ValueError, match="negative"):
        ctx.timeout(-1.0)


def test_now_is_a_float() -> None:
    ctx = Context(seed=0, end_time=10)
    ctx.timeout(2, Phase.SAMPLE)
    ctx.env.run()
    assert ctx.now == 2.0 and isinstance(ctx.now, float)


# -- named random streams --------------------------------------------------------------------


def _draws(ctx: Context, name: str, n: int = 8) -> np.ndarray:
    return ctx.rng(name).random(n)


def test_stream_is_reused_not_recreated() -> None:
    ctx = Context(seed=5, end_time=10)
    assert ctx.rng("startup/web") is ctx.rng("startup/web")


def test_streams_do_not_depend_on_creation_order() -> None:
    """DESIGN.md §5: a stream's draws depend on the seed and its name only, so adding a model part
    (a new stream created first) never changes another part's draws."""
    first = Context(seed=11, end_time=10)
    a1 = _draws(first, "arrivals/web")
    b1 = _draws(first, "startup/web")

    second = Context(seed=11, end_time=10)
    second.rng("some/new/policy").random(1000)  # a part that did not exist before
    b2 = _draws(second, "startup/web")
    a2 = _draws(second, "arrivals/web")
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)


def test_draws_on_one_stream_do_not_shift_another() -> None:
    """Interleaving draws across streams does not change any stream's own sequence."""
    ctx = Context(seed=2, end_time=10)
    interleaved = []
    for _ in range(5):
        interleaved.append(ctx.rng("a").random())
        ctx.rng("b").random(17)
    alone = Context(seed=2, end_time=10).rng("a").random(5)
    np.testing.assert_array_equal(np.array(interleaved), alone)


def test_same_seed_reproduces_and_different_seed_or_name_differs() -> None:
    same = [_draws(Context(seed=42, end_time=1), "arrivals/web") for _ in range(2)]
    np.testing.assert_array_equal(same[0], same[1])
    other_seed = _draws(Context(seed=43, end_time=1), "arrivals/web")
    other_name = _draws(Context(seed=42, end_time=1), "arrivals/api")
    assert not np.array_equal(same[0], other_seed)
    assert not np.array_equal(same[0], other_name)


def test_many_names_give_distinct_streams() -> None:
    """Different names differ: 200 service-like names, first draws all distinct."""
    ctx = Context(seed=1, end_time=1)
    names = [f"{part}/svc{i}" for part in ("startup", "arrivals") for i in range(100)]
    firsts = {float(ctx.rng(name).random()) for name in names}
    assert len(firsts) == len(names)


def test_stream_key_is_crc32_of_the_name() -> None:
    """The key is a stable CRC-32 (checked against binascii's independent implementation)."""
    for name in ["", "startup/web", "arrivals/äöü", "x" * 300]:
        assert stream_key(name) == binascii.crc32(name.encode("utf-8"))


def test_streams_do_not_depend_on_python_hash_seed() -> None:
    """Runs must not depend on PYTHONHASHSEED (context.py docstring, DESIGN.md §5)."""
    code = (
        "import json; from fargasim.core import Context; "
        "c = Context(seed=9, end_time=1); "
        "print(json.dumps([c.rng(n).random() for n in ('b', 'a', 'startup/web')]))"
    )
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.append(json.loads(proc.stdout))
    assert outputs[0] == outputs[1]
    here = Context(seed=9, end_time=1)
    assert outputs[0] == [here.rng(n).random() for n in ("b", "a", "startup/web")]
