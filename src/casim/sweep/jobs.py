"""The work of one chunk: a picklable job and the results table a worker makes of it.

This is what runs in a worker process, so everything here is module-level
and picklable and touches no file: a :class:`ChunkJob` carries its runs'
scenarios (as plain payloads), per-run values and design columns, and
:func:`run_chunk` returns the chunk's Parquet bytes for the parent to store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

import numpy as np
import pandas as pd

from .. import api, results
from ..measures import dominant
from ..scenario import Scenario, Shock
from ..seeding import run_seeds
from . import summary as summaries


@dataclass(frozen=True)
class Group:
    """Runs of a chunk that share one scenario (the same integer and categorical parameter values)."""

    key: str
    scenario: dict
    positions: np.ndarray
    values: dict


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs to simulate chunk ``index`` (runs ``lo..hi-1``): picklable, no file access."""

    index: int
    lo: int
    hi: int
    base_seed: int
    replicates: int
    engine: str
    keep_steps: tuple[int, ...] | None
    groups: tuple[Group, ...]
    columns: dict
    summary_date: str  # the date the chunk is tallied at for the sweep's closing summary (casim.sweep.summary)
    work: int  # the whole sweep's runs x quarters: the ensemble picks its kernel for the sweep, not the chunk
    common_seeds: bool = False  # over posterior draws: replicate r of every point and draw has seed run_seed(base, r)


@dataclass(frozen=True)
class Chunk:
    """What a worker returns for a chunk: its Parquet bytes and its tally for the closing summary."""

    data: bytes
    tally: summaries.Tally


# The Scenario fields a payload carries as they are (values and shocks need converting to pickle).
_PLAIN_FIELDS = tuple(f.name for f in dataclasses.fields(Scenario) if f.name not in ("values", "shocks"))
_SCENARIOS: dict[str, Scenario] = {}


def payload(scenario: Scenario) -> dict:
    """A picklable form of a resolved scenario (a Scenario holds a mappingproxy, which does not pickle)."""
    d = {f: getattr(scenario, f) for f in _PLAIN_FIELDS}
    d["values"] = dict(scenario.values)
    d["shocks"] = [s.__dict__ for s in scenario.shocks]
    return d


def payload_key(p: dict) -> str:
    """The key a worker caches a payload's scenario under: the SHA-256 of its canonical JSON."""
    return hashlib.sha256(json.dumps(p, sort_keys=True, default=str).encode()).hexdigest()


def _scenario(group: Group) -> Scenario:
    sc = _SCENARIOS.get(group.key)
    if sc is None:
        p = group.scenario
        if len(_SCENARIOS) > 256:
            _SCENARIOS.clear()
        sc = _SCENARIOS[group.key] = Scenario(
            **{k: p[k] for k in _PLAIN_FIELDS},
            values=MappingProxyType(dict(p["values"])),
            shocks=tuple(Shock(**s) for s in p["shocks"]),
        )
    return sc


@dataclass(frozen=True)
class _Dates:
    """What :func:`casim.results.table` reads of a scenario, with only the kept dates (for summaries)."""

    name: str
    states: tuple
    powers: tuple
    kept: list

    def dates(self) -> list[str]:
        return self.kept


def chunk_frame(job: ChunkJob) -> pd.DataFrame:
    """The results table of one chunk."""
    n = job.hi - job.lo
    runs = np.arange(job.lo, job.hi, dtype=np.int64)
    if job.common_seeds:  # as casim.uncertainty: the same seeds under every draw (and here every point)
        seeds = run_seeds(job.base_seed, job.replicates)[runs % job.replicates]
    else:
        seeds = run_seeds(job.base_seed, n, job.lo)
    base = _scenario(job.groups[0])
    traj = None
    for g in job.groups:
        sc = _scenario(g)
        t = api.simulate(sc, seeds[g.positions], g.values, engine=job.engine, work=job.work)
        if traj is None:
            traj = np.empty((n, *t.shape[1:]))
        traj[g.positions] = t
    traj = cast(np.ndarray, traj)  # a job has at least one group
    if job.keep_steps is None:
        return results.table(base, traj, seeds, runs=runs, replicates=runs % job.replicates, extra=job.columns)
    steps = np.asarray(job.keep_steps)
    dates = base.dates()
    view = _Dates(base.name, base.states, base.powers, [dates[s] for s in steps])
    df = results.table(view, traj[:, steps], seeds, runs=runs, replicates=runs % job.replicates, extra=job.columns)
    df["step"] = steps[df["step"].to_numpy()]
    idx, _ = dominant(df[list(base.powers)].to_numpy())
    at = cast(int, df.columns.get_loc("hedging"))  # the columns are unique: one position
    # pandas-stubs type categories as an Index only; pandas takes any list-like (as its docs say)
    dominant_ = pd.Categorical.from_codes(idx, categories=list(base.powers))  # type: ignore[call-overload]
    df.insert(at + 1, "dominant", dominant_)
    return df


def run_chunk(job: ChunkJob) -> Chunk:
    """Simulate one chunk and return it as Parquet bytes (the parent writes them atomically), with its tally of the
    rows at the summary date (the parent adds the tallies up instead of reading the chunks back)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = chunk_frame(job)
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf, compression="zstd")
    base = _scenario(job.groups[0])
    at = df["step"].to_numpy() == base.dates().index(job.summary_date)
    return Chunk(buf.getvalue(), summaries.tally(df if at.all() else df[at], base.powers))
