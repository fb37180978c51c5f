"""Running a sweep: split its runs into chunks, run each chunk as ensemble batches, store it as it finishes.

Run ``i`` is replicate ``i % replicates`` of design point ``i // replicates``;
its seed is ``casim.seeding.run_seed(seed, i)``. Chunk ``k`` holds runs
``k * chunk .. (k + 1) * chunk - 1`` whatever executes it, so a sweep's
results are the same bit for bit run serially, on local processes, on Dask,
or killed and resumed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import dataclass, field
from functools import lru_cache
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
from .spec import MAX_CHUNK_RUNS, Sweep, load_sweep, scenario_for, sweep_from_dict

MAX_CHUNK = 1024
MIN_CHUNK = 64
TARGET_CHUNKS = 32
MAX_CHUNKS = 1_000_000  # chunk files in one store; the planner and the store list them
DEFAULT_ROOT = Path("results") / "sweeps"
# Packages whose version change would change a resumed sweep's numbers or design: a resume refuses them.
PINNED = ("casim", "numpy", "SALib")


def default_chunk(runs: int) -> int:
    """Runs per chunk when the sweep file does not say: about 32 chunks, between 64 and 1024 runs each."""
    return max(1, min(runs, max(MIN_CHUNK, min(MAX_CHUNK, math.ceil(runs / TARGET_CHUNKS)))))


def default_out(sweep: Sweep) -> Path:
    """Where a sweep is stored when no folder is given: ``results/sweeps/<name>``."""
    return DEFAULT_ROOT / sweep.name


class SweepInterrupted(CasimError):
    """A sweep stopped by Ctrl-C; the store holds every chunk finished so far, and ``command`` resumes it."""

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


# The Scenario fields a payload carries as they are (values and shocks need converting to pickle).
_PLAIN_FIELDS = tuple(f.name for f in dataclasses.fields(Scenario) if f.name not in ("values", "shocks"))
_SCENARIOS: dict[str, Scenario] = {}


def payload(scenario: Scenario) -> dict:
    """A picklable form of a resolved scenario (a Scenario holds a mappingproxy, which does not pickle)."""
    d = {f: getattr(scenario, f) for f in _PLAIN_FIELDS}
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
    """The chunks of a sweep and how to make the job of each.

    It holds the design matrix and one group number per point; a chunk's
    values and its groups' scenarios are made when its job is, so planning
    memory grows with the points, not with the number of distinct scenarios.
    """

    def __init__(self, sweep: Sweep, design: designs.Design, engine: str):
        self.sweep, self.design, self.engine = sweep, design, engine
        self.points = design.points
        self.runs = self.points * sweep.replicates
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
        self.grouped = [(j, p) for j, p in enumerate(sweep.params) if p.grouped]
        self.value_params = [(j, p) for j, p in enumerate(sweep.params) if not p.grouped]
        if self.grouped:
            codes = np.stack([p.codes(design.X[:, j]) for j, p in self.grouped], axis=1)
            self.combos, inverse = np.unique(codes, axis=0, return_inverse=True)
            self.group_of_point = inverse.reshape(-1)
        else:
            self.combos, self.group_of_point = np.zeros((1, 0), dtype=np.int64), None
        self._group = lru_cache(maxsize=256)(self._make_group)

    def _make_group(self, g: int) -> tuple[str, dict]:
        """The key and payload of group ``g``'s scenario."""
        if not self.grouped:
            p = payload(self.sweep.scenario)
        else:
            params = tuple(p for _, p in self.grouped)
            p = payload(scenario_for(self.sweep.scenario, params, tuple(int(c) for c in self.combos[g])))
        return _key(p), p

    def bounds(self, index: int) -> tuple[int, int]:
        """The first run of chunk ``index`` and one past its last."""
        lo = index * self.chunk
        return lo, min(self.runs, lo + self.chunk)

    def job(self, index: int) -> ChunkJob:
        """The job of chunk ``index``: its runs split into groups of one scenario, with their per-run values."""
        lo, hi = self.bounds(index)
        points = np.arange(lo, hi, dtype=np.int64) // self.sweep.replicates
        X = self.design.X[points]
        decoded = {p.path: p.decode(X[:, j]) for j, p in enumerate(self.sweep.params)}
        gids = np.zeros(len(points), dtype=np.int64) if self.group_of_point is None else self.group_of_point[points]
        groups = []
        for g in np.unique(gids):
            pos = np.flatnonzero(gids == g)
            key, scen = self._group(int(g))
            groups.append(Group(key, scen, pos, {p.path: decoded[p.path][pos] for _, p in self.value_params}))
        columns = {"point": points}
        columns.update({p.path: p.column(decoded[p.path]) for p in self.sweep.params})
        return ChunkJob(
            index, lo, hi, self.sweep.seed, self.sweep.replicates, self.engine, self.keep_steps, tuple(groups), columns
        )


def _info(sweep: Sweep, design: designs.Design, plan: Plan, out: Path) -> dict:
    """The facts of a sweep's plan, as :func:`plan_info` returns them."""
    return {
        "name": sweep.name,
        "method": design.method,
        "points": plan.points,
        "replicates": sweep.replicates,
        "runs": plan.runs,
        "chunks": plan.n_chunks,
        "chunk": plan.chunk,
        "parameters": [p.path for p in sweep.params],
        "engine": plan.engine,
        "out": str(out),
    }


def _load(spec: str | Path | Mapping | Sweep) -> Sweep:
    if isinstance(spec, str | Path):
        return load_sweep(spec)
    if isinstance(spec, Mapping):
        return sweep_from_dict(spec)
    if not isinstance(spec, Sweep):
        raise CasimError(f"a sweep is a file path, a mapping or a Sweep, not {type(spec).__name__}")
    return spec


def _engine(engine: str | None, old: dict | None) -> str:
    if engine is None:
        engine = (old or {}).get("engine", "ensemble")
    if engine not in api.ENGINES:
        raise CasimError(f"unknown engine {engine!r}; valid: {', '.join(api.ENGINES)}")
    return engine


def plan_info(spec: str | Path | Mapping | Sweep, *, engine: str | None = None, out: str | Path | None = None) -> dict:
    """What a sweep would run, without running it or touching ``out``: name, method, points, replicates,
    runs, chunks, chunk (runs per chunk), parameters, engine and out (the store folder).

    :func:`sweep` passes the same facts to ``on_start`` (with the pool and what is already stored).
    """
    spec = _load(spec)
    design = designs.make(spec)
    plan = Plan(spec, design, _engine(engine, None))
    return _info(spec, design, plan, Path(out) if out is not None else default_out(spec))


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


def _same_sweep(old: dict, sweep: Sweep, new: dict, design: pd.DataFrame, out: Path) -> None:
    """Refuse to resume a store that another sweep, a changed sweep file, design, engine or casim/numpy/SALib made."""
    where = str(out)
    old_sweep = old.get("sweep") if isinstance(old.get("sweep"), dict) else {}
    old_file, old_path = old_sweep.get("file"), old_sweep.get("path")
    if old_sweep.get("sha256") != sweep.source_hash:
        same_file = old_path and sweep.source and Path(old_path) == Path(sweep.source).resolve()
        if same_file:
            raise CasimError(
                f"the sweep file {sweep.source} changed since this store was started; restore it or write to a new --out folder",
                where=where,
            )
        raise CasimError(
            f"this store was made by another sweep ({old_file or 'a Python object'}); choose another --out folder", where=where
        )
    old_versions = old.get("versions") if isinstance(old.get("versions"), dict) else {}
    old_versions = {**old_versions, "casim": old.get("casim_version", old_versions.get("casim"))}
    for pkg in PINNED:
        was, now = old_versions.get(pkg), new["versions"].get(pkg)
        if was is not None and was != now:
            raise CasimError(
                f"this store was started with {pkg} {was} and this is {pkg} {now}: a resumed sweep would mix the two; "
                f"finish it with {pkg} {was} or write to a new --out folder",
                where=where,
            )
    if old.get("engine") != new["engine"]:
        raise CasimError(
            f"this store was started with --engine {old.get('engine')}; resume it with the same engine", where=where
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
    try:
        stored = pd.read_parquet(out / stores.DESIGN)
    except (OSError, ValueError) as e:
        raise CasimError(f"cannot read the store's design ({e.__class__.__name__})", where=str(out / stores.DESIGN)) from None
    if not stored.equals(design):
        raise CasimError(
            "the design made now differs from the one stored in design.parquet (has SALib, numpy or the design file "
            "changed?); write to a new --out folder",
            where=where,
        )


# ---------------------------------------------------------------------------
# the public entry point


def sweep(
    spec: str | Path | Mapping | Sweep,
    out: str | Path | None = None,
    *,
    workers: int = 1,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    engine: str | None = None,
    resume: bool = False,
    window: int | None = None,
    progress: Callable[[int], object] | None = None,
    on_start: Callable[[dict], object] | None = None,
) -> Outcome:
    """Run a sweep (a file, a mapping in the file format, or a :class:`Sweep`) into the store ``out``.

    ``out`` defaults to ``results/sweeps/<name>``. A mapping's relative
    ``scenario`` path is relative to the working directory.

    ``executor`` is ``"local"`` (``workers`` processes; 1 runs in this process),
    ``"dask"`` (a Client on ``scheduler``, or a LocalCluster of ``workers``), or
    any ``concurrent.futures.Executor`` (or a Dask Client). ``window`` chunks
    are kept in flight (default: twice the executor's workers or threads, re-read
    as a Dask cluster grows). ``engine`` is ``ensemble`` (default) or
    ``mesa``. With ``resume`` only the missing chunks run. ``progress(n)`` is
    called with the runs of each finished chunk; ``on_start(info)`` once the
    workers are up, with :func:`plan_info`'s facts plus ``pool``, ``done``
    (chunks already stored) and ``runs_todo``. Ctrl-C raises
    :class:`SweepInterrupted` after storing the chunks already finished.
    """
    spec = _load(spec)
    out = Path(out) if out is not None else default_out(spec)
    old = stores.existing(out, resume)  # checks the folder; writes nothing
    engine = _engine(engine, old)
    design = designs.make(spec)
    plan = Plan(spec, design, engine)
    fresh = _manifest(spec, design, plan, engine)
    frame = designs.frame(spec, design)
    if old is not None:
        _same_sweep(old, spec, fresh, frame, out)
    command = stores.resume_command(
        spec.source, out, workers=workers, executor=executor if isinstance(executor, str) else None, scheduler=scheduler
    )

    with open_pool(executor, workers, scheduler, window) as pool:
        if old is None:
            store = stores.create(out, fresh, frame)
        else:
            store = stores.open_existing(out)
            store.clean()
        del frame
        done = store.done()
        todo = [i for i in range(plan.n_chunks) if i not in done]
        before = len(done)
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
            info = _info(spec, design, plan, out)
            info.update(
                pool=pool.label, done=before, runs_todo=sum(plan.bounds(i)[1] - plan.bounds(i)[0] for i in todo)
            )
            on_start(info)
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
                _run_pool(pool, plan, todo, finished)
        except KeyboardInterrupt:
            _close_session(store, session, ran, runs_ran, started, "interrupted")
            raise SweepInterrupted(out, before + ran, plan.n_chunks, command) from None
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


def _run_pool(pool, plan: Plan, todo: list[int], finished: Callable[[int, bytes], None]) -> None:
    """Keep ``pool.inflight()`` chunks submitted; store each as it completes; on Ctrl-C store the ones running."""
    ex = pool.executor
    pending: dict = {}
    queue = iter(todo)
    try:
        while True:
            window = pool.inflight()
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
