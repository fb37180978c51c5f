"""Sweep response: an outcome at the horizon as a function of one or two swept parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
import pandas as pd

from .. import columns
from ..errors import CasimError
from .summary import check_choice, dominant_partner, horizon, outcomes_of, states_of

NOT_PARAMETERS = ("point", "dominant", columns.DRAW)  # a sweep over posterior draws has a draw column


def swept_parameters(df: pd.DataFrame, problem: Mapping | None = None) -> list[str]:
    """The swept parameter columns: the problem's names, else the columns after ``hedging``."""
    if problem is not None:
        names = list(problem["names"])
        missing = [n for n in names if n not in df.columns]
        if missing:
            raise CasimError(f"the table has no column for swept parameter(s) {', '.join(missing)}")
        # maps and boxes need numbers: parameters swept over listed values (lists, names) are left out
        names = [n for n in names if pd.api.types.is_numeric_dtype(df[n])]
        if not names:
            raise CasimError("no swept parameter has numeric values to map or bound")
        return names
    cols = list(df.columns)
    after = cols[cols.index("hedging") + 1 :] if "hedging" in cols else []
    names = [c for c in after if c not in NOT_PARAMETERS and pd.api.types.is_numeric_dtype(df[c])]
    if not names:
        raise CasimError("the table has no swept parameter columns (is it a sweep's results?)")
    return names


def per_run(df: pd.DataFrame, state: str, outcome: str, parameters: list[str]) -> pd.DataFrame:
    """One row per run at the horizon for one state: the parameters and the outcome's value.

    ``outcome`` is a power (its share), ``hedging``, or ``dominant`` (the power with the largest share).
    """
    check_choice("state", state, states_of(df))
    check_choice("outcome", outcome, [*outcomes_of(df), "dominant"])
    last = horizon(df)
    last = last[last["state"].astype(str) == state]
    out = last[parameters].copy()
    out[outcome] = dominant_partner(last).astype(str) if outcome == "dominant" else last[outcome].to_numpy()
    return out.reset_index(drop=True)


def bin_values(values: pd.Series, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin codes and bin centres: the distinct values themselves when there are at most ``bins`` (a grid)."""
    v = values.to_numpy(float)
    distinct = np.unique(v)
    if len(distinct) <= bins:
        return np.searchsorted(distinct, v), distinct
    edges = np.linspace(distinct[0], distinct[-1], bins + 1)
    codes = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, bins - 1)
    return codes, (edges[:-1] + edges[1:]) / 2


def response_grid(
    df: pd.DataFrame,
    x: str,
    y: str,
    state: str,
    outcome: str = "dominant",
    bins: int = 10,
    problem: Mapping | None = None,
) -> pd.DataFrame:
    """The outcome over two swept parameters: rows are ``y`` bins (ascending), columns ``x`` bins.

    A numeric outcome gives the mean over the runs in each cell; ``dominant``
    gives the most frequent dominant partner, with the fraction of runs in the
    cell that share it in ``attrs["agreement"]``. Empty cells are NaN / None.
    """
    params = swept_parameters(df, problem)
    check_choice("parameter", x, params)
    check_choice("parameter", y, params)
    if x == y:
        raise CasimError(f"a response map needs two different parameters (got {x!r} twice)")
    runs = per_run(df, state, outcome, [x, y])
    cx, xs = bin_values(runs[x], bins)
    cy, ys = bin_values(runs[y], bins)
    runs = runs.assign(_x=cx, _y=cy)
    g = runs.groupby(["_y", "_x"])[outcome]
    if outcome == "dominant":
        modal = g.agg(lambda s: cast(str, s.value_counts().idxmax()))  # a power's name
        agree = g.agg(lambda s: s.value_counts(normalize=True).max())
        grid = _full(modal, ys, xs, None)
        grid.attrs["agreement"] = _full(agree, ys, xs, np.nan)
    else:
        grid = _full(g.mean(), ys, xs, np.nan)
    grid.attrs.update({"x": x, "y": y, "state": state, "outcome": outcome})
    return grid


def _full(series: pd.Series, ys: np.ndarray, xs: np.ndarray, fill) -> pd.DataFrame:
    grid = pd.DataFrame(
        fill, index=pd.Index(ys, name="y"), columns=pd.Index(xs, name="x"), dtype=object if fill is None else float
    )
    for key, v in series.items():
        iy, ix = cast(tuple[int, int], key)  # grouped by the two bin numbers
        grid.iat[int(iy), int(ix)] = v
    return grid


def response_line(
    df: pd.DataFrame,
    x: str,
    state: str,
    outcome: str,
    bins: int = 10,
    q: tuple[float, float] = (0.05, 0.95),
    problem: Mapping | None = None,
) -> pd.DataFrame:
    """Mean and ``q`` quantiles of a numeric outcome per bin of one swept parameter (all other parameters varying)."""
    check_choice("parameter", x, swept_parameters(df, problem))
    if outcome == "dominant":
        raise CasimError("a response line needs a numeric outcome (a power or hedging), not 'dominant'")
    runs = per_run(df, state, outcome, [x])
    codes, centres = bin_values(runs[x], bins)
    g = runs.groupby(codes)[outcome]
    out = pd.DataFrame({"mean": g.mean(), "low": g.quantile(q[0]), "high": g.quantile(q[1]), "n": g.size()})
    out.insert(0, x, centres[out.index.to_numpy()])
    return out.reset_index(drop=True)
