"""Planning a sweep: how its runs split into chunks, and the job of each chunk.

Run ``i`` is replicate ``i % replicates`` of design point ``i // replicates``; over
posterior draws (``posterior:`` in the sweep file, ``D`` draws) run ``i`` is
replicate ``i % R`` of draw ``(i // R) % D`` of point ``i // (D * R)``. Chunk
``k`` holds runs ``k * chunk .. (k + 1) * chunk - 1`` whatever executes it.
:func:`plan_info` tells what a sweep would run without running it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import api, folders
from ..columns import DRAW
from ..errors import CasimError
from . import design as designs
from . import summary as summaries
from .jobs import ChunkJob, Group, payload, payload_key
from .parameters import scenario_for
from .schema import MAX_CHUNK_RUNS
from .spec import Sweep, to_sweep

MAX_CHUNK = 1024
MIN_CHUNK = 64
TARGET_CHUNKS = 32
MAX_CHUNKS = 1_000_000  # chunk files in one store; the planner and the store list them
DEFAULT_ROOT = Path("results") / "sweeps"


def default_chunk(runs: int) -> int:
    """Runs per chunk when the sweep file does not say: about 32 chunks, between 64 and 1024 runs each."""
    return max(1, min(runs, max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(runs / TARGET_CHUNKS)))))


def default_out(sweep: Sweep) -> Path:
    """Where a sweep is stored when no folder is given: ``results/sweeps/<name made safe>`` (casim.folders.slug)."""
    return DEFAULT_ROOT / folders.slug(sweep.name)


class Plan:
    """The chunks of a sweep and how to make the job of each.

    It holds the design matrix and one group number per point; a chunk's
    values and its groups' scenarios are made when its job is, so planning
    memory grows with the points, not with the number of distinct scenarios.
    """

    def __init__(self, sweep: Sweep, design: designs.Design, engine: str):
        self.sweep, self.design, self.engine = sweep, design, engine
        self.points = design.points
        self.draws = sweep.draws  # 1 without a posterior
        self.runs = self.points * sweep.runs_per_point
        if self.runs == 0:
            raise CasimError("the design has no points", where=sweep.source)
        self.chunk = int(sweep.chunk or default_chunk(self.runs))
        self.n_chunks = math.ceil(self.runs / self.chunk)
        if self.n_chunks > MAX_CHUNKS:
            least = math.ceil(self.runs / MAX_CHUNKS)
            fix = f"set 'chunk' to at least {least:,}, or use" if least <= MAX_CHUNK_RUNS else "use"
            raise CasimError(
                f"the sweep's {self.runs:,} runs make {self.n_chunks:,} chunks, more than {MAX_CHUNKS:,}; "
                f"{fix} fewer points or replicates",
                where=sweep.source,
            )
        self.keep_steps = sweep.keep_steps()
        self.summary_date = summaries.date_of(sweep.keep, sweep.scenario.end)
        self.work = self.runs * sweep.scenario.steps  # runs x quarters: what the ensemble picks its kernel for
        self.grouped = [(j, p) for j, p in enumerate(sweep.params) if p.grouped]
        self.value_params = [(j, p) for j, p in enumerate(sweep.params) if not p.grouped]
        self.group_of_point: np.ndarray | None
        if self.grouped:
            codes = np.stack([p.codes(design.X[:, j]) for j, p in self.grouped], axis=1)
            self.combos, inverse = np.unique(codes, axis=0, return_inverse=True)
            self.group_of_point = inverse.reshape(-1)
        else:
            self.combos, self.group_of_point = np.zeros((1, 0), dtype=np.int64), None
        self._group = lru_cache(maxsize=256)(self._make_group)
        self.drawn: dict[str, np.ndarray] = {}  # each drawn parameter's value in each chosen draw
        if sweep.posterior is not None and sweep.posterior_rows is not None:
            rows = sweep.posterior_rows
            values = sweep.posterior.model_values(sweep.scenario.states)
            self.drawn = {k: np.asarray(v, dtype=float)[rows] for k, v in values.items()}

    def _make_group(self, g: int) -> tuple[str, dict]:
        """The key and payload of group ``g``'s scenario."""
        if not self.grouped:
            p = payload(self.sweep.scenario)
        else:
            params = tuple(p for _, p in self.grouped)
            p = payload(scenario_for(self.sweep.scenario, params, tuple(int(c) for c in self.combos[g])))
        return payload_key(p), p

    def bounds(self, index: int) -> tuple[int, int]:
        """The first run of chunk ``index`` and one past its last."""
        lo = index * self.chunk
        return lo, min(self.runs, lo + self.chunk)

    def job(self, index: int) -> ChunkJob:
        """The job of chunk ``index``: its runs split into groups of one scenario, with their per-run values."""
        lo, hi = self.bounds(index)
        runs = np.arange(lo, hi, dtype=np.int64)
        R = self.sweep.replicates
        points = runs // (self.draws * R)
        draw = (runs // R) % self.draws  # the draw's position among the chosen ones
        X = self.design.X[points]
        decoded = {p.path: p.decode(X[:, j]) for j, p in enumerate(self.sweep.params)}
        gids = np.zeros(len(points), dtype=np.int64) if self.group_of_point is None else self.group_of_point[points]
        groups = []
        for g in np.unique(gids):
            pos = np.flatnonzero(gids == g)
            key, scen = self._group(int(g))
            values = {p.path: decoded[p.path][pos] for _, p in self.value_params}
            values.update({k: v[draw[pos]] for k, v in self.drawn.items()})  # no swept parameter is drawn (spec)
            groups.append(Group(key, scen, pos, values))
        columns = {"point": points}
        if self.sweep.posterior_rows is not None:
            columns[DRAW] = self.sweep.posterior_rows[draw].astype(np.int64)  # the draw's row in the posterior
        columns.update({p.path: p.column(decoded[p.path]) for p in self.sweep.params})
        return ChunkJob(
            index,
            lo,
            hi,
            self.sweep.seed,
            self.sweep.replicates,
            self.engine,
            self.keep_steps,
            tuple(groups),
            columns,
            self.summary_date,
            self.work,
            common_seeds=self.sweep.posterior is not None,
        )


def plan_facts(sweep: Sweep, design: designs.Design, plan: Plan, out: Path) -> dict:
    """The facts of a sweep's plan, as :func:`plan_info` returns them."""
    return {
        "name": sweep.name,
        "method": design.method,
        "points": plan.points,
        "replicates": sweep.replicates,
        "draws": plan.draws if sweep.posterior is not None else None,
        "posterior": posterior_label(sweep),
        "runs": plan.runs,
        "chunks": plan.n_chunks,
        "chunk": plan.chunk,
        "parameters": [p.path for p in sweep.params],
        "engine": plan.engine,
        "out": str(out),
    }


def posterior_label(sweep: Sweep) -> str | None:
    """The posterior a sweep draws from, as its plan names it ('shipped' or the file), or None."""
    if sweep.posterior is None:
        return None
    raw = sweep.raw.get("posterior")
    return str(raw.get("file", "shipped")) if isinstance(raw, Mapping) else "shipped"


def choose_engine(engine: str | None, old: dict | None) -> str:
    """The engine to run with: the one asked for, else the one a resumed store's manifest names, else ensemble."""
    if engine is None:
        engine = (old or {}).get("engine", "ensemble")
    if engine not in api.ENGINES:
        raise CasimError(f"unknown engine {engine!r}; valid: {', '.join(api.ENGINES)}")
    return engine


def plan_info(spec: str | Path | Mapping | Sweep, *, engine: str | None = None, out: str | Path | None = None) -> dict:
    """What a sweep would run, without running it or touching ``out``: name, method, points, replicates,
    draws and posterior (None without a ``posterior:``), runs, chunks, chunk (runs per chunk), parameters, engine
    and out (the store folder).

    :func:`casim.run_sweep` passes the same facts to ``on_start`` (with the pool and what is already stored).
    """
    spec = to_sweep(spec)
    design = designs.make(spec)
    plan = Plan(spec, design, choose_engine(engine, None))
    return plan_facts(spec, design, plan, Path(out) if out is not None else default_out(spec))
