"""The ensemble engine: many runs advanced together through the same kernel as the Mesa agents.

A batch of R runs is one set of arrays with a leading runs axis; each run has
its own parameter values and its own Generator (seeded like the Mesa model),
so run ``r`` of a batch equals the Mesa run with the same seed and values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from . import dynamics, schedule
from .errors import CasimError
from .scenario import Scenario
from .seeding import pcg64_states

DEFAULT_BATCH = 2048


def _noise(seeds: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Each run's standard normal draws for the whole horizon, from its own Generator."""
    out = np.empty((len(seeds), *shape))
    bits = np.random.PCG64()
    gen = np.random.Generator(bits)
    for r, state in enumerate(pcg64_states(seeds)):
        bits.state = state  # == default_rng(seed), the Mesa model's Generator
        gen.standard_normal(out=out[r])
    return out


def per_run(v: object) -> bool:
    """Whether a value is one per run (an array) rather than a scalar every run shares."""
    return bool(np.ndim(cast(ArrayLike, v)))


def _take(values: Mapping[str, object], lo: int, hi: int) -> dict[str, object]:
    return {k: (cast(np.ndarray, v)[lo:hi] if per_run(v) else v) for k, v in values.items()}


def simulate(
    scenario: Scenario,
    seeds: np.ndarray,
    values: Mapping[str, object] | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress=None,
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
        if progress is not None:
            progress(hi - lo)
    return out


def _full(x, shape: tuple[int, int, int]) -> np.ndarray:
    """``x`` materialised as a contiguous ``(runs, states, powers)`` array.

    Elementwise operations between contiguous arrays of one shape run several
    times faster than ones that broadcast ``(runs, 1, powers)`` against
    ``(runs, states, powers)``, and the kernel applies each coefficient at
    every step.
    """
    return np.ascontiguousarray(np.broadcast_to(x, shape))


def _coefficients(prm, masks, shape) -> tuple[dict, dict]:
    """Kernel coefficients, materialised to ``shape`` = (rows, states, powers) (ties: (rows, states, states))."""
    static = dynamics.static_terms(prm, masks)
    ties = static.pop("ties")
    static = {k: _full(v, shape) for k, v in static.items()}
    static["ties"] = np.ascontiguousarray(np.broadcast_to(ties, (*shape[:2], shape[1])))
    response = {k: _full(v, shape) for k, v in dynamics.response_terms(prm).items()}
    return static, response


def _expand(coefficients: dict, rows: np.ndarray | None) -> dict:
    """Coefficients per distinct parameter set -> per run (``rows`` None: one set per run already)."""
    return coefficients if rows is None else {k: v[rows] for k, v in coefficients.items()}


def _distinct(values: Mapping[str, object], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Runs that share every parameter value (replicates) share one row: (first run of each row, row of each run)."""
    varying = [np.asarray(cast(np.ndarray, v), dtype=float) for _, v in sorted(values.items()) if per_run(v)]
    if not varying:
        return np.array([0]), np.zeros(n, dtype=np.intp)
    _, first, inverse = np.unique(np.stack(varying, axis=1), axis=0, return_index=True, return_inverse=True)
    if len(first) == n:  # all distinct: keep the runs' own order
        return np.arange(n), np.arange(n)
    return first, inverse.reshape(-1)


def _spin_up(static: dict, n: int, shape: tuple[int, int, int]) -> np.ndarray:
    """The starting equilibrium: the fixed point of the start-date levers, no responses, no noise.

    Each run keeps the position at which it settled (as its Mesa model
    stops there); once a quarter of the runs still iterated have settled,
    they are dropped from the arrays so late iterations cost little.
    """
    out = _full(1.0 / shape[2], shape)
    active = np.arange(shape[0])  # runs still iterated (row r of A is run active[r])
    open_ = np.ones(shape[0], dtype=bool)  # per row of A: not yet settled
    A, zeros = out.copy(), _full(0.0, shape)
    for _ in range(n):
        new = dynamics.commit(
            A, dynamics.choose(dynamics.utility(static, A, zeros, zeros), None, static), static, spinup=True
        )
        done = dynamics.settled(A, new) & open_
        A = new
        if done.any():
            out[active[done]] = A[done]
            open_ &= ~done
            if not open_.any():
                return out
            if open_.sum() <= 0.75 * len(open_):
                active, A, zeros = active[open_], A[open_], zeros[open_]
                static = {k: v[open_] for k, v in static.items()}
                open_ = np.ones(len(active), dtype=bool)
    out[active[open_]] = A[open_]  # runs still moving after n iterations keep where they got
    return out


def _batch(scenario: Scenario, seeds: np.ndarray, values: dict[str, object]) -> np.ndarray:
    R = len(seeds)
    space = scenario.space
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    shape = (R, S, P)
    spinup = values.get("model.spinup", scenario.values["model.spinup"])
    if per_run(spinup):
        raise CasimError("model.spinup must be the same for every run of a batch (sweep it as an integer parameter)")
    # parameters live on the distinct rows only; `rows` expands them to runs
    first, rows = _distinct(values, R)
    values = {k: (cast(np.ndarray, v)[first] if per_run(v) else v) for k, v in values.items()}
    U = len(first)
    resolved = dict(scenario.values)
    resolved.update({k: v for k, v in values.items() if not k.startswith("shocks.")})
    vary = {k for k, v in values.items() if per_run(v) and not k.startswith("shocks.")}
    vary |= {shock.path for shock in scenario.shocks}
    arrays = space.arrays(resolved, batch=U, vary=vary)
    prm = dynamics.batch_view(arrays, space.state_fields)
    timeline = schedule.timelines(scenario, values, batch=U)
    changes = schedule.changes(timeline)

    # the starting equilibrium: a fixed point of the start-date levers, no responses, no noise
    per_set = (U, S, P)
    static_u, response_u = _coefficients(prm, space.masks, per_set)
    expand = None if U == R else rows
    static, response = _expand(static_u, expand), _expand(response_u, expand)
    A = _spin_up(static_u, int(cast(int, spinup)), (U, S, P))  # one whole number: checked above
    reference = A if expand is None else A[rows]
    A = reference
    engagement = coercion = _full(0.0, shape)
    noise = _noise(seeds, (T, S, P))

    traj = np.empty((T + 1, R, S, P))
    traj[0] = A
    for t in range(1, T + 1):
        if changes and changes[t]:
            for path in changes[t]:
                space.write(arrays, path, timeline[path][t])
            static_u, response_u = _coefficients(prm, space.masks, per_set)
            static, response = _expand(static_u, expand), _expand(response_u, expand)
        u = dynamics.utility(static, A, engagement, coercion)
        A = dynamics.commit(A, dynamics.choose(u, noise[:, t - 1], static), static)
        drift = A - reference
        engagement = dynamics.respond(engagement, drift, response["engage"], response["keep"])
        coercion = dynamics.respond(coercion, -drift, response["retain"], response["keep"])
        traj[t] = A
    return traj.transpose(1, 0, 2, 3)
