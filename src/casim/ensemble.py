"""The ensemble engine: many runs advanced together through the same kernel as the Mesa agents.

A batch of R runs is one set of arrays with a leading runs axis; each run has
its own parameter values and its own Generator (seeded like the Mesa model),
so run ``r`` of a batch equals the Mesa run with the same seed and values.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import dynamics, schedule
from .model import masks
from .scenario import Scenario

DEFAULT_BATCH = 2048


def _noise(seeds: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Each run's standard normal draws for the whole horizon, from its own Generator."""
    out = np.empty((len(seeds), *shape))
    for r, seed in enumerate(seeds):
        out[r] = np.random.default_rng(int(seed)).standard_normal(shape)
    return out


def _take(values: Mapping[str, object], lo: int, hi: int) -> dict[str, object]:
    return {k: (v[lo:hi] if np.ndim(v) else v) for k, v in values.items()}


def simulate(
    scenario: Scenario,
    seeds: np.ndarray,
    values: Mapping[str, object] | None = None,
    batch_size: int = DEFAULT_BATCH,
) -> np.ndarray:
    """Alignment trajectories ``(runs, steps + 1, states, powers)``.

    ``values`` maps parameter paths (and ``shocks.<id>.<path>``) to a scalar or
    one value per run; runs are processed ``batch_size`` at a time.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    values = dict(values or {})
    n = len(seeds)
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    out = np.empty((n, T + 1, S, P))
    for lo in range(0, n, batch_size):
        hi = min(n, lo + batch_size)
        out[lo:hi] = _batch(scenario, seeds[lo:hi], _take(values, lo, hi))
    return out


def _batch(scenario: Scenario, seeds: np.ndarray, values: dict[str, object]) -> np.ndarray:
    R = len(seeds)
    space = scenario.space
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    spinup = values.get("model.spinup", scenario.values["model.spinup"])
    if np.ndim(spinup):
        raise ValueError("model.spinup must be the same for every run of a batch")
    resolved = dict(scenario.values)
    resolved.update({k: v for k, v in values.items() if not k.startswith("shocks.")})
    arrays = space.arrays(resolved, batch=R)
    prm = dynamics.batch_view(arrays, space.state_fields)
    timeline = schedule.timelines(scenario, values, batch=R)
    changes = schedule.changes(timeline)
    econ_mask, security_mask = masks(space.channels, space.data.economic_channels)

    A = np.full((R, S, P), 1.0 / P)
    engagement = np.zeros((R, S, P))
    coercion = np.zeros((R, S, P))
    for _ in range(int(spinup)):
        u = dynamics.utility(prm, A[:, None], engagement, coercion, econ_mask, security_mask)
        A = dynamics.commit(A, dynamics.choose(u, None, prm), prm, 1.0)
    reference = A.copy()
    noise = _noise(seeds, (T, S, P))

    traj = np.empty((R, T + 1, S, P))
    traj[:, 0] = A
    for t in range(1, T + 1):
        for path in changes[t] if changes else ():
            space.write(arrays, path, timeline[path][t])
        u = dynamics.utility(prm, A[:, None], engagement, coercion, econ_mask, security_mask)
        A = dynamics.commit(A, dynamics.choose(u, noise[:, t - 1], prm), prm)
        drift = A - reference
        scale = dynamics.stability(prm)[..., None] ** prm["stability_seeking"]
        engagement = dynamics.respond(engagement, drift, prm["engage"], prm["response_decay"], scale)
        coercion = dynamics.respond(coercion, -drift, prm["retain"], prm["response_decay"])
        traj[:, t] = A
    return traj
