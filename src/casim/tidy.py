"""The tidy table's columns, filled from numpy arrays: one row per run, step and state.

:class:`Layout` holds what every block of rows of a scenario's table shares
(names, categories, the labels repeated for each run) and fills columns from
trajectories by whole-array assignments, no per-row Python; the same columns
become a pandas DataFrame or an Arrow record batch without being copied
(:mod:`casim.results` builds, writes and streams tables with it).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol

import numpy as np
import pandas as pd

from . import columns, dynamics
from .columns import CORE_COLUMNS
from .errors import CasimError


class Labels(Protocol):
    """What a table (:func:`casim.results.table`) reads of a scenario: its name, states, powers and dates."""

    @property
    def name(self) -> str: ...

    @property
    def states(self) -> tuple[str, ...]: ...

    @property
    def powers(self) -> tuple[str, ...]: ...

    def dates(self) -> list[str]: ...


@contextlib.contextmanager
def small_pages() -> Iterator[None]:
    """Arrays allocated inside are not madvised for transparent huge pages (NumPy's default for large arrays).

    A table is written once, front to back; where the kernel compacts memory on a madvised fault (``defrag=madvise``,
    the Linux default) its first touch cost 2.1-2.6x the model's time against 1.3-1.5x in 4 KiB pages
    (docs/performance.md). NumPy's switch is process-wide, so it is set for the allocation only and restored after;
    ``NUMPY_MADVISE_HUGEPAGE`` in the environment is the user's choice and is left alone, as is a NumPy without the
    switch.
    """
    multiarray = getattr(getattr(np, "_core", None), "multiarray", None)
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    if switch is None or "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        yield
        return
    before = switch(False)
    try:
        yield
    finally:
        switch(before)


BATCH = 128  # runs turned into rows at a time: their temporaries stay in the CPU's cache (5x faster than 4,096)


def hedging(alignment: np.ndarray) -> np.ndarray:
    """:func:`casim.dynamics.hedging`, equal bit for bit, faster for 2 to 7 powers.

    numpy sums fewer than 8 terms in order (``(t0 + t1) + t2 ...``), so adding
    the powers' terms column by column gives the same sums without numpy's
    reduction over the short last axis, which takes most of the time
    (tests/test_tables.py checks the equality for 2 to 9 powers).
    """
    P = alignment.shape[-1]
    if not 2 <= P <= 7:
        return dynamics.hedging(alignment)
    a = np.clip(alignment, 1e-300, 1.0)
    terms = np.log(a)
    terms *= a
    total = terms[..., 0] + terms[..., 1]
    for j in range(2, P):
        total += terms[..., j]
    return -total / np.log(P)


def _code_type(n: int) -> type[np.signedinteger]:
    """The integer type of a categorical's codes with ``n`` categories: pandas' choice (``coerce_indexer_dtype``: fewer
    than the type's maximum), so pandas need not convert them, and a valid Arrow dictionary index."""
    return np.int8 if n < 2**7 - 1 else np.int16 if n < 2**15 - 1 else np.int32


class Layout:
    """What every row block of a scenario's tidy table shares: the column names, the categories and the pattern of
    (step, date, state) labels repeated for each run.

    Columns are filled from numpy arrays by whole-array assignments (no per-row Python): labels are broadcast,
    the shares are copied out of the trajectories ``(runs, steps + 1, states, powers)``. The same columns make a
    pandas DataFrame (:meth:`frame`) or an Arrow record batch (:meth:`arrow`), each without copying them.
    """

    def __init__(self, scenario: Labels, extra=()):
        self.powers = tuple(scenario.powers)
        dates, states = list(scenario.dates()), list(scenario.states)
        self.extra = tuple(extra)
        taken = {*CORE_COLUMNS, *self.powers, columns.HEDGING}
        clash = sorted(set(self.powers) & columns.RESERVED) or sorted(set(self.extra) & taken)
        if clash:  # scenario files refuse such power names; this keeps any other caller from overwriting a column
            raise CasimError(
                f"column {clash[0]!r} would be written twice; reserved: {', '.join(sorted(columns.RESERVED))}"
            )
        # categorical columns: (categories, ordered); the date is ordered, as the quarters are
        self.categories = {
            columns.SCENARIO: ([scenario.name], False),
            columns.DATE: (dates, True),
            columns.STATE: (states, False),
        }
        T1, S = len(dates), len(states)
        self.per_run = T1 * S  # rows per run
        self.pattern: dict[str, np.ndarray] = {  # the labels of one run's rows
            columns.SCENARIO: np.zeros(self.per_run, dtype=np.int8),
            columns.STEP: np.repeat(np.arange(T1, dtype=np.int64), S),
            columns.DATE: np.repeat(np.arange(T1, dtype=_code_type(T1)), S),
            columns.STATE: np.tile(np.arange(S, dtype=_code_type(S)), T1),
        }
        self.names = (*CORE_COLUMNS, *self.powers, columns.HEDGING, *self.extra)

    def empty(self, runs: int, extra: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Uninitialised columns for ``runs`` runs (``extra``: per-run arrays whose dtypes the extra columns take)."""
        n = runs * self.per_run
        dtypes: dict[str, np.dtype] = {
            name: np.dtype(np.int64) for name in (columns.RUN, columns.REPLICATE, columns.SEED)
        }
        dtypes |= {name: p.dtype for name, p in self.pattern.items()}
        dtypes |= {name: np.dtype(np.float64) for name in (*self.powers, columns.HEDGING)}
        dtypes |= {name: np.asarray(v).dtype for name, v in (extra or {}).items()}
        with small_pages():
            return {name: np.empty(n, dtype=dtypes[name]) for name in self.names}

    def fill(
        self,
        cols: Mapping[str, np.ndarray],
        at: int,
        trajectories: np.ndarray,
        seeds: np.ndarray,
        runs: np.ndarray,
        replicates: np.ndarray,
        extra: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Write the rows of runs ``at, at + 1, ...`` (their trajectories, seeds, numbers ...) into ``cols``."""
        for lo in range(0, len(trajectories), BATCH):
            hi = min(len(trajectories), lo + BATCH)
            R = hi - lo
            rows = slice((at + lo) * self.per_run, (at + hi) * self.per_run)

            def put(name: str, values: np.ndarray, rows: slice = rows, R: int = R) -> None:
                cols[name][rows].reshape(R, self.per_run)[:] = values

            for name, pattern in self.pattern.items():
                put(name, pattern)
            put(columns.RUN, np.asarray(runs)[lo:hi, None])
            put(columns.REPLICATE, np.asarray(replicates)[lo:hi, None])
            put(columns.SEED, np.asarray(seeds)[lo:hi, None])
            traj = trajectories[lo:hi]
            for j, p in enumerate(self.powers):
                put(p, traj[..., j].reshape(R, self.per_run))
            put(columns.HEDGING, hedging(traj).reshape(R, self.per_run))
            for name, v in (extra or {}).items():
                put(name, np.asarray(v)[lo:hi, None])

    def fill_from(self, cols: Mapping[str, np.ndarray], batches: Iterable[tuple]) -> None:
        """:meth:`fill` ``cols`` from each of ``batches`` (tuples of :meth:`fill`'s arguments after ``cols``) in a
        second thread while the next batch is made: the ensemble kernel releases the GIL, so on two cores the
        table's first touch and copies overlap the simulation. The rows written are the same as batch by batch."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="casim-fill") as pool:
            pending: Future | None = None
            for batch in batches:
                if pending is not None:
                    pending.result()
                pending = pool.submit(self.fill, cols, *batch)
            if pending is not None:
                pending.result()

    def frame(self, cols: Mapping[str, np.ndarray]) -> pd.DataFrame:
        """The columns as a pandas DataFrame (categoricals for the categories); the arrays are not copied."""
        out: dict[str, object] = dict(cols)
        for name, (categories, ordered) in self.categories.items():
            dtype = pd.CategoricalDtype(categories, ordered=ordered)
            out[name] = pd.Categorical.from_codes(cols[name], dtype=dtype, validate=False)
        return pd.DataFrame(out, copy=False)

    def arrow(self, cols: Mapping[str, np.ndarray]):
        """The columns as an Arrow record batch: dictionary columns for the categories, the rest plain."""
        import pyarrow as pa

        arrays = []
        for name in self.names:
            if name in self.categories:
                categories, ordered = self.categories[name]
                arrays.append(pa.DictionaryArray.from_arrays(cols[name], pa.array(categories), ordered=ordered))
            else:
                arrays.append(pa.array(cols[name]))
        return pa.RecordBatch.from_arrays(arrays, names=list(self.names))
