"""The Python API: load a scenario, run it with either engine, get the tidy table."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from . import columns, ensemble, results, tidy
from .errors import CasimError, did_you_mean
from .scenario import Scenario, check_bounds, load_scenario
from .seeding import run_seeds

ENGINES = ("ensemble", "mesa")
MESA_BATCH = 64  # runs of the Mesa engine a batch: one model per run, so batches need not be large


def simulate_mesa(scenario: Scenario, seeds, values: Mapping[str, object] | None = None, progress=None) -> np.ndarray:
    """Trajectories ``(runs, steps + 1, states, powers)`` from one Mesa model per seed."""
    from .model import CentralAsia  # Mesa is imported only when this engine runs

    seeds = np.asarray(seeds, dtype=np.int64)
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    out = np.empty((len(seeds), T + 1, S, P))
    values = dict(values or {})
    for r, seed in enumerate(seeds):
        run_values = {k: (cast(np.ndarray, v)[r] if ensemble.per_run(v) else v) for k, v in values.items()}
        model = CentralAsia(scenario, values=run_values, collect_model_vars=False, rng=int(seed))
        for _ in range(T):
            model.step()
        out[r] = mesa_trajectory(model, scenario)
        if progress is not None:
            progress(1)
    return out


def mesa_trajectory(model, scenario: Scenario) -> np.ndarray:
    """A Mesa model's collected alignments ``(steps + 1, states, powers)``, found by step and state code.

    The DataCollector frame is indexed by (step, agent id); rows are placed by
    the collection round they belong to and the ``state`` reporter, not by
    their order in the frame (how Mesa numbers steps differs across versions).
    """
    from .model import CentralAsianState

    df = model.datacollector.get_agenttype_vars_dataframe(CentralAsianState)
    steps = df.index.get_level_values(0)
    rounds = np.unique(steps, return_inverse=True)[1]
    states = pd.Index(scenario.states).get_indexer(df["state"])
    T, S, P = scenario.steps, len(scenario.states), len(scenario.powers)
    out = np.full((T + 1, S, P), np.nan)
    out[rounds, states] = df[list(scenario.powers)].to_numpy()
    return out


def check_values(scenario: Scenario, values: Mapping[str, object] | None, runs: int) -> None:
    """Per-run parameter values must name real parameters (or shock values), be in range, one per run."""
    slots = scenario.space.slots
    shock_keys = {sh.key: sh for sh in scenario.shocks}
    for key, v in (values or {}).items():
        if key in shock_keys:
            bounds = slots[shock_keys[key].path].bounds
        elif key in slots and slots[key].kind != "list":
            bounds = slots[key].bounds
        else:
            valid = [k for k, sl in slots.items() if sl.kind != "list"] + list(shock_keys)
            raise CasimError(f"unknown parameter {key!r}{did_you_mean(key, valid)}")
        arr = np.asarray(v)
        if arr.ndim > 1 or (arr.ndim == 1 and len(arr) != runs):
            raise CasimError(f"{key}: give one value, or one per run ({runs}), not an array of shape {arr.shape}")
        if not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
            raise CasimError(f"{key} must be numeric, not {arr.dtype}")
        bad = ~((arr >= bounds[0]) & (arr <= bounds[1]))
        if bad.any():
            check_bounds(key, arr.reshape(-1)[np.argmax(bad.reshape(-1))].item(), bounds)


def simulate(
    scenario: Scenario, seeds, values=None, engine: str = "ensemble", progress=None, work: int | None = None
) -> np.ndarray:
    """Trajectories from the chosen engine (both give the same numbers for the same seeds).

    ``work``: the whole job's runs x quarters when these seeds are one batch of it
    (the ensemble picks its kernel for the job, :func:`casim.ensemble.kernel`).
    """
    check_values(scenario, values, len(seeds))
    if engine == "mesa":
        traj = simulate_mesa(scenario, seeds, values, progress)
    elif engine == "ensemble":
        traj = ensemble.simulate(scenario, seeds, values, progress=progress, work=work)
    else:
        raise CasimError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    if not np.isfinite(traj).all():
        raise CasimError(
            "the model gave non-finite shares: some parameter values are too extreme (e.g. a tiny temperature)"
        )
    return traj


def replicate_seeds(
    scenario: Scenario, replicates: int | None = None, seed: int | None = None
) -> tuple[int, int, np.ndarray]:
    """Replicate count, base seed (the scenario's unless given) and the per-run seeds they spawn."""
    n, s = replicate_count(scenario, replicates, seed)
    return n, s, run_seeds(s, n)


def replicate_count(scenario: Scenario, replicates: int | None = None, seed: int | None = None) -> tuple[int, int]:
    """Replicate count and base seed: the scenario's unless given, checked."""
    n = scenario.replicates if replicates is None else int(replicates)
    s = scenario.seed if seed is None else int(seed)
    if n < 1:
        raise CasimError(f"replicates must be at least 1 (got {n})")
    if s < 0:
        raise CasimError(f"seed must be a non-negative integer (got {s})")
    return n, s


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (/proc/meminfo MemAvailable, else the free physical pages), or
    None where neither is known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def _too_big(scenario: Scenario, replicates: int, size: str, room: str) -> CasimError:
    rows = replicates * len(scenario.dates()) * len(scenario.states)
    return CasimError(
        f"{replicates:,} replicates of {scenario.name} make a table of {rows:,} rows, {size}, and {room}; run fewer "
        "replicates, or run them as a sweep that keeps summaries: casim sweep with 'keep: {dates: [...]}' and "
        "'replicates: N' (docs/sweeps.md)"
    )


def check_table_fits(scenario: Scenario, replicates: int) -> None:
    """Refuse, before any run is seeded, a table that cannot fit in the memory available.

    A row of the table takes 44 + 8 x powers bytes (seven index columns, the
    shares and hedging), and the trajectories it is made from 8 x powers more.
    """
    rows = replicates * len(scenario.dates()) * len(scenario.states)
    need = rows * (44 + 16 * len(scenario.powers))
    have = available_memory()
    if have is not None and need > have:
        room = f"{have / 1e9:,.1f} GB of memory is available"
        raise _too_big(scenario, replicates, f"about {need / 1e9:,.1f} GB", room)


def check_disk_fits(scenario: Scenario, replicates: int, folder: Path) -> None:
    """Refuse, before any run is seeded, a streamed table whose shares alone cannot fit on the disk of ``folder``.

    The shares and the hedging index (8 bytes each a row) hardly compress; the
    label columns, repeated within each run, mostly do: so the floor is
    8 x (powers + 1) bytes a row, in either format (CSV takes more).
    """
    rows = replicates * len(scenario.dates()) * len(scenario.states)
    need = rows * 8 * (len(scenario.powers) + 1)
    existing = next(p for p in (Path(folder).absolute(), *Path(folder).absolute().parents) if p.exists())
    free = shutil.disk_usage(existing).free
    if need > free:
        size = f"at least {need / 1e9:,.1f} GB on disk"
        raise _too_big(scenario, replicates, size, f"{free / 1e9:,.1f} GB is free at {existing}")


def _run_manifest(scenario: Scenario, seed: int, replicates: int, engine: str, started: float) -> results.Manifest:
    """A run's manifest, with the ensemble kernel its job ran on (None for the Mesa engine)."""
    kernel = ensemble.kernel(work=replicates * scenario.steps)[0] if engine == "ensemble" else None
    return results.manifest(
        scenario, seed=seed, replicates=replicates, engine=engine, kernel=kernel, started=started, finished=time.time()
    )


def _chunks(scenario: Scenario, seed: int, replicates: int, engine: str, progress) -> Iterator[tuple]:
    """``(first run, seeds, trajectories)`` of one batch of runs after another (the seeds too are made per batch)."""
    size = ensemble.DEFAULT_BATCH if engine == "ensemble" else MESA_BATCH
    for lo in range(0, replicates, size):
        seeds = run_seeds(seed, min(size, replicates - lo), lo)
        yield lo, seeds, simulate(scenario, seeds, engine=engine, progress=progress, work=replicates * scenario.steps)


def _resolved(scenario: Scenario | str | Path, replicates: int | None, seed: int | None) -> tuple[Scenario, int, int]:
    """The scenario (loaded if a path or name) with its replicate count and base seed resolved."""
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    n, s = replicate_count(scenario, replicates, seed)
    return scenario.with_values(replicates=n, seed=s), n, s


def run(
    scenario: Scenario | str | Path,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str = "ensemble",
    progress=None,
) -> pd.DataFrame:
    """Run a scenario's replicates; returns the tidy table (``df.attrs['manifest']`` holds provenance).

    The runs are simulated a batch at a time and each batch's rows written into
    the table's columns, so only one batch's trajectories are held at once.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    check_table_fits(scenario, scenario.replicates if replicates is None else int(replicates))
    scenario, replicates, seed = _resolved(scenario, replicates, seed)
    started = time.time()
    layout = tidy.Layout(scenario)
    cols = layout.empty(replicates)

    def batches() -> Iterator[tuple]:  # fill's arguments: a run's replicate is its number
        for lo, seeds, traj in _chunks(scenario, seed, replicates, engine, progress):
            runs = np.arange(lo, lo + len(seeds))
            yield lo, traj, seeds, runs, runs

    layout.fill_from(cols, batches())
    df = layout.frame(cols)
    df.attrs["manifest"] = _run_manifest(scenario, seed, replicates, engine, started)
    return df


def run_to(
    folder: Path,
    scenario: Scenario | str | Path,
    replicates: int | None = None,
    seed: int | None = None,
    engine: str = "ensemble",
    fmt: str = "parquet",
    progress=None,
    meta: Mapping | None = None,
) -> tuple[Path, pd.DataFrame, results.Manifest]:
    """Run a scenario's replicates and stream the table into ``folder`` as it is made, then its manifest.

    Memory stays bounded whatever the number of replicates: one batch of runs
    is simulated, written (a Parquet row group) and dropped at a time. Returns
    the table's path, :func:`summary` of the table (accumulated on the way) and
    the manifest (``meta`` adds to it, e.g. the ``--set`` overrides). ``folder``
    is written as it goes: give the new folder of :func:`casim.folders.replacing`.
    """
    scenario, replicates, seed = _resolved(scenario, replicates, seed)
    check_disk_fits(scenario, replicates, folder)
    started = time.time()
    with results.Stream(folder, tidy.Layout(scenario), fmt) as stream:
        for lo, seeds, traj in _chunks(scenario, seed, replicates, engine, progress):
            stream.add(traj, seeds, np.arange(lo, lo + len(seeds)))
        manifest = _run_manifest(scenario, seed, replicates, engine, started)
        path = stream.finish({**manifest, **(meta or {})})
    return path, stream.horizon.frame(), manifest


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Mean shares and hedging per state at the horizon (the last step), over every run (and posterior draw)."""
    last = df[df["step"] == df["step"].max()]
    labels = ("scenario", "run", "replicate", "seed", "step", "date", "state", columns.DRAW)
    cols = [c for c in df.columns if c not in labels]
    return last.groupby("state", observed=True, sort=False)[cols].mean()
