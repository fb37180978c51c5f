"""Projected UN votes: run a scenario and turn its alignments into votes on described texts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .api import replicate_seeds, simulate
from .scenario import Scenario
from .votes.logit import OUTCOMES, doctrines, vote_probabilities
from .votes.resolutions import Resolution, check_horizon


def project_votes(
    scenario: Scenario,
    trajectories: np.ndarray,
    resolutions: Sequence[Resolution],
    params: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """One row per text and state: the most probable vote and the probability of each outcome.

    ``trajectories`` are ``(runs, steps + 1, states, powers)``; per-replicate
    probabilities are averaged over runs.
    """
    return _project(scenario, trajectories, resolutions, check_horizon(resolutions, scenario), params)


def _project(
    scenario: Scenario, trajectories: np.ndarray, resolutions: Sequence[Resolution], steps: Sequence[int], params
) -> pd.DataFrame:
    """:func:`project_votes` with each text's step already checked against the horizon."""
    docs = doctrines(scenario.states)
    rows = []
    for r, t in zip(resolutions, steps, strict=True):
        p = vote_probabilities(trajectories[:, t], scenario.powers, docs, r.kind, params).mean(0)
        for i, s in enumerate(scenario.states):
            rows.append((r.id, s, OUTCOMES[int(p[i].argmax())], *p[i]))
    cols = ["resolution", "state", "vote", *(f"p_{o}" for o in OUTCOMES)]
    return pd.DataFrame(rows, columns=cols)


def run_votes(
    scenario: Scenario,
    resolutions: Sequence[Resolution],
    replicates: int | None = None,
    seed: int | None = None,
    params: Mapping[str, object] | None = None,
    progress=None,
) -> pd.DataFrame:
    """Simulate a scenario's replicates (ensemble engine) and project the votes on ``resolutions``.

    The texts' dates are checked against the horizon before anything runs.
    """
    steps = check_horizon(resolutions, scenario)
    n, s, seeds = replicate_seeds(scenario, replicates, seed)
    traj = simulate(scenario, seeds, progress=progress)
    df = _project(scenario, traj, resolutions, steps, params)
    df.attrs["seed"], df.attrs["replicates"] = s, n
    return df
