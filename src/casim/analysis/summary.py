"""Summaries of a results table: its powers, the horizon, quantile bands, mean paths, dominant partners."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .. import measures
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


def scenarios_of(df: pd.DataFrame) -> list[str]:
    """Scenario names in order of appearance."""
    return [str(x) for x in pd.unique(df["scenario"].astype(str))]


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
    last = df.groupby(df["scenario"].astype(str), sort=False)["step"].transform("max")
    return df[df["step"] == last]


def dominant_partner(df: pd.DataFrame) -> pd.Series:
    """The power with the largest share in each row (ties go to the first power)."""
    powers = powers_of(df)
    idx, _ = measures.dominant(df[powers].to_numpy())
    return pd.Series(pd.Categorical(np.asarray(powers)[idx], categories=powers), index=df.index, name="dominant")


def bands(df: pd.DataFrame, q: tuple[float, float] = (0.05, 0.95)) -> pd.DataFrame:
    """Median, ``q`` quantiles and mean of each outcome across replicates, per scenario, state and step.

    Long format: scenario, state, step, date, outcome, low, median, high, mean.
    """
    outcomes = outcomes_of(df)
    keys = [df["scenario"].astype(str), df["state"].astype(str), df["step"]]
    g = df.groupby(keys, sort=False)[outcomes]
    parts = {
        "low": g.quantile(q[0]),
        "median": g.median(),
        "high": g.quantile(q[1]),
        "mean": g.mean(),
    }
    long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
    long.index = long.index.set_names(["scenario", "state", "step", "outcome"])
    long = long.reset_index()
    dates = df.groupby([df["scenario"].astype(str), df["step"]], sort=False)["date"].first().astype(str)
    long["date"] = [dates[(s, t)] for s, t in zip(long["scenario"], long["step"], strict=True)]
    return long[["scenario", "state", "step", "date", "outcome", "low", "median", "high", "mean"]].sort_values(
        ["scenario", "state", "outcome", "step"], kind="stable", ignore_index=True
    )


def mean_path(df: pd.DataFrame, state: str) -> pd.DataFrame:
    """Mean shares of one state per step (a path that stays on the simplex), indexed by step."""
    powers = powers_of(df)
    check_choice("state", state, states_of(df))
    rows = df[df["state"].astype(str) == state]
    return rows.groupby("step", sort=True)[powers].mean()
