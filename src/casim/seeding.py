"""Per-run seeds spawned from one base seed with numpy's SeedSequence."""

from __future__ import annotations

import numpy as np


def run_seed(base: int, index: int) -> int:
    """The seed of run ``index``: child ``index`` of ``SeedSequence(base)``, as a 63-bit integer.

    It equals ``SeedSequence(base).spawn(n)[index]`` for any ``n > index``, so
    a run's seed does not depend on how the runs are split into chunks; and
    ``numpy.random.default_rng(seed)`` reproduces the run on its own.
    """
    hi, lo = np.random.SeedSequence(base, spawn_key=(index,)).generate_state(2, np.uint32)
    return int((int(hi) & 0x7FFFFFFF) << 32 | int(lo))


def run_seeds(base: int, n: int, start: int = 0) -> np.ndarray:
    """Seeds of runs ``start .. start + n - 1`` (int64)."""
    return np.array([run_seed(base, i) for i in range(start, start + n)], dtype=np.int64)
