"""The validation scorecard: documented stylized facts checked against the baseline and the hindcast.

Facts (``data/facts.yaml``) are orderings of alignment at given dates;
recorded UN votes (resolution files with an ``observed`` record) are checked
through the vote model. Every check yields a margin or a probability and a
pass/fail. The same measures serve ``casim calibrate``: they are computed on
arrays with a leading draws axis, one value per parameter set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from . import observables
from .api import replicate_seeds, simulate
from .errors import CasimError
from .observables import OUTCOMES, Resolution
from .scenario import Scenario
from .timeline import parse_quarter

SCENARIO_KEYS = ("baseline", "hindcast")


@dataclass(frozen=True)
class Fact:
    """A stylized fact of alignment: a test, its source, and where it is checked."""

    id: str
    claim: str
    test: Mapping[str, object]
    source: str
    checks: Mapping[str, tuple[str, ...]]


@lru_cache(maxsize=1)
def facts() -> tuple[Fact, ...]:
    """The packaged scorecard facts."""
    raw = yaml.safe_load(resources.files("casim").joinpath("data/facts.yaml").read_text(encoding="utf-8"))
    return tuple(
        Fact(f["id"], f["claim"], dict(f["test"]), f["source"], {k: tuple(v) for k, v in f["checks"].items()})
        for f in raw["facts"]
    )


def not_scored() -> list[str]:
    """FACTS items deliberately left out of the scorecard, with the reason."""
    raw = yaml.safe_load(resources.files("casim").joinpath("data/facts.yaml").read_text(encoding="utf-8"))
    return list(raw.get("not_scored", []))


@dataclass(frozen=True)
class Check:
    """One fact (or one state's recorded vote) at one date of one scenario."""

    id: str
    scenario: str  # key: baseline | hindcast
    date: str
    step: int
    claim: str
    source: str
    role: str  # fitted | held_out
    fact: Fact | None = None
    since_step: int | None = None
    resolution: Resolution | None = None
    state: str | None = None
    observed: str | None = None


def _step(scenario: Scenario, token: str) -> tuple[str, int]:
    date = {"start": scenario.start, "end": scenario.end}.get(token, token)
    step = parse_quarter(date) - parse_quarter(scenario.start)
    if not 0 <= step <= scenario.steps:
        raise CasimError(f"fact date {date} is outside the horizon of scenario {scenario.name!r}")
    return date, step


def checks(scenarios: Mapping[str, Scenario], resolutions: Sequence[Resolution] = ()) -> list[Check]:
    """Every check the scorecard makes on these scenarios (keys ``baseline``/``hindcast``).

    Fitted votes are checked in every scenario whose horizon holds the text's
    date; held-out votes in the hindcast only (the model's account of history).
    """
    out: list[Check] = []
    for f in facts():
        for key, dates in f.checks.items():
            if key not in scenarios:
                continue
            sc = scenarios[key]
            for token in dates:
                date, step = _step(sc, token)
                since = None
                if "falls" in f.test:
                    since = _step(sc, str(f.test["since"]))[1]
                out.append(Check(f"{f.id}@{key}:{date}", key, date, step, f.claim, f.source, "fitted", fact=f, since_step=since))
    for r in resolutions:
        if not r.observed:
            continue
        keys = [k for k in scenarios if r.role == "fitted" or k == "hindcast"]
        for key in keys:
            sc = scenarios[key]
            lo, hi = parse_quarter(sc.start), parse_quarter(sc.end)
            if not lo <= parse_quarter(r.quarter) <= hi:
                continue
            step = parse_quarter(r.quarter) - lo
            for state, vote in r.observed.items():
                claim = f"{state} votes {vote} on {r.id} ({r.kind}, {r.date.isoformat()})"
                out.append(
                    Check(f"vote:{r.id}:{state}@{key}:{r.quarter}", key, r.quarter, step, claim, r.source, r.role or "fitted",
                          resolution=r, state=state, observed=vote)
                )
    return out


# -- measures on arrays with a leading draws axis ---------------------------------


def ordering_margin(check: Check, mean: np.ndarray, scenario: Scenario) -> np.ndarray:
    """The margin of an ordering fact from mean trajectories ``(draws, steps + 1, states, powers)``; > 0 passes."""
    f = check.fact
    t = f.test
    states = list(scenario.states)
    a = mean[:, check.step]
    if "largest" in t:
        p = scenario.powers.index(t["largest"])
        idx = [states.index(s) for s in t["states"]]
        rest = [i for i in range(len(states)) if i not in idx]
        return a[:, idx, p].min(-1) - a[:, rest, p].max(-1)
    if "above_median" in t:
        h = observables.hedging(a)
        i = states.index(t["state"])
        others = np.sort(np.delete(h, i, axis=-1), axis=-1)
        return h[:, i] - others[:, -2]
    if "falls" in t:
        p = scenario.powers.index(t["falls"])
        i = states.index(t["state"])
        return mean[:, check.since_step, i, p] - a[:, i, p]
    raise ValueError(f"facts.yaml: fact {f.id} has an unknown test {dict(t)}")


def vote_probabilities(check: Check, traj: np.ndarray, scenario: Scenario, vote_params=None) -> np.ndarray:
    """P(outcomes) ``(draws, 4)`` of the check's state, averaged over replicates of ``(draws, reps, T+1, S, P)``."""
    a = traj[:, :, check.step]  # (D, R, S, P)
    params = None
    if vote_params:
        params = {k: (np.asarray(v)[:, None] if np.ndim(v) else v) for k, v in vote_params.items()}
    p = observables.vote_probabilities(a, scenario.powers, observables.doctrines(scenario.states), check.resolution.kind, params)
    return p.mean(1)[:, list(scenario.states).index(check.state)]


def evaluate(
    all_checks: Sequence[Check],
    scenarios: Mapping[str, Scenario],
    trajectories: Mapping[str, np.ndarray],
    vote_params: Mapping[str, object] | None = None,
) -> dict[str, np.ndarray]:
    """Each check's value per draw: an ordering margin, or P(observed vote) with the outcome probabilities.

    ``trajectories[key]`` is ``(draws, replicates, steps + 1, states, powers)``;
    ``vote_params`` values are scalars or one per draw. Returns ``id -> (draws,)``
    and, for votes, ``id + "#p" -> (draws, 4)``.
    """
    out: dict[str, np.ndarray] = {}
    means = {k: v.mean(1) for k, v in trajectories.items()}
    for c in all_checks:
        sc = scenarios[c.scenario]
        if c.fact is not None:
            out[c.id] = ordering_margin(c, means[c.scenario], sc)
        else:
            p = vote_probabilities(c, trajectories[c.scenario], sc, vote_params)
            out[c.id + "#p"] = p
            out[c.id] = p[:, OUTCOMES.index(c.observed)]
    return out


def passed(check: Check, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """Whether a check passes, per draw: a positive margin, or the observed vote the most probable."""
    if check.fact is not None:
        return values[check.id] > 0
    return values[check.id + "#p"].argmax(-1) == OUTCOMES.index(check.observed)


# -- the scorecard ------------------------------------------------------------------


def _describe(check: Check, values: Mapping[str, np.ndarray], mean: np.ndarray, scenario: Scenario) -> str:
    if check.fact is None:
        p = values[check.id + "#p"][0]
        best = OUTCOMES[int(p.argmax())]
        probs = " ".join(f"{o} {x:.2f}" for o, x in zip(OUTCOMES, p))
        return f"projected {best} ({probs})"
    t, a, m = check.fact.test, mean[0, check.step], values[check.id][0]
    states = list(scenario.states)
    if "largest" in t:
        p = scenario.powers.index(t["largest"])
        listed = ", ".join(f"{s} {a[states.index(s), p]:.3f}" for s in t["states"])
        rest = [s for s in states if s not in t["states"]]
        nxt = max(rest, key=lambda s: a[states.index(s), p])
        return f"{t['largest']}: {listed} vs next {nxt} {a[states.index(nxt), p]:.3f} (margin {m:+.3f})"
    if "above_median" in t:
        h = observables.hedging(a)
        med = float(np.median(h))
        return f"hedging {t['state']} {h[states.index(t['state'])]:.3f} vs median {med:.3f} (margin {m:+.3f})"
    p, i = scenario.powers.index(t["falls"]), states.index(t["state"])
    before = mean[0, check.since_step, i, p]
    return f"{t['state']} {t['falls']} {before:.3f} -> {a[i, p]:.3f} (margin {m:+.3f})"


def score(
    scenarios: Mapping[str, Scenario],
    trajectories: Mapping[str, np.ndarray],
    resolutions: Sequence[Resolution] = (),
    vote_params: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """The scorecard table from replicate trajectories ``(runs, T+1, S, P)`` of each scenario."""
    cs = checks(scenarios, resolutions)
    batched = {k: v[None] for k, v in trajectories.items()}
    values = evaluate(cs, scenarios, batched, vote_params)
    fitted_votes: dict[str, str] = {}
    for r in resolutions:
        if r.role == "fitted":
            for state, vote in r.observed.items():
                fitted_votes.setdefault(state, vote)
    rows = []
    for c in cs:
        sc = scenarios[c.scenario]
        if c.fact is not None:
            per_run = ordering_margin(c, trajectories[c.scenario], sc)
            support = float((per_run > 0).mean())
        else:
            support = float("nan")
        rows.append(
            {
                "check": c.id,
                "role": c.role,
                "scenario": sc.name,
                "date": c.date,
                "claim": c.claim,
                "measured": _describe(c, values, batched[c.scenario].mean(1), sc),
                "value": float(values[c.id][0]),
                "support": support,
                "passed": bool(passed(c, values)[0]),
                # the naive comparator for held-out votes: the state repeats its fitted (ES-11/6) vote
                "persistence": (fitted_votes.get(c.state) == c.observed) if c.role == "held_out" else None,
                "source": c.source,
            }
        )
    return pd.DataFrame(rows)


def scorecard(
    baseline: Scenario,
    hindcast: Scenario,
    resolutions: Sequence[Resolution] = (),
    replicates: int | None = None,
    seed: int | None = None,
    values: Mapping[str, object] | None = None,
    vote_params: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Run the baseline and the hindcast (ensemble engine) and score every fact and recorded vote.

    ``values`` overrides parameters of both scenarios (as in
    :func:`casim.api.simulate`); each scenario runs its own replicates and
    seed unless ``replicates``/``seed`` are given.
    """
    scenarios = {"baseline": baseline, "hindcast": hindcast}
    trajectories = {}
    for key, sc in scenarios.items():
        _, _, seeds = replicate_seeds(sc, replicates, seed)
        trajectories[key] = simulate(sc, seeds, values)
    return score(scenarios, trajectories, resolutions, vote_params)


def resolutions(fitted: str | Path, held_out: str | Path | None, hindcast: Scenario) -> tuple:
    """The fitted vote records plus, if given, the held-out ones (checked disjoint and within the hindcast)."""
    texts = observables.read_resolutions(fitted)
    if held_out is None:
        return texts
    held = observables.read_resolutions(held_out)
    clash = {r.id for r in held} & {r.id for r in texts}
    if clash:
        raise CasimError(f"resolution {sorted(clash)[0]} is in both the fitted and the held-out files", where=str(held_out))
    observables.check_horizon(held, hindcast)
    return texts + held


def failures(card: pd.DataFrame) -> pd.DataFrame:
    """The fitted checks that fail (held-out checks never count as failures)."""
    return card[(card["role"] == "fitted") & ~card["passed"]]
