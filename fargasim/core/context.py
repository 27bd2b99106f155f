"""The simulation context: a SimPy environment, named random streams and same-time ordering.

**Random streams.** Every model part draws from its own stream, named by a string
(``"startup/web"``, ``"arrivals/web"``). A stream's seed is derived from the run seed and a
stable hash of its name with :class:`numpy.random.SeedSequence`, so adding a policy or a service
never changes the draws of another part, and runs do not depend on Python's hash randomisation.

**Same-time order.** Events due at the same simulated time run in phase order (DESIGN.md §5):

1. ``STATE``     task and service state changes (SimPy's default priority)
2. ``METRICS``   metric publication
3. ``ALARMS``    alarm evaluation
4. ``SCALING``   scaling actions
5. ``SCHEDULER`` the service scheduler's reconciliation
6. ``SAMPLE``    output sampling, which therefore sees the settled state of each instant

Within a phase, events run in the order they were scheduled (SimPy's FIFO).
"""

from __future__ import annotations

import zlib
from collections.abc import Generator
from enum import IntEnum
from typing import Any, cast

import numpy as np
import simpy

from fargasim.core.keyed import KeyedStream


class Phase(IntEnum):
    """Priority of an event among those due at the same time (lower runs first)."""

    STATE = 1  # == simpy.events.NORMAL, so plain succeed()/timeout() events are state changes
    METRICS = 2
    ALARMS = 3
    SCALING = 4
    SCHEDULER = 5
    SAMPLE = 6


def stream_key(name: str) -> int:
    """A stable 32-bit key for a stream name (CRC-32; independent of PYTHONHASHSEED)."""
    return zlib.crc32(name.encode("utf-8"))


class Context:
    """What every model part shares: the clock, the random streams and the end time."""

    def __init__(self, seed: int, end_time: float) -> None:
        self.env = simpy.Environment()
        self.seed = seed
        self.end_time = end_time
        self._streams: dict[str, np.random.Generator] = {}
        self._keyed: dict[str, KeyedStream] = {}

    @property
    def now(self) -> float:
        return float(self.env.now)

    def rng(self, name: str) -> np.random.Generator:
        """The random stream called ``name`` (created on first use, then reused)."""
        stream = self._streams.get(name)
        if stream is None:
            sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(stream_key(name),))
            stream = np.random.Generator(np.random.PCG64(sequence))
            self._streams[name] = stream
        return stream

    def keyed(self, name: str, slots: int) -> KeyedStream:
        """The keyed stream called ``name`` (:mod:`fargasim.core.keyed`): draws addressed by item,
        the same whether items are drawn one at a time or in blocks."""
        stream = self._keyed.get(name)
        if stream is None:
            stream = self._keyed[name] = KeyedStream(self.seed, stream_key(name), slots)
        if stream.slots != slots:
            raise ValueError(f"keyed stream {name!r} has {stream.slots} slots, not {slots}")
        return stream

    def timeout(self, delay: float, phase: Phase = Phase.STATE) -> simpy.Event:
        """An event that fires ``delay`` seconds from now, in ``phase`` among same-time events."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        event = simpy.Event(self.env)
        event._ok = True
        event._value = None
        self.env.schedule(event, cast(Any, int(phase)), delay)
        return event

    def every(self, interval: float, phase: Phase) -> Generator[simpy.Event, Any, None]:
        """Events at ``interval``, ``2·interval``, … up to the end time, each in ``phase``.

        Times are multiples of ``interval`` (no drift from adding delays); yield each event
        from a process: ``for event in ctx.every(60, Phase.METRICS): yield event; ...``.
        """
        k = 1
        while k * interval <= self.end_time + 1e-9:
            yield self.timeout(k * interval - self.now, phase)
            k += 1

    def signal(self, phase: Phase) -> simpy.Event:
        """An untriggered event; :meth:`fire` triggers it in ``phase`` at the current time."""
        event = simpy.Event(self.env)
        event.phase = int(phase)  # type: ignore[attr-defined]
        return event

    def fire(self, event: simpy.Event) -> None:
        """Trigger a :meth:`signal` event now (idempotent)."""
        if event.triggered:
            return
        event._ok = True
        event._value = None
        self.env.schedule(event, cast(Any, getattr(event, "phase", int(Phase.STATE))), 0)

    def process(self, generator: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        return self.env.process(generator)
