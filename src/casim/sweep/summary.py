"""A sweep's closing summary: mean shares at the last kept date and how often each power is the dominant partner.

Each chunk is reduced to a :data:`Tally` (per state: the sum of its shares, how
often each power dominates, and its number of runs) by the worker that made it,
from the table it is about to store; the runner adds the tallies into
:class:`Totals` as chunks finish, whatever their order. Reading a store back
(:func:`casim.sweep.summarise`) tallies each stored chunk the same way. The
shares are added exactly (as integers), so the totals do not depend on the
order the chunks are added in: the summary a sweep prints and the one its
store gives are the same bit for bit, resumed or not, and the totals take the
same small memory for any number of chunks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..measures import dominant

# state -> (sum of its shares toward each power, runs in which each power dominates, runs)
Tally = dict[str, tuple[np.ndarray, np.ndarray, int]]

# Every float64 is a whole multiple of 2**-1074, so scaled by 2**_SCALE it is an exact integer.
_SCALE = 1100


def date_of(keep: Sequence[str] | None, end: str) -> str:
    """The date a sweep is summarised at: the last kept date, or the scenario's end when trajectories are kept."""
    return keep[-1] if keep else end


def tally(rows: pd.DataFrame, powers: Sequence[str]) -> Tally:
    """The tally of one chunk's rows at the summary date (columns ``state`` and the powers' shares)."""
    shares = rows[list(powers)].to_numpy()
    winner, _ = dominant(shares)
    codes, states = pd.factorize(rows["state"])  # states in order of appearance
    out: Tally = {}
    for k, s in enumerate(states):
        idx = np.flatnonzero(codes == k)
        out[str(s)] = (shares[idx].sum(axis=0), np.bincount(winner[idx], minlength=len(powers)), len(idx))
    return out


def _exact(x: float) -> int:
    """``x * 2**_SCALE`` as an exact integer."""
    n, d = float(x).as_integer_ratio()  # d is a power of two, at most 2**1074
    return n << (_SCALE - d.bit_length() + 1)


class Totals:
    """Chunk tallies added up, exactly and in any order: per state, the shares' sums (scaled integers), the runs in
    which each power dominates, and the runs."""

    def __init__(self) -> None:
        self._states: dict[str, tuple[list[int], np.ndarray, list[int]]] = {}

    def add(self, t: Tally) -> None:
        for s, (share_sum, wins, n) in t.items():
            sums, won, runs = self._states.setdefault(s, ([0] * len(share_sum), np.zeros(len(wins), np.int64), [0]))
            for j, x in enumerate(share_sum):
                sums[j] += _exact(x)
            won += wins
            runs[0] += n

    def copy(self) -> Totals:
        new = Totals()
        new._states = {s: (list(a), b.copy(), list(c)) for s, (a, b, c) in self._states.items()}
        return new

    def table(self, powers: Sequence[str]) -> pd.DataFrame:
        """Per state, each power's mean share (the exact mean, correctly rounded) and the % of runs in which it is
        the dominant partner."""
        rows = {}
        for s, (sums, won, (n,)) in self._states.items():
            row = {p: sums[j] / (n << _SCALE) for j, p in enumerate(powers)}  # int / int: correctly rounded
            row.update({f"{p} dominant %": 100.0 * won[j] / n for j, p in enumerate(powers)})
            rows[s] = row
        return pd.DataFrame.from_dict(rows, orient="index")
