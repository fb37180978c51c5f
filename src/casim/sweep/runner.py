"""Running a sweep: split its runs into chunks, run each chunk as ensemble batches, store it as it finishes.

Run ``i`` is replicate ``i % replicates`` of design point ``i // replicates``;
its seed is ``casim.seeding.run_seed(seed, i)``. Chunk ``k`` holds runs
``k * chunk .. (k + 1) * chunk - 1`` whatever executes it, so a sweep's
results are the same bit for bit run serially, on local processes, on Dask,
or killed and resumed.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from .. import __version__, api, observables, results
from ..errors import CasimError
from ..scenario import Scenario, Shock
from ..seeding import run_seeds
from . import design as designs
from . import store as stores
from .executors import open_pool
from .spec import Sweep, load_sweep, scenario_for, sweep_from_dict

MAX_CHUNK = 1024
MIN_CHUNK = 64
TARGET_CHUNKS = 32


def default_chunk(runs: int) -> int:
    """Runs per chunk when the sweep file does not say: about 32 chunks, between 64 and 1024 runs each."""
    return max(1, min(runs, max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(runs / TARGET_CHUNKS)))))


class SweepInterrupted(CasimError):
    """A sweep stopped by Ctrl-C; the store holds every chunk finished so far."""

    exit_code = 130

    def __init__(self, out: Path, done: int, total: int, command: str):
        self.out, self.done, self.total, self.command = out, done, total, command
        super().__init__(f"interrupted with {done} of {total} chunks stored in {out}; resume with: {command}")


@dataclass(frozen=True)
class Outcome:
    """What a call to :func:`sweep` did."""

    out: Path
    runs: int
    chunks: int
    chunks_before: int
    chunks_run: int
    runs_run: int
    seconds: float
    pool: str
    startup: float
    manifest: dict = field(repr=False)

    @property
    def complete(self) -> bool:
        return self.chunks_before + self.chunks_run == self.chunks

    @property
    def runs_per_second(self) -> float:
        return self.runs_run / self.seconds if self.seconds > 0 else float("nan")


# ---------------------------------------------------------------------------
# the work of one chunk (runs in a worker process: module-level and picklable)


@dataclass(frozen=True)
class Group:
    """Runs of a chunk that share one scenario (the same integer and categorical parameter values)."""

    key: str
    scenario: dict
    positions: np.ndarray
    values: dict


@dataclass(frozen=True)
class ChunkJob:
    index: int
    lo: int
    hi: int
    base_seed: int
    replicates: int
    engine: str
    keep_steps: tuple[int, ...] | None
    groups: tuple[Group, ...]
    columns: dict


_SCENARIOS: dict[str, Scenario] = {}


def payload(scenario: Scenario) -> dict:
    """A picklable form of a resolved scenario (a Scenario holds a mappingproxy, which does not pickle)."""
    d = {
        f: getattr(scenario, f)
        for f in ("name", "description", "start", "end", "seed", "replicates", "powers", "source", "source_hash", "overrides")
    }
    d["values"] = dict(scenario.values)
    d["shocks"] = [s.__dict__ for s in scenario.shocks]
    return d


def _key(p: dict) -> str:
    return hashlib.sha256(json.dumps(p, sort_keys=True, default=str).encode()).hexdigest()


def _scenario(group: Group) -> Scenario:
    sc = _SCENARIOS.get(group.key)
    if sc is None:
        p = group.scenario
        if len(_SCENARIOS) > 256:
            _SCENARIOS.clear()
        sc = _SCENARIOS[group.key] = Scenario(
            **{
                k: p[k]
                for k in (
                    "name",
                    "description",
                    "start",
                    "end",
                    "seed",
                    "replicates",
                    "powers",
                    "source",
                    "source_hash",
                    "overrides",
                )
            },
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
    seeds = run_seeds(job.base_seed, n, job.lo)
    base = _scenario(job.groups[0])
    traj = None
    for g in job.groups:
        sc = _scenario(g)
        t = api.simulate(sc, seeds[g.positions], g.values, engine=job.engine)
        if traj is None:
            traj = np.empty((n, *t.shape[1:]))
        traj[g.positions] = t
    if job.keep_steps is None:
        return results.table(base, traj, seeds, runs=runs, replicates=runs % job.replicates, extra=job.columns)
    steps = np.asarray(job.keep_steps)
    dates = base.dates()
    view = _Dates(base.name, base.states, base.powers, [dates[s] for s in steps])
    df = results.table(view, traj[:, steps], seeds, runs=runs, replicates=runs % job.replicates, extra=job.columns)
    df["step"] = steps[df["step"].to_numpy()]
    idx, _ = observables.dominant(df[list(base.powers)].to_numpy())
    df.insert(df.columns.get_loc("hedging") + 1, "dominant", pd.Categorical.from_codes(idx, categories=list(base.powers)))
    return df


def run_chunk(job: ChunkJob) -> bytes:
    """Simulate one chunk and return it as Parquet bytes (the parent writes them atomically)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    df = chunk_frame(job)
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf, compression="zstd")
    return buf.getvalue()


# ---------------------------------------------------------------------------
# planning (parent side)


class Plan:
    """The chunks of a sweep and how to make the job of each."""

    def __init__(self, sweep: Sweep, design: designs.Design, engine: str, chunk: int | None = None):
        self.sweep, self.design, self.engine = sweep, design, engine
        self.points = design.points
        self.runs = self.points * sweep.replicates
        if self.runs == 0:
            raise CasimError("the design has no points", where=sweep.source)
        self.chunk = int(chunk or sweep.chunk or default_chunk(self.runs))
        self.n_chunks = math.ceil(self.runs / self.chunk)
        decoded = designs.values(sweep, design)
        self.value_params = [p for p in sweep.params if not p.grouped]
        self.grouped = [p for p in sweep.params if p.grouped]
        self.decoded = {p.path: decoded[p.path] for p in self.value_params}
        self.column_values = {p.path: p.column(decoded[p.path]) for p in sweep.params}
        if self.grouped:
            codes = np.stack([p.codes(design.X[:, sweep.params.index(p)]) for p in self.grouped], axis=1)
            combos, self.group_of_point = np.unique(codes, axis=0, return_inverse=True)
            self.group_of_point = self.group_of_point.reshape(-1)
            self.group_payloads = []
            for combo in combos:
                p = payload(scenario_for(sweep.scenario, tuple(self.grouped), tuple(int(c) for c in combo)))
                self.group_payloads.append((_key(p), p))
        else:
            self.group_of_point = None
            p = payload(sweep.scenario)
            self.group_payloads = [(_key(p), p)]

    def bounds(self, index: int) -> tuple[int, int]:
        lo = index * self.chunk
        return lo, min(self.runs, lo + self.chunk)

    def job(self, index: int) -> ChunkJob:
        lo, hi = self.bounds(index)
        runs = np.arange(lo, hi)
        points = runs // self.sweep.replicates
        gids = np.zeros(len(runs), dtype=np.int64) if self.group_of_point is None else self.group_of_point[points]
        groups = []
        for g in np.unique(gids):
            pos = np.flatnonzero(gids == g)
            key, scen = self.group_payloads[g]
            vals = {path: v[points[pos]] for path, v in self.decoded.items()}
            groups.append(Group(key, scen, pos, vals))
        columns = {"point": points.astype(np.int64)}
        columns.update({path: v[points] for path, v in self.column_values.items()})
        return ChunkJob(
            index, lo, hi, self.sweep.seed, self.sweep.replicates, self.engine, self.sweep.keep_steps(), tuple(groups), columns
        )


def _manifest(sweep: Sweep, design: designs.Design, plan: Plan, engine: str) -> dict:
    return {
        "store": {"format": stores.FORMAT, "version": stores.FORMAT_VERSION},
        "kind": "sweep",
        "casim_version": __version__,
        "name": sweep.name,
        "description": sweep.description,
        "status": "running",
        "sweep": {
            "file": sweep.source,
            "path": str(Path(sweep.source).resolve()) if sweep.source else None,
            "sha256": sweep.source_hash,
            "spec": sweep.raw,
        },
        "notes": list(sweep.notes),
        "scenario": sweep.scenario.to_dict(),
        "scenario_file_sha256": sweep.scenario.source_hash,
        "seed": sweep.seed,
        "seeds": "run i uses casim.seeding.run_seed(seed, i): child i of numpy SeedSequence(seed); run i is replicate "
        "i % replicates of design point i // replicates; per-run seeds are in the table",
        "replicates": sweep.replicates,
        "engine": engine,
        "design": {
            "method": design.method,
            "points": design.points,
            "seed": sweep.design_seed,
            "options": design.options,
            "file": stores.DESIGN,
            "csv": sweep.csv_source,
            "note": "design.parquet: column 'point' and the design matrix X (SALib sample order and coordinates); "
            "results carry the decoded values",
        },
        "problem": design.problem,
        "parameters": {p.path: p.describe() for p in sweep.params},
        "keep": "trajectories" if sweep.keep is None else {"dates": list(sweep.keep)},
        "runs": plan.runs,
        "chunks": {"size": plan.chunk, "count": plan.n_chunks, "folder": stores.CHUNKS, "pattern": "part-NNNNNN.parquet"},
        "columns": {
            "core": list(results.CORE_COLUMNS) + list(sweep.scenario.powers) + ["hedging"],
            "summary": ["dominant"] if sweep.keep is not None else [],
            "design": ["point", *(p.path for p in sweep.params)],
        },
        "versions": results.versions(),
        "timing": {"started": time.time(), "finished": None, "seconds": None},
        "sessions": [],
    }


def _same_sweep(old: dict, sweep: Sweep, new: dict, out: Path) -> None:
    """Refuse to resume a store that another sweep (or a changed sweep file) made."""
    where = str(out)
    old_file = old.get("sweep", {}).get("file")
    old_path = old.get("sweep", {}).get("path")
    if old.get("sweep", {}).get("sha256") != sweep.source_hash:
        same_file = old_path and sweep.source and Path(old_path) == Path(sweep.source).resolve()
        if same_file:
            raise CasimError(
                f"the sweep file {sweep.source} changed since this store was started; restore it or write to a new --out folder",
                where=where,
            )
        raise CasimError(
            f"this store was made by another sweep ({old_file or 'a Python object'}); choose another --out folder", where=where
        )
    for key, what in (("scenario", "the scenario it starts from"), ("design", "its design")):
        a, b = (
            json.loads(json.dumps(old.get(key), default=stores._json)),
            json.loads(json.dumps(new.get(key), default=stores._json)),
        )
        # paths may be spelt differently from another working directory; the hashes decide
        a = {k: v for k, v in (a or {}).items() if k not in ("source", "csv")}
        b = {k: v for k, v in (b or {}).items() if k not in ("source", "csv")}
        if a != b:
            raise CasimError(f"{what} changed since this store was started; write to a new --out folder", where=where)
    if old.get("chunks", {}).get("size") != new["chunks"]["size"] or old.get("runs") != new["runs"]:
        raise CasimError("the sweep's chunking changed since this store was started; write to a new --out folder", where=where)


def _prepare(out: Path, sweep: Sweep, design: designs.Design, plan: Plan, engine: str, resume: bool) -> stores.Store:
    fresh = _manifest(sweep, design, plan, engine)
    if out.exists() and not out.is_dir():
        raise CasimError("the output path is a file, not a folder", where=str(out))
    existing = stores.read_manifest(out) if out.is_dir() else None
    if existing is not None:
        if existing.get("store", {}).get("format") != stores.FORMAT:
            raise CasimError("this folder holds results that are not a sweep store; choose another --out folder", where=str(out))
        if not resume:
            raise CasimError(
                "this folder already holds a sweep store; pass --resume to finish it, or choose another --out folder",
                where=str(out),
            )
        _same_sweep(existing, sweep, fresh, out)
        if existing.get("engine") != engine:
            raise CasimError(
                f"this store was started with --engine {existing.get('engine')}; resume it with the same engine", where=str(out)
            )
        store = stores.open_existing(out)
        try:
            store.clean()
        except OSError as e:
            raise stores._oserror(e, out) from None
        return store
    leftovers = {p.name for p in out.iterdir() if not p.name.startswith(".")} if out.is_dir() else set()
    if leftovers <= {stores.CHUNKS, stores.DESIGN} and not any((out / stores.CHUNKS).glob("part-*")):
        leftovers = set()  # a store whose creation failed before its manifest: start it again
    if leftovers:
        raise CasimError("the output folder is not empty and holds no sweep store; choose an empty or new folder", where=str(out))
    return stores.create(out, fresh, designs.frame(sweep, design))


# ---------------------------------------------------------------------------
# the public entry point


def sweep(
    spec: str | Path | Mapping | Sweep,
    out: str | Path,
    *,
    workers: int = 1,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    engine: str | None = None,
    resume: bool = False,
    progress: Callable[[int], object] | None = None,
    on_start: Callable[[dict], object] | None = None,
) -> Outcome:
    """Run a sweep (a file, a mapping in the file format, or a :class:`Sweep`) into the store ``out``.

    A mapping's relative ``scenario`` path is relative to the working directory.

    ``executor`` is ``"local"`` (``workers`` processes; 1 runs in this process),
    ``"dask"`` (a Client on ``scheduler``, or a LocalCluster of ``workers``), or
    any ``concurrent.futures.Executor``. ``engine`` is ``ensemble`` (default) or
    ``mesa``. With ``resume`` only the missing chunks run. ``progress(n)`` is
    called with the runs of each finished chunk; ``on_start(info)`` once the
    plan is known. Ctrl-C raises :class:`SweepInterrupted` after storing the
    chunks already finished.
    """
    if isinstance(spec, str | Path):
        spec = load_sweep(spec)
    elif isinstance(spec, Mapping):
        spec = sweep_from_dict(spec)
    elif not isinstance(spec, Sweep):
        raise CasimError(f"a sweep is a file path, a mapping or a Sweep, not {type(spec).__name__}")
    out = Path(out)
    if engine is None:
        old = stores.read_manifest(out) if resume and out.is_dir() else None
        engine = (old or {}).get("engine", "ensemble")
    if engine not in api.ENGINES:
        raise CasimError(f"unknown engine {engine!r}; valid: {', '.join(api.ENGINES)}")
    design = designs.make(spec)
    plan = Plan(spec, design, engine)
    try:
        store = _prepare(out, spec, design, plan, engine, resume)
    except OSError as e:
        raise stores._oserror(e, out) from None
    done = store.done()
    todo = [i for i in range(plan.n_chunks) if i not in done]
    before = len(done)

    with open_pool(executor, workers, scheduler) as pool:
        session = {
            "started": time.time(),
            "pool": pool.label,
            "worker_start_s": round(pool.startup, 6),
            "engine": engine,
            "chunks_before": before,
        }
        store.manifest["sessions"].append(session)
        store.save_manifest()
        if on_start is not None:
            on_start(
                {
                    "name": spec.name,
                    "points": plan.points,
                    "replicates": spec.replicates,
                    "runs": plan.runs,
                    "chunks": plan.n_chunks,
                    "chunk": plan.chunk,
                    "done": before,
                    "runs_todo": sum(plan.bounds(i)[1] - plan.bounds(i)[0] for i in todo),
                    "method": design.method,
                    "pool": pool.label,
                    "engine": engine,
                    "out": str(out),
                }
            )
        started = time.perf_counter()
        ran, runs_ran = 0, 0

        def finished(i: int, data: bytes) -> None:
            nonlocal ran, runs_ran
            store.write_chunk(i, data)
            lo, hi = plan.bounds(i)
            ran += 1
            runs_ran += hi - lo
            if progress is not None:
                progress(hi - lo)

        try:
            if pool.executor is None:
                for i in todo:
                    finished(i, run_chunk(plan.job(i)))
            else:
                _run_pool(pool.executor, pool.window, plan, todo, finished)
        except KeyboardInterrupt:
            _close_session(store, session, ran, runs_ran, started, "interrupted")
            cmd = stores.resume_command(store.manifest, out)
            raise SweepInterrupted(out, before + ran, plan.n_chunks, cmd) from None
        except BaseException:
            _close_session(store, session, ran, runs_ran, started, "failed")
            raise
        seconds = time.perf_counter() - started
        complete = len(store.done()) == plan.n_chunks
        _close_session(store, session, ran, runs_ran, started, "complete" if complete else "incomplete")
        if complete:
            store.manifest["status"] = "complete"
            store.manifest["timing"]["finished"] = time.time()
            store.manifest["timing"]["seconds"] = round(sum(s.get("seconds") or 0 for s in store.manifest["sessions"]), 6)
            store.save_manifest()
    return Outcome(out, plan.runs, plan.n_chunks, before, ran, runs_ran, seconds, pool.label, pool.startup, store.manifest)


def _close_session(store: stores.Store, session: dict, ran: int, runs: int, started: float, status: str) -> None:
    seconds = time.perf_counter() - started
    session.update({"finished": time.time(), "status": status, "chunks_run": ran, "runs_run": runs, "seconds": round(seconds, 6)})
    if status != "complete":
        store.manifest["status"] = "incomplete"
    try:
        store.save_manifest()
    except CasimError:
        if status == "complete":
            raise


def _run_pool(ex: Executor, window: int, plan: Plan, todo: list[int], finished: Callable[[int, bytes], None]) -> None:
    """Keep at most ``window`` chunks in flight; store each as it completes; on Ctrl-C store the ones running."""
    pending: dict = {}
    queue = iter(todo)
    try:
        while True:
            while len(pending) < window:
                i = next(queue, None)
                if i is None:
                    break
                pending[ex.submit(run_chunk, plan.job(i))] = i
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(done, key=pending.get):
                finished(pending.pop(f), f.result())
    except KeyboardInterrupt:
        for f in pending:
            f.cancel()
        try:
            for f, i in sorted(pending.items(), key=lambda kv: kv[1]):
                if f.cancelled():
                    continue
                try:
                    data = f.result()
                except Exception:
                    continue
                finished(i, data)
        except KeyboardInterrupt:
            pass
        raise
    except BaseException:
        for f in pending:
            f.cancel()
        raise
