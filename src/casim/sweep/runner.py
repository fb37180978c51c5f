"""Running a sweep: plan it, open the store and the executor, run the missing chunks, store each as it finishes.

This module orchestrates; the work of a chunk is in :mod:`casim.sweep.jobs`,
the chunking in :mod:`casim.sweep.plan`, the store in :mod:`casim.sweep.store`,
the resume check in :mod:`casim.sweep.resume` and the executors in
:mod:`casim.sweep.executors`. Run ``i`` is replicate ``i % replicates`` of
design point ``i // replicates``; its seed is ``casim.seeding.run_seed(seed, i)``
(over posterior draws, see :mod:`casim.sweep.plan`: replicate ``r`` of every
point and draw has seed ``run_seed(seed, r)``).
Chunk ``k`` holds runs ``k * chunk .. (k + 1) * chunk - 1`` whatever executes
it, so a sweep's results are the same bit for bit run serially, on local
processes, on Dask, or killed and resumed. One sweep at a time writes a store
(the folder's lock); SIGTERM stops a sweep as Ctrl-C does (exit 143, not 130).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import ensemble
from ..errors import CasimError
from ..folders import writer_lock
from . import design as designs
from . import store as stores
from . import summary as summaries
from .executors import open_pool, prestart
from .jobs import Chunk, run_chunk
from .manifest import new_manifest
from .plan import Plan, choose_engine, default_out, plan_facts
from .resume import check_resumable
from .spec import Sweep, to_sweep

if TYPE_CHECKING:
    import pandas as pd


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread while a sweep runs so that it stops as it does on Ctrl-C."""


class SweepInterrupted(CasimError):
    """A sweep stopped by Ctrl-C or SIGTERM; the store holds every chunk finished so far, and ``command`` resumes it.

    ``exit_code`` is 128 + the signal's number: 130 for Ctrl-C (SIGINT), 143 for SIGTERM.
    """

    exit_code = 130

    def __init__(self, out: Path, done: int, total: int, command: str, signum: int = signal.SIGINT):
        self.out, self.done, self.total, self.command = out, done, total, command
        self.signal = signal.Signals(signum).name
        self.exit_code = 128 + int(signum)
        word = "terminated" if signum == signal.SIGTERM else "interrupted"
        super().__init__(f"{word} with {done} of {total} chunks stored in {out}; resume with: {command}")


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """While a sweep runs in the main thread, SIGTERM raises :class:`Terminated` (a KeyboardInterrupt) instead of
    killing the process unrecorded; a handler someone else installed is left alone."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return

    def terminate(signum, frame):
        raise Terminated

    old = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@dataclass(frozen=True)
class Outcome:
    """What a call to :func:`run_sweep` did."""

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
    totals: summaries.Totals = field(default_factory=summaries.Totals, repr=False)  # of the chunks run here
    tallied: frozenset[int] = field(default=frozenset(), repr=False)  # those chunks

    def summary(self) -> tuple[str, pd.DataFrame]:
        """The closing summary (as :func:`casim.sweep.summarise` gives it) from the tallies the workers made as
        chunks finished: only chunks stored before this call (a resumed sweep's) are read from the store."""
        return stores.summary_after_run(self.out, self.totals, self.tallied)

    @property
    def complete(self) -> bool:
        return self.chunks_before + self.chunks_run == self.chunks

    @property
    def runs_per_second(self) -> float:
        return self.runs_run / self.seconds if self.seconds > 0 else float("nan")


def run_sweep(
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
    (chunks already stored), ``damaged`` (chunk files that failed their
    checksum and run again) and ``runs_todo``. Ctrl-C or SIGTERM raises
    :class:`SweepInterrupted` after storing the chunks already finished.
    Another process writing ``out`` at the same time is a CasimError.
    """
    spec = to_sweep(spec)
    out = Path(out) if out is not None else default_out(spec)
    old = stores.existing(out, resume)  # checks the folder; writes nothing
    engine = choose_engine(engine, old)
    # local workers start on another core while this one samples the design (loading the fused kernel if it runs)
    work = designs.count(spec) * spec.runs_per_point * spec.scenario.steps
    prestart(executor, workers, scheduler, kernel=engine == "ensemble" and work >= ensemble.FUSED_MIN_WORK)
    design = designs.make(spec)
    plan = Plan(spec, design, engine)
    fresh = new_manifest(spec, design, plan, engine)
    frame = designs.frame(spec, design)
    if old is not None:
        check_resumable(old, spec, fresh, frame, out)
    command = stores.resume_command(
        spec.source, out, workers=workers, executor=executor if isinstance(executor, str) else None, scheduler=scheduler
    )

    with (
        sigterm_as_interrupt(),
        open_pool(executor, workers, scheduler, window) as pool,
        writer_lock(out, "the sweep store"),
    ):
        # again under the lock: another sweep may have started a store here since the first look
        if stores.existing(out, resume) is None:
            store = stores.create(out, fresh, frame)
        else:
            store = stores.open_existing(out)
            store.clean()
        del frame
        check = store.check()
        check.refuse_strays(store)
        stored = set(check.good)  # damaged chunks are run again, like missing ones
        todo = [i for i in range(plan.n_chunks) if i not in stored]
        before = len(stored)
        session = {
            "started": time.time(),
            "pool": pool.label,
            "worker_start_s": round(pool.startup, 6),
            "engine": engine,
            "chunks_before": before,
            "chunks_damaged": sorted(check.damaged),
        }
        store.manifest["sessions"].append(session)
        started = time.perf_counter()
        ran, runs_ran = 0, 0
        totals, tallied = summaries.Totals(), set()

        def finished(i: int, chunk: Chunk) -> None:
            nonlocal ran, runs_ran
            store.write_chunk(i, chunk.data)
            stored.add(i)
            totals.add(chunk.tally)
            tallied.add(i)
            lo, hi = plan.bounds(i)
            ran += 1
            runs_ran += hi - lo
            if progress is not None:
                progress(hi - lo)

        try:  # from here a Ctrl-C or SIGTERM closes the session as interrupted
            store.save_manifest()
            if on_start is not None:
                info = plan_facts(spec, design, plan, out)
                info.update(
                    pool=pool.label,
                    done=before,
                    damaged=len(check.damaged),
                    runs_todo=sum(plan.bounds(i)[1] - plan.bounds(i)[0] for i in todo),
                )
                on_start(info)
            if pool.executor is None:
                for i in todo:
                    finished(i, run_chunk(plan.job(i)))
            else:
                _run_pool(pool, plan, todo, finished)
        except KeyboardInterrupt as e:
            signum = signal.SIGTERM if isinstance(e, Terminated) else signal.SIGINT
            session["signal"] = signal.Signals(signum).name
            _close_session(store, session, ran, runs_ran, started, "interrupted")
            raise SweepInterrupted(out, before + ran, plan.n_chunks, command, signum) from None
        except BaseException:
            _close_session(store, session, ran, runs_ran, started, "failed")
            raise
        seconds = time.perf_counter() - started
        complete = len(stored) == plan.n_chunks
        _close_session(store, session, ran, runs_ran, started, "complete" if complete else "incomplete")
    return Outcome(
        out,
        plan.runs,
        plan.n_chunks,
        before,
        ran,
        runs_ran,
        seconds,
        pool.label,
        pool.startup,
        store.manifest,
        totals,
        frozenset(tallied),
    )


def _close_session(store: stores.Store, session: dict, ran: int, runs: int, started: float, status: str) -> None:
    seconds = time.perf_counter() - started
    session.update(
        {"finished": time.time(), "status": status, "chunks_run": ran, "runs_run": runs, "seconds": round(seconds, 6)}
    )
    if status != "complete":
        store.manifest["status"] = "incomplete"
    else:  # the session and the store's status in one write: a signal cannot land between them
        store.manifest["status"] = "complete"
        store.manifest["timing"]["finished"] = time.time()
        store.manifest["timing"]["seconds"] = round(sum(s.get("seconds") or 0 for s in store.manifest["sessions"]), 6)
    try:
        store.save_manifest()
    except CasimError:
        if status == "complete":
            raise


def _run_pool(pool, plan: Plan, todo: list[int], finished: Callable[[int, Chunk], None]) -> None:
    """Keep ``pool.inflight()`` chunks submitted; store each as it completes; on Ctrl-C store the ones running."""
    ex = pool.executor
    pending: dict[Future, int] = {}
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
            for f in sorted(done, key=pending.__getitem__):  # every done future is pending
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
