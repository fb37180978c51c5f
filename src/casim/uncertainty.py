"""Runs over posterior draws x replicates: a scenario's results with its parameter uncertainty in them.

Run ``d * R + r`` is posterior draw ``d`` (its fitted model parameters, which
replace the scenario's own values of them; the rest at their point values) with
replicate seed ``r`` (a ``--set`` of a drawn parameter is refused). The
replicates are per draw: the scenario's ``replicates``, at most
:data:`REPLICATES_PER_DRAW`, unless given. Replicate ``r`` uses the same seed
under every draw, and every scenario run with the same base seed and draws
uses the same seeds and draws (common parameters and common random numbers).
The draws are a subset of the posterior chosen reproducibly from the base
seed (:meth:`casim.posterior.Posterior.rows`). The tidy table is a run's table
(:mod:`casim.tidy`) with a ``draw`` column: the draw's row in the posterior's
draws file. Its manifest records the posterior file, its SHA-256 and the rows
used. :func:`run_scenario` is ``casim.run``: over the shipped posterior unless
told otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from . import api, columns, ensemble, results, tidy
from .errors import CasimError
from .posterior import Posterior, resolve
from .scenario import Scenario, load_scenario
from .seeding import run_seeds

REPLICATES_PER_DRAW = 20
"""The default replicates per draw: at most this many (fewer when the scenario file asks for fewer). Over
posterior draws the spread between draws dominates the noise (docs/measurement.md), so more replicates per draw
mostly add runs, not information."""


def per_draw(scenario: Scenario, replicates: int | None) -> int:
    """The replicates per posterior draw: ``replicates`` when given, else the scenario's capped at
    :data:`REPLICATES_PER_DRAW`."""
    return min(scenario.replicates, REPLICATES_PER_DRAW) if replicates is None else int(replicates)


def run_count(scenario: Scenario, posterior: Posterior, draws: int | None, replicates: int | None) -> int:
    """How many runs :func:`run` makes of ``scenario``: the draws it keeps x the replicates per draw."""
    return posterior.count(draws) * per_draw(scenario, replicates)


def _runs(
    scenario: Scenario | str | Path, posterior: Posterior, draws: int | None, replicates: int | None, seed: int | None
) -> tuple[Scenario, int, int, np.ndarray]:
    """The scenario (loaded if a path or name) resolved, its replicate count, base seed and posterior rows."""
    loaded = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    posterior.check_scenario(loaded)
    n_rep, base = api.replicate_count(loaded, per_draw(loaded, replicates), seed)
    rows = posterior.rows(draws, base)
    return loaded.with_values(replicates=n_rep, seed=base), n_rep, base, rows


def _batches(scenario: Scenario, posterior: Posterior, rows: np.ndarray, n_rep: int, base: int, engine, progress):
    """``(runs, trajectories, seeds, replicates, draws)`` of one batch of runs after another."""
    values = {k: np.asarray(v, dtype=float) for k, v in posterior.model_values(scenario.states).items()}
    seeds = run_seeds(base, n_rep)
    size = ensemble.DEFAULT_BATCH if engine == "ensemble" else api.MESA_BATCH
    total = len(rows) * n_rep
    for lo in range(0, total, size):
        runs = np.arange(lo, min(total, lo + size))
        d, r = runs // n_rep, runs % n_rep
        batch_values = {k: v[rows[d]] for k, v in values.items()}
        traj = api.simulate(scenario, seeds[r], batch_values, engine, progress, work=total * scenario.steps)
        yield runs, traj, seeds[r], r, rows[d].astype(np.int64)


def trajectories(
    scenario: Scenario | str | Path,
    posterior: Posterior,
    draws: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
) -> tuple[Scenario, np.ndarray, np.ndarray]:
    """The runs of :func:`run` as an array, no table: the resolved scenario, the trajectories ``(draws,
    replicates, steps + 1, states, powers)`` (ensemble engine) and the posterior rows of the draws."""
    sc, n_rep, base, rows = _runs(scenario, posterior, draws, replicates, seed)
    out = np.empty((len(rows) * n_rep, sc.steps + 1, len(sc.states), len(sc.powers)))
    for runs, traj, *_ in _batches(sc, posterior, rows, n_rep, base, "ensemble", None):
        out[runs] = traj
    return sc, out.reshape(len(rows), n_rep, *out.shape[1:]), rows


def _manifest(scenario, posterior: Posterior, rows, n_rep: int, base: int, engine: str, started: float):
    kernel = ensemble.kernel(work=len(rows) * n_rep * scenario.steps)[0] if engine == "ensemble" else None
    return results.manifest(
        scenario,
        seed=base,
        replicates=n_rep,
        engine=engine,
        kernel=kernel,
        started=started,
        finished=time.time(),
        posterior={
            "file": results.portable(posterior.source),
            "sha256": posterior.sha256(),
            "draws": len(rows),
            "rows": rows.tolist(),
            "runs": "run d * replicates + r is draw rows[d] with replicate seed r (the same seed under every draw)",
        },
    )


def run(
    scenario: Scenario | str | Path,
    posterior: Posterior,
    draws: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str = "ensemble",
    progress=None,
) -> pd.DataFrame:
    """The scenario over ``draws`` posterior draws (all when None) x ``replicates`` (the scenario's when None).

    Returns the tidy table with a ``draw`` column; ``df.attrs['manifest']`` holds provenance, the posterior's
    file, hash and rows among it.
    """
    sc, n_rep, base, rows = _runs(scenario, posterior, draws, replicates, seed)
    api.check_table_fits(sc, len(rows) * n_rep)
    started = time.time()
    layout = tidy.Layout(sc, extra=(columns.DRAW,))
    cols = layout.empty(len(rows) * n_rep, {columns.DRAW: rows.astype(np.int64)})
    batches = _batches(sc, posterior, rows, n_rep, base, engine, progress)
    layout.fill_from(
        cols,
        ((int(runs[0]), traj, seeds, runs, reps, {columns.DRAW: drawn}) for runs, traj, seeds, reps, drawn in batches),
    )
    df = layout.frame(cols)
    df.attrs["manifest"] = _manifest(sc, posterior, rows, n_rep, base, engine, started)
    return df


def run_scenario(
    scenario: Scenario | str | Path,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str = "ensemble",
    progress=None,
    *,
    posterior: Posterior | str | Path | None = "shipped",
    draws: int | None = None,
) -> pd.DataFrame:
    """Run a scenario; returns the tidy table (``df.attrs['manifest']`` holds provenance). This is ``casim.run``.

    By default over the shipped posterior's draws x ``replicates`` per draw (:func:`run`; a ``draw`` column,
    ``draws`` a subset chosen reproducibly from the seed); ``posterior`` may name another fit (a
    :class:`~casim.posterior.Posterior`, or a folder or draws file). ``posterior=None`` (or 'none') runs the
    parameters' point values: :func:`casim.api.run`, ``replicates`` runs, no ``draw`` column.
    """
    post = resolve(posterior)
    if post is None:
        if draws is not None:
            raise CasimError("draws= needs runs over posterior draws: drop it, or give a posterior")
        return api.run(scenario, replicates, seed, engine, progress)
    return run(scenario, post, draws, replicates, seed, engine, progress)


def run_to(
    folder: Path,
    scenario: Scenario | str | Path,
    posterior: Posterior,
    draws: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str = "ensemble",
    fmt: str = "parquet",
    progress=None,
    meta: Mapping | None = None,
) -> tuple[Path, pd.DataFrame, results.Manifest]:
    """:func:`run` streamed into ``folder`` batch by batch (bounded memory), as :func:`casim.api.run_to`:
    returns the table's path, the mean shares and hedging per state at the horizon, and the manifest."""
    sc, n_rep, base, rows = _runs(scenario, posterior, draws, replicates, seed)
    api.check_disk_fits(sc, len(rows) * n_rep, folder)
    started = time.time()
    with results.Stream(folder, tidy.Layout(sc, extra=(columns.DRAW,)), fmt) as stream:
        for runs, traj, seeds, reps, drawn in _batches(sc, posterior, rows, n_rep, base, engine, progress):
            stream.add(traj, seeds, runs, reps, {columns.DRAW: drawn})
        manifest = _manifest(sc, posterior, rows, n_rep, base, engine, started)
        path = stream.finish({**manifest, **(meta or {})})
    return path, stream.horizon.frame(), manifest


__all__ = ["REPLICATES_PER_DRAW", "per_draw", "run", "run_count", "run_scenario", "run_to"]
