"""The simulation core: clock, random streams, same-time ordering (DESIGN.md §5)."""

from fargasim.core.context import Context, Phase

__all__ = ["Context", "Phase"]
