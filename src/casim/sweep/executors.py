"""Where chunks run: in this process, on local worker processes, or on Dask (any ``concurrent.futures.Executor``)."""

from __future__ import annotations

import multiprocessing
import signal
import time
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from ..errors import CasimError

KINDS = ("local", "dask")
SCHEDULER_TIMEOUT = "10s"


@dataclass
class Pool:
    """An executor (None runs chunks serially in this process), how many chunks to keep in flight, and a label."""

    executor: Executor | None
    window: int
    label: str
    startup: float = 0.0  # seconds spent starting the workers


def _ready() -> bool:
    return True


def _quiet_worker() -> None:
    """Local workers ignore Ctrl-C: the parent stops the sweep and decides what to keep."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _context():
    """forkserver where there is one (one import of casim, then cheap forks; safe with threads), else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["casim.sweep.runner"])
        return ctx
    return multiprocessing.get_context("spawn")


@contextmanager
def open_pool(executor: str | Executor | None = None, workers: int = 1, scheduler: str | None = None, window: int | None = None):
    """Yield a :class:`Pool`; executors made here are shut down on exit, ones passed in are left open."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise CasimError(f"workers must be a whole number of at least 1 (got {workers!r})")
    if isinstance(executor, Executor):
        yield Pool(executor, window or 2 * workers, type(executor).__name__)
        return
    kind = executor or ("dask" if scheduler else "local")
    if kind not in KINDS:
        raise CasimError(f"unknown executor {kind!r}; valid: {', '.join(KINDS)}")
    if kind == "local":
        if scheduler:
            raise CasimError("--scheduler needs --executor dask")
        if workers == 1:
            yield Pool(None, 1, "1 process (serial)")
            return
        ctx = _context()
        t0 = time.perf_counter()
        ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_quiet_worker)
        try:
            for f in [
                ex.submit(_ready) for _ in range(workers)
            ]:  # start the workers now, not inside the timing of the first chunks
                f.result()
            yield Pool(ex, window or 2 * workers, f"{workers} local processes", time.perf_counter() - t0)
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
        return
    yield from _dask(workers, scheduler, window)


def _dask(workers: int, scheduler: str | None, window: int | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CasimError("--executor dask needs Dask: pip install 'casim[dask]'") from None
    cluster = None
    t0 = time.perf_counter()
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
            raise CasimError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from None
        label = f"Dask scheduler {scheduler}"
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
        client = Client(cluster, set_as_default=False)
        label = f"Dask LocalCluster ({workers} workers)"
    try:
        threads = sum(client.nthreads().values()) or workers
        yield Pool(client.get_executor(pure=False), window or 2 * threads, label, time.perf_counter() - t0)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
