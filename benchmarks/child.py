"""One measurement in a fresh process, for the memory benchmarks (B2, B4): ``python
benchmarks/child.py KIND ARG`` prints one JSON line with ``wall`` (seconds of ``simulate``),
``maxrss`` (the process's peak resident set size, bytes) and what the run produced.

Kinds: ``week DAYS`` (B2's scenario cut to DAYS days), ``batch N`` (B1's batch of N tasks),
``empty`` (a scenario that runs one task for a minute: the interpreter, imports and fixed costs).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def peak_rss() -> int:
    """This process's peak resident set size, in bytes.

    On Linux it is ``VmHWM`` of /proc/self/status: the high-water mark of this program's own
    memory. ``ru_maxrss`` would not do: Linux carries it across ``fork`` and ``execve``, so a
    child of a parent that had grown to 1 GB (B1 at 10^6 tasks) reported 1 GB whatever it ran.
    Elsewhere, ``ru_maxrss`` (KiB on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure(kind: str, arg: str) -> dict[str, Any]:
    import fargasim
    from benchmarks import b1_bulk, b2_week
    from fargasim.scenario.loader import load_scenario_text

    if kind == "week":
        return b2_week.measure(float(arg))
    if kind == "batch":
        sc = b1_bulk.scenario(int(arg))
    elif kind == "empty":
        doc = b1_bulk.scenario_doc(1)  # one batch task, cut after a minute
        doc.update(duration=60)
        sc = load_scenario_text(json.dumps(doc), "empty.json")
    else:
        raise SystemExit(f"unknown kind {kind!r}: week, batch or empty")
    start = time.perf_counter()
    fargasim.simulate(sc)
    return {"wall": time.perf_counter() - start}


def main() -> None:
    kind, arg = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    record = measure(kind, arg)
    record["maxrss"] = peak_rss()
    print(json.dumps(record))


if __name__ == "__main__":
    main()
