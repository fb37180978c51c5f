"""UN General Assembly votes and ideal points, 1992-2021, shipped as package data.

Reads ``casim/data/unga/`` with :mod:`importlib.resources`. The temporal rule
of the measurement work is enforced here: the model is fitted only to what is
dated 2021 or earlier, so any record dated 2022 or later -- in the shipped
files or in a request -- raises :class:`TemporalRuleError`.

Codes of a vote: 0 yes, 1 no, 2 abstain, 3 absent (``X``: did not vote).
"""

from __future__ import annotations

import re
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

# The Ukraine and Crimea texts of the window: the families of data/unga/directed.yaml on
# Ukraine and Crimea (the data README lists ten; A/RES/76/179 of 2021-12-16, the eleventh,
# is the same annual Crimea human-rights text under a new title).
UKRAINE_FAMILIES = ("ukraine_territorial_integrity", "crimea_human_rights", "crimea_militarization")


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


@lru_cache(maxsize=1)
def directed_families() -> dict[str, dict]:
    """The directed families of ``data/unga/directed.yaml``: name -> ``title`` pattern, ``reason``, ``texts``."""
    import yaml

    with resources.files("casim").joinpath("data", "unga", "directed.yaml").open("rb") as fh:
        return yaml.safe_load(fh)["families"]


def family(title: str) -> str:
    """The family of a recorded text: its directed family (data/unga/directed.yaml) when its title
    matches one, else its title's stem (the part before " : ", lower case, letters and spaces only)."""
    for name, spec in directed_families().items():
        if re.search(spec["title"], title, flags=re.IGNORECASE):
            return name
    return " ".join(re.sub(r"[^a-z ]", " ", title.split(" : ")[0].lower()).split())


@lru_cache(maxsize=1)
def _families() -> np.ndarray:
    """The family of every text of the record, in its order."""
    return np.array([family(t) for t in _rollcalls()["title"]], dtype=object)


def ukraine_texts() -> tuple[str, ...]:
    """The 2014-2021 Ukraine and Crimea texts (11), in date order."""
    fams = directed_families()
    return tuple(sorted((t for f in UKRAINE_FAMILIES for t in fams[f]["texts"]), key=_text_order))


def _text_order(resolution: str) -> tuple[str, int]:
    df = _rollcalls()
    i = int(np.flatnonzero(df["resolution"].to_numpy() == resolution)[0])
    return str(df["date"].iloc[i]), i


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


def previous_votes(votes: np.ndarray, families, directed, contested) -> tuple[np.ndarray, np.ndarray]:
    """Each state's last vote on a text's family, or the nearest stand-in: ``(S, N)`` codes (-1: none) and
    ``same`` ``(N,)`` True where it is the same family. Texts in date order.

    The order of stand-ins: the last earlier text of the same family; for a directed text (a conflict
    Russia is party to) the last directed text; for a contested text (Russia and the West voting
    differently) the last contested text; else the previous text. This is the persistence forecast,
    and the measurement model's habit.
    """
    S, N = votes.shape
    out = np.full((S, N), -1)
    same = np.zeros(N, dtype=bool)
    last: dict = {}
    last_directed = last_contested = -1
    for n in range(N):
        ref = last.get(families[n], -1)
        same[n] = ref >= 0
        if ref < 0:
            ref = last_directed if directed[n] else (last_contested if contested[n] else n - 1)
        if ref >= 0:
            out[:, n] = votes[:, ref]
        last[families[n]] = n
        if directed[n]:
            last_directed = n
        if contested[n]:
            last_contested = n
    return out, same


def vote_data(first: int, last: int, powers=("russia", "west", "china"), states=STATES) -> dict:
    """Arrays for the vote model over roll calls dated ``first``..``last``.

    ``votes`` (S, N) codes of the states; ``indicator`` (N, P, 3) 1 where power p
    voted yes/no/abstain; ``contested`` (N,) Russia's and the West's votes differ
    (both voting); ``year``, ``resolution``, ``family`` (N,); ``ukraine`` (N,) a
    Ukraine/Crimea text; ``directed`` (N,) a text about a conflict Russia is party to
    (data/unga/directed.yaml); ``support`` (N,) the Assembly's yes share,
    yes / (yes + no + abstain); ``previous`` (S, N) each state's last vote on the
    text's family, or the nearest stand-in (:func:`casim.skill.previous_votes`, over
    the whole record from 1992, so the first texts of the window have one too; -1 none)
    with ``same`` (N,) 1 where it is the same family; ``habit`` (S, N, 4) ``previous``
    one-hot (zeros where none).
    """
    _window(first, last)
    full = _rollcalls()
    full = full[full["year"] <= last].reset_index(drop=True)
    keep = (full["year"] >= first).to_numpy()
    fam = _families()[: len(full)]
    directed = np.isin(fam, list(directed_families()))
    pv_all = power_votes(full, powers)
    ri, wi = powers.index("russia"), powers.index("west")
    contested_all = (pv_all[:, ri] != pv_all[:, wi]) & (pv_all[:, ri] < 3) & (pv_all[:, wi] < 3)
    votes_all = np.stack([_codes(full[s]) for s in states])
    previous, same = previous_votes(votes_all, fam, directed, contested_all)
    df, pv, previous = full[keep], pv_all[keep], previous[:, keep]
    return {
        "votes": votes_all[:, keep],
        "indicator": (pv[:, :, None] == np.arange(3)).astype(float),
        "power_votes": pv,
        "contested": contested_all[keep].astype(float),
        "year": df["year"].to_numpy(),
        "resolution": df["resolution"].to_numpy(),
        "family": fam[keep],
        "ukraine": np.isin(fam[keep], UKRAINE_FAMILIES),
        "directed": directed[keep].astype(float),
        "support": (df["yes"] / (df["yes"] + df["no"] + df["abstain"])).to_numpy(dtype=float),
        "previous": previous,
        "same": same[keep].astype(float),
        "habit": (previous[..., None] == np.arange(4)).astype(float),
    }


def last_directed_votes(states=STATES) -> np.ndarray:
    """Each state's vote code on the last directed text of the record (A/RES/76/179, 2021-12-16), ``(S,)``:
    where a 2022-on text's habit and persistence start."""
    d = vote_data(LAST_YEAR, LAST_YEAR, states=tuple(states))
    return d["votes"][:, int(np.flatnonzero(d["directed"])[-1])]


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
    "UKRAINE_FAMILIES",
    "TemporalRuleError",
    "check_years",
    "directed_families",
    "family",
    "ideal_point_data",
    "ideal_points",
    "last_directed_votes",
    "power_votes",
    "previous_votes",
    "rollcalls",
    "ukraine_texts",
    "vote_data",
    "west_vote",
]
