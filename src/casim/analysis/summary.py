"""Summaries of a results table: its powers, the horizon, quantile bands, mean paths, dominant partners."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import cast

import numpy as np
import pandas as pd

from .. import columns, measures
from ..errors import CasimError, did_you_mean

REQUIRED = ("scenario", "run", "step", "date", "state", "hedging")
OUTCOMES_EXTRA = ("hedging",)


def check_table(df: pd.DataFrame, where: str | None = None) -> None:
    """Raise a one-line error if ``df`` lacks the columns of a casim results table."""
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise CasimError(f"not a casim results table: missing column(s) {', '.join(missing)}", where=where)
    if df.empty:
        raise CasimError("the results table is empty", where=where)


def powers_of(df: pd.DataFrame) -> list[str]:
    """The power columns of a results table: those between ``state`` and ``hedging``."""
    check_table(df)
    cols = list(df.columns)
    powers = cols[cols.index("state") + 1 : cols.index("hedging")]
    if not powers:
        raise CasimError("not a casim results table: no power columns between 'state' and 'hedging'")
    return powers


def outcomes_of(df: pd.DataFrame) -> list[str]:
    """The numeric outcomes a figure or an index can be computed for: each power's share and hedging."""
    return [*powers_of(df), *OUTCOMES_EXTRA]


def check_choice(kind: str, value: str, valid: Sequence[str]) -> str:
    """``value`` if it is one of ``valid``, else a one-line error suggesting the nearest."""
    if value not in valid:
        raise CasimError(f"unknown {kind} {value!r}{did_you_mean(str(value), [str(v) for v in valid])}")
    return value


def states_of(df: pd.DataFrame) -> list[str]:
    """States in the table's order (categorical order when the table keeps it)."""
    s = df["state"]
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.unique())
        return [str(c) for c in s.cat.categories if c in present]
    return [str(x) for x in pd.unique(s)]


def labels(col: pd.Series) -> tuple[np.ndarray, list[str]] | None:
    """A categorical column's codes and its categories as text (``str`` of each), or None when the column is not
    categorical, a row has no category or two categories read as the same text.

    Grouping by the codes then groups as by the column's text, without turning millions of rows into strings.
    """
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return None
    codes = col.cat.codes.to_numpy()
    names = [str(c) for c in col.cat.categories]
    if len(set(names)) != len(names) or (codes.size and codes.min() < 0):
        return None
    return codes, names


def block_starts(codes: np.ndarray) -> np.ndarray:
    """The row where each run of equal values in ``codes`` starts (the first row of each block)."""
    if not codes.size:
        return np.zeros(0, dtype=np.intp)
    return np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))


def scenarios_of(df: pd.DataFrame) -> list[str]:
    """Scenario names in order of appearance."""
    got = labels(df["scenario"])
    if got is None:
        return [str(x) for x in pd.unique(df["scenario"].astype(str))]
    codes, names = got
    return [names[c] for c in pd.unique(codes[block_starts(codes)])]


def one_scenario(df: pd.DataFrame, scenario: str | None = None) -> pd.DataFrame:
    """The rows of one scenario (the only one, or the named one)."""
    names = scenarios_of(df)
    if scenario is None:
        if len(names) > 1:
            raise CasimError(
                f"the table holds {len(names)} scenarios ({', '.join(names)}); "
                "choose one (scenario=..., or casim plot --scenario)"
            )
        return df
    check_choice("scenario", scenario, names)
    return df[df["scenario"].astype(str) == scenario]


def quarter_starts(labels: Iterable[str]) -> np.ndarray:
    """First day of each quarter label ("2024Q1" -> 2024-01-01) as datetime64, for date axes."""
    return pd.PeriodIndex([str(x) for x in labels], freq="Q").to_timestamp().to_numpy()


def horizon(df: pd.DataFrame) -> pd.DataFrame:
    """The rows at each scenario's last step."""
    check_table(df)
    got, step = labels(df["scenario"]), df["step"].to_numpy()
    if got is None or step.dtype.kind not in "iu" or not step.size:
        last = df.groupby(df["scenario"].astype(str), sort=False)["step"].transform("max")
        return df[df["step"] == last]
    codes, names = got  # each scenario's last step from the maxima of its blocks of rows
    starts = block_starts(codes)
    top = np.full(len(names), np.iinfo(step.dtype).min, dtype=step.dtype)
    np.maximum.at(top, codes[starts], np.maximum.reduceat(step, starts))
    return df[step == top[codes]]


def dominant_partner(df: pd.DataFrame) -> pd.Series:
    """The power with the largest share in each row (ties go to the first power)."""
    powers = powers_of(df)
    idx, _ = measures.dominant(df[powers].to_numpy())
    return pd.Series(pd.Categorical(np.asarray(powers)[idx], categories=powers), index=df.index, name="dominant")


BAND_COLUMNS = ("scenario", "state", "step", "date", "outcome", "low", "median", "high", "mean", "low50", "high50")
MIDDLE = (0.25, 0.75)  # the quantiles of the 50% band (low50, high50)


def bands(df: pd.DataFrame, q: tuple[float, float] = (0.05, 0.95), noise: bool = False) -> pd.DataFrame:
    """Median, ``q`` quantiles, 25% and 75% quantiles and mean of each outcome across replicates, per scenario,
    state and step.

    Long format: scenario, state, step, date, outcome, low, median, high, mean, low50, high50 (``low``/``high``:
    the ``q`` quantiles, by default the 90% band; ``low50``/``high50``: the 50% band), sorted by scenario, state,
    outcome and step.

    With ``noise`` the bands are those of the noise alone: for a table with a ``draw`` column (runs over posterior
    draws), per step the quantiles of each run's deviation from the mean of its own draw's runs at that step,
    pooled over draws, added to the median (``median`` and ``mean`` are those of all runs); for a table without
    one the parameters are at their point values and the bands are the ordinary ones.

    A table in the layout casim writes (each scenario's rows together, run after run, every run with the same
    steps and states in the same order: :mod:`casim.tidy`) is summarised on numpy arrays; any other by a
    groupby. Both give the same numbers (pandas' quantile, median and compensated mean).
    """
    noise = noise and columns.DRAW in df.columns
    fast = _bands_by_runs(df, q, noise)
    return _bands_by_groupby(df, q, noise) if fast is None else fast


def _bands_by_groupby(df: pd.DataFrame, q: tuple[float, float], noise: bool) -> pd.DataFrame:
    """:func:`bands` of any table, by pandas groupby (the reference for :func:`_bands_by_runs`)."""
    outcomes = outcomes_of(df)
    keys = [df["scenario"].astype(str), df["state"].astype(str), df["step"]]
    g = df.groupby(keys, sort=False)[outcomes]
    median = g.median()
    if noise:  # each run's deviation from its draw's mean at the step, its quantiles around the median
        own = df.groupby([*keys, df[columns.DRAW]], sort=False)[outcomes].transform("mean")
        spread = (df[outcomes] - own).groupby(keys, sort=False)

        def quantile(p: float) -> pd.DataFrame:
            return median + spread.quantile(p)
    else:

        def quantile(p: float) -> pd.DataFrame:
            return g.quantile(p)

    parts = {
        "low": quantile(q[0]),
        "median": median,
        "high": quantile(q[1]),
        "mean": g.mean(),
        "low50": quantile(MIDDLE[0]),
        "high50": quantile(MIDDLE[1]),
    }
    long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
    long.index = long.index.set_names(["scenario", "state", "step", "outcome"])
    long = long.reset_index()
    dates = df.groupby([df["scenario"].astype(str), df["step"]], sort=False)["date"].first().astype(str)
    long["date"] = [dates[(s, t)] for s, t in zip(long["scenario"], long["step"], strict=True)]
    return long[list(BAND_COLUMNS)].sort_values(
        ["scenario", "state", "outcome", "step"], kind="stable", ignore_index=True
    )


class RunBlock:
    """One scenario's rows of a table in casim's layout: ``runs`` runs of ``per_run`` rows each, every run with the
    same steps and state codes (``steps``, ``states``: those of each row of a run) in the same order."""

    def __init__(self, name: str, rows: slice, runs: int, steps: np.ndarray, states: np.ndarray):
        self.name, self.rows, self.runs = name, rows, runs
        self.steps, self.states = steps, states
        self.per_run = len(steps)

    def grid(self, values: np.ndarray) -> np.ndarray:
        """A column's values of this scenario's rows as (runs, per_run): row ``r`` is run ``r``'s."""
        return values[self.rows].reshape(self.runs, self.per_run)


def run_blocks(df: pd.DataFrame) -> tuple[list[RunBlock], list[str]] | None:
    """The scenarios' blocks of rows and the state names, if the table is in the layout casim writes
    (:mod:`casim.tidy`: each scenario's rows together, run after run, each run the same steps and states in the
    same order, each (step, state) once per run); None for any other table."""
    sc, st = labels(df["scenario"]), labels(df["state"])
    step = df["step"].to_numpy()
    if sc is None or st is None or step.dtype.kind not in "iu" or not step.size:
        return None
    codes, names = sc
    state_codes, state_names = st
    starts = block_starts(codes)
    if len(set(codes[starts].tolist())) != len(starts):  # a scenario's rows are not together
        return None
    out = []
    for a, b in zip(starts.tolist(), [*starts[1:].tolist(), len(codes)], strict=True):
        key = step[a:b].astype(np.int64) * len(state_names) + state_codes[a:b]
        again = np.flatnonzero(key == key[0])
        per_run = int(again[1]) if len(again) > 1 else b - a
        if (b - a) % per_run:
            return None
        grid = key.reshape(-1, per_run)
        if len(np.unique(grid[0])) != per_run or not (grid == grid[0]).all():
            return None
        out.append(
            RunBlock(names[codes[a]], slice(a, b), grid.shape[0], step[a : a + per_run], state_codes[a:b][:per_run])
        )
    return out, state_names


def _order_statistics(x: np.ndarray, qs: Sequence[float]) -> tuple[list[np.ndarray], np.ndarray]:
    """The ``qs`` quantiles and the median of ``x`` along its last axis, as pandas' groupby computes them (linear
    interpolation between the order statistics, ``lo + (hi - lo) * frac``; the median the mean of the middle two)."""
    n = x.shape[-1]
    where = []
    for p in qs:
        h = p * float(n - 1)
        i = int(h)
        where.append((i, h % 1))
    middle = [n // 2] if n % 2 else [n // 2, n // 2 - 1]
    kth = sorted({*middle, *[i for i, _ in where], *[i + 1 for i, f in where if f != 0.0 and i + 1 < n]})
    part = np.partition(x, kth, axis=-1)
    quantiles = []
    for i, f in where:
        lo = part[..., i]
        quantiles.append(lo.copy() if f == 0.0 else lo + (part[..., i + 1] - lo) * f)
    median = part[..., n // 2] if n % 2 else (part[..., n // 2] + part[..., n // 2 - 1]) / 2
    return quantiles, median


def _compensated_mean(x: np.ndarray) -> np.ndarray:
    """The mean over the first axis with Kahan summation in row order, as pandas' groupby mean computes it."""
    total = np.zeros(x.shape[1:])
    carry = np.zeros(x.shape[1:])
    for row in x:
        y = row - carry
        t = total + y
        carry = (t - total) - y
        total = t
    return total / len(x)


def _bands_by_runs(df: pd.DataFrame, q: tuple[float, float], noise: bool) -> pd.DataFrame | None:
    """:func:`bands` of a table in casim's layout (:func:`run_blocks`) on numpy arrays; None for any other table
    (or one with missing or infinite values, or a draw that changes within a run).

    The scenarios' blocks are summarised two at a time in threads (numpy's sorting and copying release the GIL).
    """
    found = run_blocks(df)
    if found is None:
        return None
    blocks, state_names = found
    outcomes = outcomes_of(df)
    cols = [df[o].to_numpy() for o in outcomes]
    if any(c.dtype != np.float64 for c in cols):
        return None
    draws = df[columns.DRAW].to_numpy() if noise else None
    labels = (outcomes, state_names)

    def one(blk: RunBlock) -> dict[str, np.ndarray] | None:
        first = df["date"].iloc[blk.rows.start : blk.rows.start + blk.per_run]
        return None if first.isna().any() else _block_bands(blk, cols, draws, first, q, labels)

    ordered = sorted(blocks, key=lambda b: b.name)
    if len(ordered) > 1 and len(df) >= PARALLEL_ROWS:
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(one, ordered))
    else:
        parts = [one(blk) for blk in ordered]
    if any(p is None for p in parts):
        return None
    done = cast(list[dict[str, np.ndarray]], parts)
    text_cols = ("scenario", "state", "date", "outcome")
    out = {
        c: pd.array(np.concatenate([p[c] for p in done]), dtype="str")
        if c in text_cols
        else np.concatenate([p[c] for p in done])
        for c in BAND_COLUMNS
    }
    return pd.DataFrame(out)


PARALLEL_ROWS = 500_000  # from this many rows, bands summarises two scenarios at a time


def _block_bands(
    blk: RunBlock,
    cols: Sequence[np.ndarray],
    draws: np.ndarray | None,
    first: pd.Series,
    q: tuple[float, float],
    labels: tuple[Sequence[str], Sequence[str]],
) -> dict[str, np.ndarray] | None:
    """The :func:`bands` rows of one scenario's block (``first``: the dates of its first run's rows; ``labels``:
    the outcomes and the state names), as columns; None if a value is missing or infinite, or a draw changes
    within a run."""
    outcomes, state_names = labels
    x = np.stack([blk.grid(c) for c in cols], axis=1)  # (runs, outcomes, per_run)
    if not np.isfinite(x).all():
        return None
    qs = (q[0], q[1], *MIDDLE)
    quantiles, median = _order_statistics(np.ascontiguousarray(np.moveaxis(x, 0, -1)), qs)
    if draws is not None:  # each run's deviation from its draw's mean, its quantiles around the median
        d = blk.grid(draws)
        group, _ = pd.factorize(d[:, 0])
        if (group < 0).any() or not (d == d[:, :1]).all():
            return None
        order = np.argsort(group, kind="stable")
        counts = np.bincount(group)
        sums = np.add.reduceat(x[order], np.concatenate([[0], np.cumsum(counts)[:-1]]), axis=0)
        deviation = x - (sums / counts[:, None, None])[group]
        spread, _ = _order_statistics(np.ascontiguousarray(np.moveaxis(deviation, 0, -1)), qs)
        quantiles = [median + s for s in spread]
    stats = dict(zip(("low", "high", "low50", "high50"), quantiles, strict=True))
    stats |= {"median": median, "mean": _compensated_mean(x)}
    # rows sorted by state (by name), outcome (by name), step
    state_rank = np.argsort(np.argsort(np.asarray(state_names, dtype=object), kind="stable"), kind="stable")
    by_outcome = sorted(range(len(outcomes)), key=lambda k: outcomes[k])
    pos = np.lexsort((blk.steps, state_rank[blk.states]))
    per_state = np.split(pos, np.flatnonzero(np.diff(state_rank[blk.states[pos]])) + 1)
    kk = np.concatenate([np.full(len(p), k) for p in per_state for k in by_outcome])
    pp = np.concatenate([p for p in per_state for _ in by_outcome])
    # each step's date: that of its first row
    text = first.astype(str).to_numpy(dtype=object)
    _, first_of_step = np.unique(blk.steps, return_index=True)
    step_date = dict(zip(blk.steps[first_of_step].tolist(), text[first_of_step], strict=True))
    part = {
        "scenario": np.full(len(pp), blk.name, dtype=object),
        "state": np.asarray(state_names, dtype=object)[blk.states[pp]],
        "step": blk.steps[pp],
        "date": np.asarray([step_date[t] for t in blk.steps[pp].tolist()], dtype=object),
        "outcome": np.asarray(outcomes, dtype=object)[kk],
    }
    return part | {k: v[kk, pp] for k, v in stats.items()}


def mean_path(df: pd.DataFrame, state: str) -> pd.DataFrame:
    """Mean shares of one state per step (a path that stays on the simplex), indexed by step."""
    powers = powers_of(df)
    check_choice("state", state, states_of(df))
    rows = df[df["state"].astype(str) == state]
    return rows.groupby("step", sort=True)[powers].mean()
