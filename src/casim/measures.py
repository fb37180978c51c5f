"""Measures of an alignment: pure functions of arrays, used by tables, sweeps, analyses and the vote model."""

from __future__ import annotations

import numpy as np

from . import dynamics


def hedging(alignment: np.ndarray) -> np.ndarray:
    """Hedging index: normalised entropy of the alignment (1 = equidistant, 0 = wholly with one power)."""
    return dynamics.hedging(np.asarray(alignment, dtype=float))


def dominant(alignment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the largest share over the last axis and its margin over the second largest."""
    a = np.asarray(alignment, dtype=float)
    order = np.sort(a, axis=-1)
    return a.argmax(-1), order[..., -1] - order[..., -2]
