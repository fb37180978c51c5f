"""Where chunks run: in this process, on local worker processes, or on Dask (any ``concurrent.futures.Executor``)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from ..errors import CasimError

EXECUTORS = ("local", "dask")
SCHEDULER_TIMEOUT = "10s"
RECOUNT_S = 2.0  # how often a Dask cluster's thread count is re-read while a sweep runs
PARENT_POLL_S = 1.0  # how often a local worker without a parent sentinel checks that its parent lives


@dataclass
class Pool:
    """An executor (None runs chunks serially in this process), how many chunks it runs at once, and a label.

    ``threads()`` is re-read while the sweep runs (a Dask cluster may grow);
    a ``window`` given by the caller overrides the default of twice that.
    """

    executor: Executor | None
    label: str
    threads: Callable[[], int]
    window: int | None = None
    startup: float = 0.0  # seconds spent starting the workers

    def inflight(self) -> int:
        """How many chunks to keep submitted at once."""
        return self.window or 2 * max(1, int(self.threads()))


def _ready() -> bool:
    return True


def _quiet_worker() -> None:
    """Local workers ignore Ctrl-C and SIGTERM (the parent stops the sweep and decides what to keep) and die with
    the parent: a killed sweep leaves no worker, and so no forkserver (it stays while any of its children does)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    threading.Thread(target=_die_with, args=(parent,), name="casim-parent-watch", daemon=True).start()


def _die_with(parent) -> None:
    """Exit this worker as soon as its parent (the sweep's process) is gone.

    ``parent.sentinel`` is a pipe end that the parent holds open (with spawn and
    forkserver alike), so waiting on it wakes at the parent's death however it
    died; without one (fork), the parent pid is polled.
    """
    if parent is not None and parent.sentinel is not None:
        multiprocessing.connection.wait([parent.sentinel])
    else:
        ppid = os.getppid()
        while os.getppid() == ppid:
            time.sleep(PARENT_POLL_S)
    os._exit(1)


def _context(kernel: bool = False):
    """forkserver where there is one (one import of casim, then cheap forks; safe with threads), else spawn.

    The fork server imports the chunk code, and with ``kernel`` also loads the fused kernel
    (:mod:`casim.sweep.preload`); it is started once per process, by the first sweep that needs it.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["casim.sweep.preload" if kernel else "casim.sweep.jobs"])
        return ctx
    return multiprocessing.get_context("spawn")


def prestart(executor: str | Executor | None, workers: int, scheduler: str | None = None, kernel: bool = False) -> None:
    """Start the local workers' fork server now, without waiting for it: it imports casim's chunk code (and with
    ``kernel``, loads the fused kernel) in its own process while the caller makes the design, and :func:`open_pool`
    then forks ready workers from it. Nothing for a serial sweep, Dask or an executor passed in."""
    if executor not in (None, "local") or scheduler or isinstance(workers, bool) or not isinstance(workers, int):
        return
    if workers > 1 and _context(kernel).get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CasimError(f"{name} must be a whole number of at least 1 (got {value!r})")


class _DaskThreads:
    """A Dask cluster's thread count, re-read every RECOUNT_S seconds by a background thread.

    The sweep's own thread never waits on the scheduler for it, so a Ctrl-C
    cannot land inside one of Dask's blocking calls (which then prints a
    traceback); if the scheduler does not answer, the last count stands.
    """

    def __init__(self, client, fallback: int):
        self.client, self.n = client, fallback
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _count(self) -> None:
        with contextlib.suppress(Exception):
            self.n = sum(self.client.nthreads().values()) or self.n

    def __call__(self) -> int:
        return self.n

    def __enter__(self) -> _DaskThreads:
        self._count()
        self._thread = threading.Thread(target=self._poll, name="casim-dask-threads", daemon=True)
        self._thread.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(RECOUNT_S):
            self._count()

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)  # before the client closes under it


def _is_dask(executor: Executor) -> bool:
    return hasattr(getattr(executor, "_client", None), "nthreads")


def _threads_of(executor: Executor) -> Callable[[], int]:
    """How many tasks a (non-Dask) executor runs at once: its ``_max_workers``, else the machine's cores."""
    n = getattr(executor, "_max_workers", None)
    n = n if isinstance(n, int) and n >= 1 else (os.cpu_count() or 1)
    return lambda: n


@contextmanager
def open_pool(
    executor: str | Executor | None = None, workers: int = 1, scheduler: str | None = None, window: int | None = None
):
    """Yield a :class:`Pool`; executors made here are shut down on exit, ones passed in are left open.

    ``executor`` may also be a Dask ``Client`` (its ``get_executor()`` is used).
    """
    _positive("workers", workers)
    if window is not None:
        _positive("window", window)
    if executor is not None and not isinstance(executor, str | Executor) and hasattr(executor, "get_executor"):
        executor = executor.get_executor(pure=False)  # a Dask Client
    if isinstance(executor, Executor):
        if scheduler:
            raise CasimError("scheduler applies to executor 'dask'; an executor passed in is used as it is")
        if _is_dask(executor):
            client = cast(Any, executor)._client  # a Dask ClientExecutor's client: checked by _is_dask
            with _DaskThreads(client, 1) as threads:
                yield Pool(executor, type(executor).__name__, threads, window)
        else:
            yield Pool(executor, type(executor).__name__, _threads_of(executor), window)
        return
    kind = executor or ("dask" if scheduler else "local")
    if kind not in EXECUTORS:
        raise CasimError(f"unknown executor {kind!r}; valid: {', '.join(EXECUTORS)}")
    if kind == "local":
        if scheduler:
            raise CasimError("--scheduler needs --executor dask")
        if workers == 1:
            yield Pool(None, "1 process (serial)", lambda: 1, 1)
            return
        ctx = _context()
        t0 = time.perf_counter()
        ex = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_quiet_worker)
        try:
            for f in [
                ex.submit(_ready) for _ in range(workers)
            ]:  # start the workers now, not inside the first chunks' timing
                f.result()
            yield Pool(ex, f"{workers} local processes", lambda: workers, window, time.perf_counter() - t0)
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
        return
    yield from _dask(workers, scheduler, window)


def check_scheduler(address: str) -> None:
    """Refuse a scheduler address Dask cannot parse, before any Client is made (a half-made one hangs on exit)."""
    from distributed.comm import get_address_host_port

    try:
        get_address_host_port(address)
    except ValueError as e:
        raise CasimError(
            f"not a Dask scheduler address: {address!r} ({str(e).strip() or 'unparsable'}); write e.g. tcp://10.0.0.5:8786"
        ) from None


def _security(address: str):
    """Dask's security settings from its own configuration; a ``tls://`` address without them is refused."""
    from distributed.security import Security

    try:
        security = Security()
        context = security.get_connection_args("client").get("ssl_context")
    except (OSError, ValueError) as e:  # a certificate file missing, unreadable or not a certificate
        import dask

        keys = ("ca-file", "client.cert", "client.key")
        named = ", ".join(f"{k} = {v}" for k in keys if (v := dask.config.get(f"distributed.comm.tls.{k}", None)))
        reason = (e.strerror if isinstance(e, OSError) else None) or e
        raise CasimError(f"Dask's TLS configuration cannot be used ({reason}): check its files ({named})") from None
    if address.startswith("tls://") and context is None:
        raise CasimError(
            f"the scheduler {address} uses TLS, and Dask has no TLS configuration: set "
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and "
            "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY (or distributed.comm.tls in a Dask config file; docs/sweeps.md)"
        )
    return security


def probe_scheduler(address: str, security, timeout: float) -> None:
    """Ask the peer at ``address`` who it is, all within ``timeout`` seconds; anything but a Dask scheduler answering
    in time is a CasimError.

    distributed's ``Client(timeout=...)`` bounds the TCP connection but not the
    handshake after it, so a peer that accepts and never speaks would hang it,
    and one that sends other bytes makes it raise whatever decoding them does.
    The probe runs on its own event loop in its own thread (a caller may be
    inside one, e.g. Jupyter), and the caller waits for it no longer than the timeout.
    """
    import asyncio

    from distributed.comm import connect

    async def ask() -> object:
        comm = await connect(address, timeout=timeout, **security.get_connection_args("client"))
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    answer: list = []

    def run() -> None:
        try:
            answer.append(asyncio.run(asyncio.wait_for(ask(), timeout)))
        except BaseException as e:  # every failure of the probe is reported to the caller
            answer.append(e)

    thread = threading.Thread(target=run, name="casim-dask-probe", daemon=True)
    thread.start()
    thread.join(timeout + 1.0)
    if not answer or isinstance(answer[0], TimeoutError):
        raise CasimError(
            f"cannot reach the Dask scheduler at {address}: it did not answer within {timeout:g} s "
            "(is the address right, and is it a Dask scheduler?)"
        )
    got = answer[0]
    if isinstance(got, BaseException):
        reason = str(got).strip().splitlines()[0] if str(got).strip() else got.__class__.__name__
        if isinstance(got, MemoryError | ValueError | TypeError | KeyError):  # bytes that are not Dask's protocol
            reason = f"the peer does not speak Dask's protocol (its bytes do not decode: {got.__class__.__name__})"
        raise CasimError(f"cannot reach the Dask scheduler at {address}: {reason}")
    if not isinstance(got, dict) or got.get("type") != "Scheduler":
        kind = got.get("type") if isinstance(got, dict) else type(got).__name__
        raise CasimError(f"cannot use {address}: it answers as {kind!r}, not as a Dask scheduler")


@contextmanager
def _sigint_ignored():
    """Ignore Ctrl-C while worker processes start, so they inherit the ignored disposition (the parent handles it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _dask(workers: int, scheduler: str | None, window: int | None):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CasimError("--executor dask needs Dask: pip install 'casim[dask]'") from None
    cluster = None
    t0 = time.perf_counter()
    if scheduler:
        from dask.utils import parse_timedelta

        check_scheduler(scheduler)
        security = _security(scheduler)
        probe_scheduler(scheduler, security, float(parse_timedelta(SCHEDULER_TIMEOUT, default="seconds")))
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT, set_as_default=False, security=security)
        except (OSError, TimeoutError, ValueError, TypeError) as e:
            reason = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
            raise CasimError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from None
        label = f"Dask scheduler {scheduler}"
    else:
        with _sigint_ignored():
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,  # no dashboard; its other HTTP routes on any free loopback port, not 8787
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                # the workers' logs: a chunk's error reaches casim through its future; their warnings and
                # shutdown errors after a Ctrl-C (cancelled chunks, a heartbeat to a closing scheduler) are noise
                silence_logs=logging.CRITICAL,
            )
            try:
                client = Client(cluster, set_as_default=False)
            except BaseException:
                cluster.close()
                raise
        label = f"Dask LocalCluster ({workers} workers)"
    try:
        with _DaskThreads(client, workers) as threads:
            yield Pool(client.get_executor(pure=False), label, threads, window, time.perf_counter() - t0)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
