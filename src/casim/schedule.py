"""Scheduled shocks as per-step values of the parameters they change.

A timeline holds, for one parameter, its value at every step 0..T (one row
per run in a batch). Shocks of one parameter are applied in date order (file
order among shocks of the same date), so a later shock overrides from its
date on whatever file it came from:
``set`` holds the new value from its date on; ``ramp`` moves linearly from
the value in force before its date to the new value over ``over`` quarters;
``pulse`` holds the new value for ``over`` quarters, then the earlier
timeline resumes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .scenario import Scenario


def timelines(
    scenario: Scenario,
    values: Mapping[str, object] | None = None,
    batch: int | None = None,
) -> dict[str, np.ndarray]:
    """Per-step values ``(T+1,)`` or ``(T+1, batch)`` of every parameter a shock changes.

    ``values`` overrides base values and shock values (keys ``shocks.<id>.<path>``),
    each a scalar or one value per run.
    """
    values = {} if values is None else values
    T = scenario.steps
    lead = () if batch is None else (batch,)
    out: dict[str, np.ndarray] = {}
    for shock in sorted(scenario.shocks, key=lambda sh: sh.step):  # stable: file order within a date
        if shock.path not in out:
            base = values.get(shock.path, scenario.values[shock.path])
            out[shock.path] = np.broadcast_to(np.asarray(base, dtype=float), lead).copy()[None].repeat(T + 1, 0)
        tl = out[shock.path]
        x = np.asarray(values.get(shock.key, shock.value), dtype=float)
        t0 = shock.step
        if shock.kind == "set":
            tl[t0:] = x
        elif shock.kind == "pulse":
            tl[t0 : t0 + shock.over] = x
        else:  # ramp
            before = tl[t0 - 1].copy()
            for k in range(1, shock.over + 1):
                if t0 + k - 1 > T:
                    break
                tl[t0 + k - 1] = before + (x - before) * (k / shock.over)
            tl[t0 + shock.over :] = x
    return out


def changes(timeline: Mapping[str, np.ndarray]) -> list[list[str]]:
    """For each step, the parameters whose value differs from the step before (what to rewrite)."""
    if not timeline:
        return []
    T = next(iter(timeline.values())).shape[0] - 1
    steps: list[list[str]] = [[] for _ in range(T + 1)]
    for path, tl in timeline.items():
        diff = np.any((tl[1:] != tl[:-1]).reshape(T, -1), axis=1)
        for t in np.flatnonzero(diff) + 1:
            steps[t].append(path)
    return steps
