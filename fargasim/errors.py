"""The one error hierarchy of fargasim.

::

    FargasimError                 anything fargasim refuses; the CLI exits 2 on it
    ├── ScenarioError             a scenario that cannot be loaded (one or more located problems)
    ├── SimulationError           a valid scenario the engine cannot run (e.g. an engine not built yet)
    └── ResultError               a results directory that cannot be read back (``fargasim report``)

A :class:`ScenarioError` carries :class:`Problem` records, each rendered on one line as
``FILE:LINE:COL: path.to.field: message`` (DESIGN.md §6).
"""

from __future__ import annotations

from dataclasses import dataclass


class FargasimError(Exception):
    """Base class of every error fargasim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a scenario file.

    ``line`` and ``column`` are 1-based; 0 means "unknown" (the file as a whole).
    ``path`` is the dotted path of the offending field, e.g. ``services[0].desiredCount``.
    """

    file: str
    line: int
    column: int
    path: str
    message: str

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(FargasimError):
    """A scenario that cannot be loaded: one line per problem, sorted by position."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
        super().__init__("\n".join(p.render() for p in self.problems))


class SimulationError(FargasimError):
    """A valid scenario that the chosen engine cannot run."""


class ResultError(FargasimError):
    """A results directory that is missing files or holds files fargasim did not write."""
