"""Projected UN votes from a results table: the vote model's outcome probabilities at every step of a scenario.

:func:`casim.projection.project_votes` projects the votes on given texts at
their dates; :func:`vote_path` asks, for one kind of text, how each state would
vote had such a text come up in each quarter of the table.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import votes
from ..errors import CasimError
from .summary import check_choice, one_scenario, powers_of, scenarios_of, states_of

PROBABILITIES = tuple(f"p_{o}" for o in votes.OUTCOMES)


def vote_path(
    df: pd.DataFrame, kind: str, scenario: str | None = None, params: Mapping[str, object] | None = None
) -> pd.DataFrame:
    """Each state's probability of each vote on a text of ``kind`` at every step, averaged over the runs.

    One row per state and step: ``state, step, date, p_yes, p_no, p_abstain,
    p_absent`` (states in the table's order). Per-run probabilities are
    averaged, as :func:`casim.projection.project_votes` does, so the row at a
    text's date equals that projection. ``attrs`` record the scenario, the kind
    and the number of runs.
    """
    check_choice("resolution kind", kind, votes.TEXT_KINDS)
    df = one_scenario(df, scenario)
    powers, states = powers_of(df), states_of(df)
    missing = [p for p in ("russia", "west") if p not in powers]
    if missing:
        raise CasimError(f"the vote model needs the powers russia and west; the table lacks {', '.join(missing)}")
    state_order = pd.Categorical(df["state"].astype(str), categories=states)
    rows = df.assign(_state=state_order).sort_values(["run", "step", "_state"], kind="stable")
    runs, steps = rows["run"].nunique(), np.sort(rows["step"].unique())
    if len(rows) != runs * len(steps) * len(states):
        raise CasimError(
            f"the table is not complete: {len(rows)} rows for {runs} runs x {len(steps)} steps x {len(states)} states"
        )
    alignment = rows[powers].to_numpy(float).reshape(runs, len(steps), len(states), len(powers))
    p = votes.vote_probabilities(alignment, powers, votes.doctrines(states), kind, params).mean(0)  # (steps, states, 4)
    dates = rows.groupby("step", sort=True)["date"].first().astype(str).to_numpy()
    by_state = p.transpose(1, 0, 2)  # (states, steps, 4)
    out = pd.DataFrame(
        {
            "state": np.repeat(states, len(steps)),
            "step": np.tile(steps, len(states)),
            "date": np.tile(dates, len(states)),
            **{c: by_state[..., j].ravel() for j, c in enumerate(PROBABILITIES)},
        }
    )
    out.attrs.update({"scenario": scenarios_of(df)[0], "kind": kind, "runs": runs})
    return out
