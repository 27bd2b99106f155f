"""Test-suite settings.

Hypothesis runs derandomized by default, so the suite (and CI) tries the same examples every
time: a red run is reproducible, never a roll of the dice (ground rule: seeded tests). To hunt
for new counterexamples, run with ``HYPOTHESIS_PROFILE=explore`` (random, more examples).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
