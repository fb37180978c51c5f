"""Projected UN votes: run a scenario and turn its alignments into votes on described texts.

Two vote models: the measurement model fitted to the 1992-2021 record
(:mod:`casim.measurement`, with the posterior draws of :mod:`casim.posterior`:
the scenario is run with each draw's model values, the votes use that draw's
coefficients) and, as the reference path, the kind-based logit of
``data/votes.yaml`` (:mod:`casim.votes.logit`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import measurement, unga
from .api import replicate_seeds, simulate
from .posterior import Posterior
from .scenario import Scenario
from .votes.logit import OUTCOMES, doctrines, vote_probabilities
from .votes.resolutions import Resolution, check_horizon

COLUMNS = ["resolution", "state", "vote", *(f"p_{o}" for o in OUTCOMES)]


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
    return pd.DataFrame(rows, columns=COLUMNS)


def text_fields(resolution: Resolution, powers: Sequence[str]) -> dict[str, np.ndarray]:
    """The measurement model's view of one text, without its habit: ``indicator`` ``(1, P, 3)``, ``contested``,
    ``support`` and ``directed`` ``(1,)``.

    A scenario power with no vote on the text (neither in the entry nor its kind) is absent.
    """
    votes = resolution.power_votes()
    code = [OUTCOMES.index(votes.get(p, "absent")) for p in powers]
    indicator = (np.array(code)[:, None] == np.arange(3)).astype(float)[None]
    russia, west = votes.get("russia", "absent"), votes.get("west", "absent")
    contested = float(russia != west and "absent" not in (russia, west))
    return {
        "indicator": indicator,
        "contested": np.array([contested]),
        "support": np.array([resolution.support]),
        "directed": np.array([float(resolution.directed)]),
    }


def record_habit(states: Sequence[str]) -> np.ndarray:
    """Each state's vote on the last directed text of the 1992-2021 record, one-hot ``(S, 4)``: the habit a
    directed text starts from when no earlier text of its kind precedes it."""
    return np.eye(len(OUTCOMES))[unga.last_directed_votes(states)]


def measured_probabilities(
    scenario: Scenario,
    trajectories: np.ndarray,
    resolutions: Sequence[Resolution],
    steps: Sequence[int],
    coefficients: Mapping[str, np.ndarray],
    recorded: bool = True,
) -> np.ndarray:
    """P(yes, no, abstain, absent) ``(texts, states, 4)`` from the measurement model, averaged over runs.

    ``trajectories`` ``(runs, steps + 1, S, P)``; ``coefficients`` one value per run (a draw's, repeated
    over its replicates). The habit of each text (measurement.md), in the fit's order of stand-ins: the
    state's last vote on an earlier entry of the same kind (an entry's kind is its family: kinds are not
    the record's families, so the first entry of a kind always takes a stand-in), else for a directed
    text the last directed one (an entry, or the record's last directed text of 2021), for a contested
    one the last contested entry, else the previous entry. Texts are taken in date order. That last vote
    is the state's recorded one (the entry's ``observed``) where ``recorded`` and the entry records it,
    else the model's own probabilities for it.
    """
    return measured_by_draw(scenario, trajectories, resolutions, steps, coefficients, 1, recorded)[0]


def measured_by_draw(
    scenario: Scenario,
    trajectories: np.ndarray,
    resolutions: Sequence[Resolution],
    steps: Sequence[int],
    coefficients: Mapping[str, np.ndarray],
    draws: int,
    recorded: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`measured_probabilities` ``(texts, states, 4)``, and ``(texts, draws, states, 4)``: each draw's
    probabilities averaged over its replicates (the runs are the draws' replicates in turn, run ``d * R + r``)."""
    S = len(scenario.states)
    out = np.empty((len(resolutions), S, len(OUTCOMES)))
    per_draw = np.empty((len(resolutions), draws, S, len(OUTCOMES)))
    by_kind: dict[str, np.ndarray] = {}
    last_directed = record_habit(scenario.states)
    last_contested: np.ndarray | None = None
    last_any: np.ndarray | None = None
    order = sorted(range(len(resolutions)), key=lambda k: resolutions[k].date)
    for k in order:
        r, t = resolutions[k], steps[k]
        fields = text_fields(r, scenario.powers)
        same = r.kind in by_kind
        contested = bool(fields["contested"][0])
        stand_in = last_directed if r.directed else (last_contested if contested else last_any)
        habit = by_kind[r.kind] if same else stand_in
        fields["same"] = np.array([float(same)])
        fields["habit"] = (np.zeros((S, len(OUTCOMES))) if habit is None else habit)[:, None, :]
        p = measurement.vote_probabilities(trajectories[:, t], fields, coefficients, scenario.states)[:, :, 0]
        out[k] = p.mean(0)
        per_draw[k] = p.reshape(draws, -1, S, len(OUTCOMES)).mean(1)
        seen = out[k].copy()
        if recorded:  # a state's recorded vote replaces the forecast of it
            for i, st in enumerate(scenario.states):
                if st in r.observed:
                    seen[i] = np.eye(len(OUTCOMES))[OUTCOMES.index(r.observed[st])]
        by_kind[r.kind] = seen
        last_any = seen
        if contested:
            last_contested = seen
        if r.directed:
            last_directed = seen
    return out, per_draw


def _table(
    scenario: Scenario, resolutions: Sequence[Resolution], probs: np.ndarray, per_draw: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per text and state; with ``per_draw`` also each outcome's 5% and 95% quantile over draws."""
    rows = [
        (r.id, s, OUTCOMES[int(probs[k, i].argmax())], *probs[k, i])
        for k, r in enumerate(resolutions)
        for i, s in enumerate(scenario.states)
    ]
    df = pd.DataFrame(rows, columns=COLUMNS)
    if per_draw is not None:
        lo, hi = np.quantile(per_draw, [0.05, 0.95], axis=1)  # (texts, states, 4) each
        for j, o in enumerate(OUTCOMES):
            df[f"p_{o}_q05"] = lo[..., j].reshape(-1)
            df[f"p_{o}_q95"] = hi[..., j].reshape(-1)
    return df


def posterior_runs(
    scenario: Scenario, posterior: Posterior, seeds: np.ndarray, progress=None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run the scenario over posterior draws x replicates: run ``d * R + r`` is draw ``d`` with replicate seed ``r``.

    Returns the trajectories ``(D * R, steps + 1, S, P)`` and each run's measurement coefficients.
    Every replicate uses the same seed under every draw (common random numbers).
    """
    D, R = len(posterior), len(seeds)
    values = {k: np.repeat(np.asarray(v, dtype=float), R) for k, v in posterior.model_values(scenario.states).items()}
    coef = {k: np.repeat(np.asarray(v, dtype=float), R) for k, v in posterior.coefficients().items()}
    traj = simulate(scenario, np.tile(np.asarray(seeds), D), values, progress=progress)
    return traj, coef


def run_votes(
    scenario: Scenario,
    resolutions: Sequence[Resolution],
    replicates: int | None = None,
    seed: int | None = None,
    params: Mapping[str, object] | None = None,
    progress=None,
    posterior: Posterior | None = None,
    draws: int | None = None,
    recorded: bool = True,
) -> pd.DataFrame:
    """Simulate a scenario's replicates (ensemble engine) and project the votes on ``resolutions``.

    With a ``posterior``: the measurement model over ``draws`` posterior draws (all when None; a subset
    chosen reproducibly from ``seed``) x replicates, probabilities averaged over all runs, and each
    outcome's spread over draws (``p_<outcome>_q05``, ``p_<outcome>_q95``: the 5% and 95% quantiles of the
    draws' own probabilities, each averaged over the draw's replicates). Without one: the
    kind-based logit of ``data/votes.yaml`` (``params`` overrides its coefficients). The texts' dates are
    checked against the horizon before anything runs. ``recorded``: the measurement model's habit may use
    earlier entries' recorded votes (:func:`measured_probabilities`). ``df.attrs`` records the model, seed,
    replicates, posterior file and draws.
    """
    steps = check_horizon(resolutions, scenario)
    n, s, seeds = replicate_seeds(scenario, replicates, seed)
    if posterior is None:
        traj = simulate(scenario, seeds, progress=progress)
        df = _project(scenario, traj, resolutions, steps, params)
        df.attrs.update(model="kind logit (data/votes.yaml)", posterior="none", draws=0)
    else:
        sub = posterior.subset(draws, s)
        traj, coef = posterior_runs(scenario, sub, seeds, progress)
        mean, per_draw = measured_by_draw(scenario, traj, resolutions, steps, coef, len(sub), recorded)
        df = _table(scenario, resolutions, mean, per_draw)
        df.attrs.update(model="measurement model (docs/measurement.md)", posterior=sub.source, draws=len(sub))
    df.attrs["seed"], df.attrs["replicates"] = s, n
    return df
