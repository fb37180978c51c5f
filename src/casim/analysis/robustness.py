"""Robustness over posterior draws: which design points (lever mixes) meet a threshold in most plausible worlds.

A sweep with ``posterior:`` runs every design point over the same posterior
draws x replicates (``draw`` column). For one state and outcome,
:func:`robustness` takes each draw's outcome at the horizon (the last kept
date of a summary sweep), averaged over its replicates, and gives per design
point the share of draws in which it is above (or below) a threshold: the
share of plausible worlds in which that lever mix achieves it. A point is
*robust* when that share reaches ``share`` (0.9 by default).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import columns
from ..errors import CasimError
from .summary import check_choice, horizon, outcomes_of, states_of

# columns after 'hedging' that are not levers: the design point, the dominant partner and the draw
NOT_LEVERS = (columns.POINT, columns.DOMINANT, columns.DRAW)


def levers_of(df: pd.DataFrame) -> list[str]:
    """The swept parameters (levers) of a sweep's table: the columns after ``hedging`` but point, dominant and draw."""
    cols = list(df.columns)
    after = cols[cols.index(columns.HEDGING) + 1 :] if columns.HEDGING in cols else []
    return [c for c in after if c not in NOT_LEVERS]


def robustness(
    df: pd.DataFrame,
    state: str,
    outcome: str,
    above: float | None = None,
    below: float | None = None,
    share: float = 0.9,
) -> pd.DataFrame:
    """One row per design point: its lever values, the ``draws`` it ran, the posterior ``mean`` of the outcome,
    the ``share`` of draws meeting the threshold and ``robust`` (share >= ``share``), by share descending (ties: by
    point).

    Each draw's outcome is the mean over its replicates of ``state``'s ``outcome`` (a power's share or hedging)
    at the table's last date; it meets the threshold when strictly above ``above`` (or strictly below ``below``;
    give exactly one). ``df`` is a sweep's table over posterior draws (columns ``point`` and ``draw``).
    """
    if columns.DRAW not in df.columns:
        raise CasimError(
            "the table has no 'draw' column: robustness needs a sweep over posterior draws "
            "(add 'posterior: {draws: 50}' to the sweep file)"
        )
    if columns.POINT not in df.columns:
        raise CasimError("the table has no 'point' column: robustness needs a sweep's results")
    if above is not None and below is not None:
        raise CasimError("give one threshold, --above or --below (got both)")
    given = above if above is not None else below
    if given is None:
        raise CasimError("give one threshold, --above or --below (got neither)")
    threshold = float(given)
    if not math.isfinite(threshold):
        raise CasimError(f"the threshold must be a finite number (got {threshold})")
    share = float(share)
    if not 0.0 < share <= 1.0:
        raise CasimError(f"share must be in (0, 1] (got {share:g})")
    check_choice("state", state, states_of(df))
    check_choice("outcome", outcome, outcomes_of(df))
    levers = levers_of(df)
    last = horizon(df)
    last = last[last[columns.STATE].astype(str) == state]
    per_draw = last.groupby([columns.POINT, columns.DRAW], sort=True)[outcome].mean()  # replicate means
    value = per_draw.to_numpy(float)
    meets = pd.Series(value > threshold if above is not None else value < threshold, index=per_draw.index)
    g = meets.groupby(level=columns.POINT, sort=True)
    out = last.groupby(columns.POINT, sort=True)[levers].first() if levers else pd.DataFrame(index=g.size().index)
    out["draws"] = g.size().astype(np.int64)
    out["mean"] = per_draw.groupby(level=columns.POINT, sort=True).mean()
    out["share"] = g.mean().astype(float)
    out["robust"] = out["share"] >= share
    out = out.reset_index().sort_values(["share", columns.POINT], ascending=[False, True], kind="stable")
    out = out.reset_index(drop=True)
    date = str(last[columns.DATE].iloc[0]) if len(last) else ""
    out.attrs.update(
        {
            "state": state,
            "outcome": outcome,
            "date": date,
            "above" if above is not None else "below": threshold,
            "share": share,
            "criterion": f"{state} {outcome} at {date} {'>' if above is not None else '<'} {threshold:g}",
        }
    )
    return out


__all__ = ["levers_of", "robustness"]
