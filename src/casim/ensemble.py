"""The ensemble engine: many runs advanced together through the same kernel as the Mesa agents.

A batch of R runs is one set of arrays with a leading runs axis; each run has
its own parameter values and its own Generator (seeded like the Mesa model),
so run ``r`` of a batch equals the Mesa run with the same seed and values.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator, Mapping
from importlib import metadata
from typing import cast

import numpy as np
from numpy.typing import ArrayLike

from . import dynamics, schedule
from .errors import CasimError
from .scenario import Scenario
from .seeding import pcg64_states

DEFAULT_BATCH = 2048
KERNELS = ("fused", "numpy")


@functools.cache  # what is installed does not change while casim runs; reading the metadata costs ~0.2 ms a call
def _numba_version() -> str | None:
    """numba's version where it is installed (read from its metadata: no import), else None."""
    try:
        return metadata.version("numba")
    except metadata.PackageNotFoundError:
        return None


# Below this much work (runs x quarters) the numpy kernel runs by default even where numba is
# installed: loading numba and the fused kernel's cached machine code costs ~1.3 s once per
# process, and the fused kernel saves ~1.1 us a run-quarter (920k against 450k run-quarters/s,
# benchmarks/bench_kernels.py, 2026-12-01), so it pays from about 1.2M run-quarters.
FUSED_MIN_WORK = 1_000_000


def kernel(requested: str | None = None, work: int | None = None) -> tuple[str, str]:
    """The kernel that runs, and why: ``(name, reason)``.

    ``requested`` (else the ``CASIM_KERNEL`` environment variable) forces one;
    by default the fused kernel (:mod:`casim.fused`) runs where numba is
    installed (``pip install 'casim[fast]'``) and the whole job (``work``:
    runs x quarters, when the caller knows it) is at least FUSED_MIN_WORK,
    and the numpy kernel elsewhere. The choice depends on the job only, never
    on what ran before in the process. Both give the same numbers to ~1e-15.
    """
    why = "asked for"
    if not requested and os.environ.get("CASIM_KERNEL"):
        requested = os.environ["CASIM_KERNEL"]
        why = f"CASIM_KERNEL={requested}"
    if requested not in (None, "", *KERNELS):
        raise CasimError(f"unknown kernel {requested!r} (CASIM_KERNEL); valid: {', '.join(KERNELS)}")
    if requested == "numpy":
        return "numpy", why
    missing = "numba not installed"
    if _numba_version() is not None:
        if not requested and work is not None and work < FUSED_MIN_WORK:  # decided before numba is imported
            return "numpy", f"a small job ({work:,} run-quarters): numba's start-up would cost more than it saves"
        from . import fused  # imports numba (~0.4 s); its first run loads the cached machine code (~0.9 s)

        if fused.AVAILABLE:
            return "fused", f"numba {fused.VERSION}"
        missing = "numba installed but not importable"
    if requested == "fused":
        raise CasimError(f"the fused kernel needs numba ({missing}): pip install 'casim[fast]'")
    return "numpy", missing


def describe_kernel(work: int | None = None) -> str:
    """One line for ``--verbose`` output: the kernel that runs a job of ``work`` run-quarters, and why (e.g.
    ``kernel: numpy (numba not installed)``)."""
    name, reason = kernel(work=work)
    return f"kernel: {name} ({reason})"


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
    kernel_name: str | None = None,
    work: int | None = None,
) -> np.ndarray:
    """Alignment trajectories ``(runs, steps + 1, states, powers)``.

    ``values`` maps parameter paths (and ``shocks.<id>.<path>``) to a scalar or
    one value per run; runs are processed ``batch_size`` at a time by the
    ``kernel_name`` kernel (default: :func:`kernel`'s choice for ``work``
    run-quarters, by default this call's; both give the same numbers to ~1e-15).
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    values = dict(values or {})
    n = len(seeds)
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    fused = kernel(kernel_name, n * T if work is None else work)[0] == "fused"
    out = np.empty((n, T + 1, S, P))
    for lo in range(0, n, batch_size):
        hi = min(n, lo + batch_size)
        if fused:
            _fused_batch(scenario, seeds[lo:hi], _take(values, lo, hi), out[lo:hi])
        else:
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


def _materialise(terms: tuple[Mapping, Mapping], shape) -> tuple[dict, dict]:
    """Kernel coefficients ``(static, response)``, materialised to ``shape`` = (rows, states, powers) (ties: (rows,
    states, states))."""
    static, response = dict(terms[0]), terms[1]
    ties = static.pop("ties")
    static = {k: _full(v, shape) for k, v in static.items()}
    static["ties"] = np.ascontiguousarray(np.broadcast_to(ties, (*shape[:2], shape[1])))
    response = {k: _full(v, shape) for k, v in response.items()}
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


def _setup(scenario: Scenario, values: dict[str, object], R: int):
    """What both kernels need: ``(rows, U, spinup, steps, sets)``.

    Parameters live on the ``U`` distinct rows only; ``rows`` expands them to
    runs (None: one row per run already). ``sets`` yields the coefficients
    ``(static, response)`` per row (dynamics.static_terms and response_terms,
    not yet broadcast to ``(U, S, P)``): those of the start, then those in
    force from each of ``steps``, the steps where a shock changes a value.
    Drawing a set rewrites the parameter arrays that the previous one may
    share memory with: draw each at its step, or copy the previous first.
    """
    space = scenario.space
    spinup = values.get("model.spinup", scenario.values["model.spinup"])
    if per_run(spinup):
        raise CasimError("model.spinup must be the same for every run of a batch (sweep it as an integer parameter)")
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

    steps = [t for t, paths in enumerate(changes) if t and paths]

    def sets() -> Iterator[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]:
        yield dynamics.static_terms(prm, space.masks), dynamics.response_terms(prm)
        for t in steps:
            for path in changes[t]:
                space.write(arrays, path, timeline[path][t])
            yield dynamics.static_terms(prm, space.masks), dynamics.response_terms(prm)

    expand = None if U == R else rows
    return expand, U, int(cast(int, spinup)), steps, sets()  # spinup: one whole number, checked above


def _batch(scenario: Scenario, seeds: np.ndarray, values: dict[str, object]) -> np.ndarray:
    """The numpy kernel (the reference): the whole batch advanced together, one quarter at a time."""
    R = len(seeds)
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    shape = (R, S, P)
    expand, U, spinup, steps, sets = _setup(scenario, values, R)

    # the starting equilibrium: a fixed point of the start-date levers, no responses, no noise
    static_u, response_u = _materialise(next(sets), (U, S, P))
    static, response = _expand(static_u, expand), _expand(response_u, expand)
    A = _spin_up(static_u, spinup, (U, S, P))
    reference = A if expand is None else A[expand]
    A = reference
    engagement = coercion = _full(0.0, shape)
    noise = _noise(seeds, (T, S, P))

    traj = np.empty((T + 1, R, S, P))
    traj[0] = A
    for t in range(1, T + 1):
        if t in steps:
            static_u, response_u = _materialise(next(sets), (U, S, P))
            static, response = _expand(static_u, expand), _expand(response_u, expand)
        u = dynamics.utility(static, A, engagement, coercion)
        A = dynamics.commit(A, dynamics.choose(u, noise[:, t - 1], static), static)
        drift = A - reference
        engagement = dynamics.respond(engagement, drift, response["engage"], response["keep"])
        coercion = dynamics.respond(coercion, -drift, response["retain"], response["keep"])
        traj[t] = A
    return traj.transpose(1, 0, 2, 3)


def _fused_batch(scenario: Scenario, seeds: np.ndarray, values: dict[str, object], out: np.ndarray) -> None:
    """The fused kernel (casim.fused) into ``out`` ``(R, T+1, S, P)``: one compiled loop over runs."""
    from . import fused

    R = len(seeds)
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    expand, U, spinup, steps, sets = _setup(scenario, values, R)
    which = np.zeros(T + 1, dtype=np.intp)  # the coefficient set in force at each step
    for t in steps:
        which[t:] += 1
    packed = [fused.pack(terms, (U, S, P)) for terms in sets]  # each a copy, made before the next set is drawn
    if len(packed) == 1:  # no shock: no copy
        coef, ties = packed[0][0][None], packed[0][1][None]
    else:
        coef, ties = np.stack([c for c, _ in packed]), np.stack([t for _, t in packed])
    rows = np.arange(R) if expand is None else expand.astype(np.intp)
    start, iterations = np.empty((U, S, P)), np.full(U, -1, dtype=np.int64)
    rng = fused.rng_states(seeds)  # == default_rng(seed).bit_generator, the Mesa model's
    fused.run(coef, ties, which, rows, spinup, dynamics.SPINUP_TOLERANCE, rng, out, start, iterations)
