"""UN General Assembly votes and ideal points, 1992-2021, shipped as package data.

Reads ``casim/data/unga/`` with :mod:`importlib.resources`. The temporal rule
of the measurement work is enforced here: the model is fitted only to what is
dated 2021 or earlier, so any record dated 2022 or later -- in the shipped
files or in a request -- raises :class:`TemporalRuleError`.

Codes of a vote: 0 yes, 1 no, 2 abstain, 3 absent (``X``: did not vote).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from .errors import CasimError

LAST_YEAR = 2021  # the last year anything may be fitted to
STATES = ("KAZ", "KGZ", "TJK", "UZB", "TKM")
WEST = ("USA", "GBR", "FRA", "DEU")
# power name in a scenario -> ISO3 code(s) whose votes stand for it
POWER_CODES = {"russia": ("RUS",), "west": WEST, "china": ("CHN",), "turkey": ("TUR",), "iran": ("IRN",)}
VOTE_CODES = {"Y": 0, "N": 1, "A": 2, "X": 3}
OUTCOMES = ("yes", "no", "abstain", "absent")

# The Ukraine and Crimea texts of the window (data README): the texts against Russia.
UKRAINE_TEXTS = (
    "A/RES/68/262",
    "A/RES/71/205",
    "A/RES/72/190",
    "A/RES/73/263",
    "A/RES/74/168",
    "A/RES/75/192",
    "A/RES/73/194",
    "A/RES/74/17",
    "A/RES/75/29",
    "A/RES/76/70",
)


class TemporalRuleError(CasimError):
    """A record or a request dated 2022 or later: from 2022 on is prediction only."""


def check_years(years, what: str = "record") -> None:
    """Raise :class:`TemporalRuleError` if any year is after :data:`LAST_YEAR`."""
    years = np.asarray(years)
    if years.size and np.nanmax(years) > LAST_YEAR:
        raise TemporalRuleError(
            f"a {what} dated {int(np.nanmax(years))} reached the fit: only records dated {LAST_YEAR} or earlier "
            "may be used (from 2022 on is prediction only)"
        )


def _read(name: str) -> pd.DataFrame:
    with resources.files("casim").joinpath("data", "unga", name).open("rb") as fh:
        return pd.read_csv(fh)


@lru_cache(maxsize=1)
def _rollcalls() -> pd.DataFrame:
    df = _read("rollcalls_1992_2021.csv")
    df["year"] = df["date"].str[:4].astype(int)
    check_years(df["year"], "roll call")
    return df


@lru_cache(maxsize=1)
def _ideal_points() -> pd.DataFrame:
    df = _read("ideal_points_1992_2021.csv").dropna(subset=["iso3", "year"])
    df["year"] = df["year"].astype(int)
    check_years(df["year"], "ideal point")
    return df


def _window(first: int, last: int) -> None:
    check_years([last], "request")
    if first > last:
        raise CasimError(f"empty window {first}-{last}")


def rollcalls(first: int = 1992, last: int = LAST_YEAR) -> pd.DataFrame:
    """Roll calls dated ``first``..``last`` (years, inclusive); ``last`` > 2021 raises."""
    _window(first, last)
    df = _rollcalls()
    return df[(df["year"] >= first) & (df["year"] <= last)].reset_index(drop=True).copy()


def ideal_points(first: int = 1992, last: int = LAST_YEAR, codes=None) -> pd.DataFrame:
    """BSV ideal points (all votes) with their 5%/95% posterior quantiles, in long form."""
    _window(first, last)
    df = _ideal_points()
    df = df[(df["year"] >= first) & (df["year"] <= last)]
    if codes is not None:
        df = df[df["iso3"].isin(codes)]
    return df.reset_index(drop=True).copy()


def _codes(col: pd.Series) -> np.ndarray:
    return col.map(VOTE_CODES).fillna(3).astype(int).to_numpy()


def west_vote(df: pd.DataFrame) -> np.ndarray:
    """The West's vote: the most common vote of USA, GBR, FRA, DEU among those voting; ties go to
    the USA's vote when it is among the tied, else to abstain; absent if none voted."""
    v = np.stack([_codes(df[c]) for c in WEST], axis=1)  # (N, 4)
    counts = np.stack([(v == k).sum(1) for k in range(3)], axis=1)  # (N, 3)
    best = counts.max(1)
    out = np.full(len(df), 3)
    for i in range(len(df)):
        if best[i] == 0:
            continue
        tied = np.flatnonzero(counts[i] == best[i])
        out[i] = tied[0] if len(tied) == 1 else (v[i, 0] if v[i, 0] in tied else 2)
    return out


def power_votes(df: pd.DataFrame, powers=("russia", "west", "china")) -> np.ndarray:
    """Each power's vote code per roll call ``(N, P)``; a power with no column is absent (3)."""
    cols = []
    for p in powers:
        codes = POWER_CODES[p]
        if p == "west":
            cols.append(west_vote(df))
        elif codes[0] in df.columns:
            cols.append(_codes(df[codes[0]]))
        else:
            cols.append(np.full(len(df), 3))
    return np.stack(cols, axis=1)


def vote_data(first: int, last: int, powers=("russia", "west", "china"), states=STATES) -> dict:
    """Arrays for the vote model over roll calls dated ``first``..``last``.

    ``votes`` (S, N) codes of the states; ``indicator`` (N, P, 3) 1 where power p
    voted yes/no/abstain; ``contested`` (N,) Russia's and the West's votes differ
    (both voting); ``year``, ``resolution`` (N,); ``ukraine`` (N,) a Ukraine/Crimea text;
    ``support`` (N,) the Assembly's yes share, yes / (yes + no + abstain).
    """
    df = rollcalls(first, last)
    pv = power_votes(df, powers)
    indicator = (pv[:, :, None] == np.arange(3)).astype(float)
    ri, wi = powers.index("russia"), powers.index("west")
    contested = (pv[:, ri] != pv[:, wi]) & (pv[:, ri] < 3) & (pv[:, wi] < 3)
    return {
        "votes": np.stack([_codes(df[s]) for s in states]),
        "indicator": indicator,
        "power_votes": pv,
        "contested": contested.astype(float),
        "year": df["year"].to_numpy(),
        "resolution": df["resolution"].to_numpy(),
        "ukraine": df["resolution"].isin(UKRAINE_TEXTS).to_numpy(),
        "support": (df["yes"] / (df["yes"] + df["no"] + df["abstain"])).to_numpy(dtype=float),
    }


def ideal_point_data(first: int, last: int, states=STATES) -> dict:
    """Arrays for the ideal-point model: ``ip`` and ``se`` (S, T) of the states (NaN where missing),
    ``powers`` (T, 3) of Russia, the West (mean of USA, GBR, FRA, DEU) and China, and ``years`` (T,).

    ``se`` is the BSV posterior's s.d. read off its 5%-95% interval: (q95 - q5) / (2 x 1.645).
    """
    df = ideal_points(first, last)
    years = np.arange(first, last + 1)
    wide = df.pivot_table(index="year", columns="iso3", values="idealpointall").reindex(years)
    q5 = df.pivot_table(index="year", columns="iso3", values="q5all").reindex(years)
    q95 = df.pivot_table(index="year", columns="iso3", values="q95all").reindex(years)
    ip = np.stack([wide[s].to_numpy() if s in wide else np.full(len(years), np.nan) for s in states])
    se = np.stack(
        [((q95[s] - q5[s]) / (2 * 1.6448536)).to_numpy() if s in wide else np.full(len(years), np.nan) for s in states]
    )
    powers = np.stack(
        [wide["RUS"].to_numpy(), wide[list(WEST)].mean(axis=1).to_numpy(), wide["CHN"].to_numpy()], axis=1
    )
    return {
        "ip": ip,
        "se": se,
        "q5": np.stack([q5[s].to_numpy() for s in states]),
        "q95": np.stack([q95[s].to_numpy() for s in states]),
        "powers": powers,
        "years": years,
    }


__all__ = [
    "LAST_YEAR",
    "OUTCOMES",
    "STATES",
    "UKRAINE_TEXTS",
    "TemporalRuleError",
    "check_years",
    "ideal_point_data",
    "ideal_points",
    "power_votes",
    "rollcalls",
    "vote_data",
    "west_vote",
]
