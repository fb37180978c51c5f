"""The validation scorecard: documented stylized facts checked against the baseline and the hindcast.

Facts (``data/facts.yaml``) are orderings of alignment at given dates;
recorded UN votes (resolution files with an ``observed`` record) are checked
through the vote model. Every check yields a margin or a probability and a
pass/fail. The same measures serve ``casim calibrate``: they are computed on
arrays with a leading draws axis, one value per parameter set.

Longer than 400 lines: the facts file reader, the checks and their scoring share the
``Check`` records and their one-line descriptions; the reader alone is ~90 lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from . import measures, sources, uncertainty, yamlfile
from .api import replicate_seeds, simulate
from .errors import CasimError, did_you_mean
from .posterior import Posterior
from .quarters import in_horizon, parse_quarter, step_at
from .scenario import Scenario
from .votes import OUTCOMES, ROLES, Resolution, doctrines, read_resolutions, vote_probabilities

SCENARIO_KEYS = ("baseline", "hindcast")
TESTS = {"largest": ("states",), "above_median": ("state",), "falls": ("state", "since")}  # test -> its other keys
FACT_FIELDS = ("id", "claim", "test", "source", "checks")


@dataclass(frozen=True)
class Fact:
    """A stylized fact of alignment: a test, its source, and where it is checked."""

    id: str
    claim: str
    test: Mapping[str, Any]  # as read from facts.yaml, checked by read_facts
    source: str
    checks: Mapping[str, tuple[str, ...]]
    where: str = ""


@dataclass(frozen=True)
class FactFile:
    """The contents of a facts file: the scored facts and the items deliberately not scored."""

    facts: tuple[Fact, ...]
    not_scored: tuple[str, ...]


def read_facts(path: str | Path) -> FactFile:
    """Read and check a facts file (format: the header of ``data/facts.yaml``); a one-line error on a bad entry."""
    name = str(path)
    doc = yamlfile.read(path, what="a facts file (a 'facts' list)")
    raw = doc.data
    extra = [k for k in raw if k not in ("facts", "not_scored")]
    if extra:
        raise CasimError(
            f"unknown key {extra[0]!r}; a facts file has 'facts' and 'not_scored'", where=doc.where((extra[0],), name)
        )
    items = raw.get("facts")
    if not isinstance(items, list) or not items:
        raise CasimError("a facts file has a non-empty 'facts' list", where=name)
    states = sources.load().states
    out = []
    for i, f in enumerate(items):
        where = doc.origins.get(("facts", i), name)
        if not isinstance(f, dict):
            raise CasimError(f"fact {i + 1} must be a mapping with {', '.join(FACT_FIELDS)}", where=where)
        for k in f:
            if k not in FACT_FIELDS:
                raise CasimError(
                    f"unknown field {k!r}{did_you_mean(str(k), FACT_FIELDS)}", where=doc.where(("facts", i, k), where)
                )
        missing = [k for k in FACT_FIELDS if f.get(k) in (None, "", [], {})]
        if missing:
            raise CasimError(
                f"fact {f.get('id', i + 1)} has no {missing[0]!r} (required: {', '.join(FACT_FIELDS)})", where=where
            )
        fid, test, checks_ = str(f["id"]), f["test"], f["checks"]
        at_test, at_checks = doc.where(("facts", i, "test"), where), doc.where(("facts", i, "checks"), where)
        kind = [t for t in TESTS if isinstance(test, dict) and t in test]
        if len(kind) != 1:
            raise CasimError(f"fact {fid}: 'test' needs exactly one of {', '.join(TESTS)}", where=at_test)
        for k in TESTS[kind[0]]:
            if k not in test:
                raise CasimError(f"fact {fid}: a {kind[0]!r} test needs {k!r}", where=at_test)
        named = test.get("states", [])
        if not isinstance(named, list):
            raise CasimError(f"fact {fid}: 'states' is a list of states, e.g. [TJK, KGZ]", where=at_test)
        for s in [*named, *([test["state"]] if "state" in test else [])]:
            if s not in states:
                raise CasimError(f"fact {fid}: unknown state {s!r}{did_you_mean(str(s), states)}", where=at_test)
        if "since" in test and test["since"] not in ("start", "end"):
            parse_quarter(test["since"], where=at_test)
        if not isinstance(checks_, dict):
            raise CasimError(
                f"fact {fid}: 'checks' maps scenario keys ({', '.join(SCENARIO_KEYS)}) to dates", where=at_checks
            )
        for key, dates in checks_.items():
            at = doc.where(("facts", i, "checks", key), at_checks)
            if key not in SCENARIO_KEYS:
                raise CasimError(
                    f"fact {fid}: unknown scenario key {key!r} in 'checks'{did_you_mean(str(key), SCENARIO_KEYS)}",
                    where=at,
                )
            if not isinstance(dates, list) or not dates:
                raise CasimError(
                    f"fact {fid}: checks.{key} must be a list of dates (start, end or a quarter like 2023Q1)", where=at
                )
            for d in dates:
                if d not in ("start", "end"):
                    parse_quarter(d, where=at)
        out.append(
            Fact(fid, str(f["claim"]), dict(test), str(f["source"]), {k: tuple(v) for k, v in checks_.items()}, where)
        )
    return FactFile(tuple(out), tuple(str(x) for x in raw.get("not_scored") or ()))


@lru_cache(maxsize=1)
def _packaged() -> FactFile:
    """The packaged ``data/facts.yaml``, read once."""
    with resources.as_file(resources.files("casim").joinpath("data/facts.yaml")) as path:
        return read_facts(path)


def facts() -> tuple[Fact, ...]:
    """The packaged scorecard facts."""
    return _packaged().facts


def not_scored() -> list[str]:
    """FACTS items deliberately left out of the scorecard, with the reason."""
    return list(_packaged().not_scored)


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


def _step(scenario: Scenario, token: str, fact: Fact, key: str) -> tuple[str, int]:
    """The quarter label and model step of a fact's date (``start``, ``end`` or a quarter label) in a scenario."""
    date = {"start": scenario.start, "end": scenario.end}.get(token, token)
    what = f"fact {fact.id}: date {date} (its checks.{key})"
    return date, step_at(scenario, date, what, where=fact.where or None)


def _horizons(scenarios: Mapping[str, Scenario], keys: Sequence[str]) -> str:
    return " and ".join(f"{k} {scenarios[k].name!r} {scenarios[k].start}..{scenarios[k].end}" for k in keys)


def checks(scenarios: Mapping[str, Scenario], resolutions: Sequence[Resolution] = ()) -> list[Check]:
    """Every check the scorecard makes on these scenarios (keys ``baseline`` and ``hindcast``).

    Fitted votes are checked in every scenario whose horizon holds the text's
    date; held-out votes in the hindcast only (the model's account of history).
    A recorded vote no scenario can check is an error, never silently dropped.
    """
    if sorted(scenarios) != sorted(SCENARIO_KEYS):
        raise CasimError(
            f"the scorecard needs exactly the scenarios {', '.join(SCENARIO_KEYS)} "
            f"(got {', '.join(scenarios) or 'none'})"
        )
    out: list[Check] = []
    for f in facts():
        for key, dates in f.checks.items():
            sc = scenarios[key]
            for token in dates:
                date, step = _step(sc, token, f, key)
                since = _step(sc, str(f.test["since"]), f, key)[1] if "falls" in f.test else None
                out.append(
                    Check(
                        f"{f.id}@{key}:{date}", key, date, step, f.claim, f.source, "fitted", fact=f, since_step=since
                    )
                )
    for r in resolutions:
        if not r.observed:
            continue
        if r.role not in ROLES:
            raise CasimError(
                f"resolution {r.id}: an 'observed' record needs a role ({' or '.join(ROLES)})", where=r.where or None
            )
        allowed = SCENARIO_KEYS if r.role == "fitted" else ("hindcast",)
        keys = [k for k in allowed if in_horizon(scenarios[k], r.quarter)]
        if not keys:
            span = "the horizons of both scenarios" if len(allowed) > 1 else "the horizon of the hindcast"
            raise CasimError(
                f"resolution {r.id}: its {r.role.replace('_', '-')} votes, "
                f"dated {r.date.isoformat()} ({r.quarter}), are "
                f"outside {span}, {_horizons(scenarios, allowed)}: they would not be checked",
                where=r.where or None,
            )
        for key in keys:
            sc = scenarios[key]
            step = step_at(sc, r.quarter, f"resolution {r.id}")
            for state, vote in r.observed.items():
                claim = f"{state} votes {vote} on {r.id} ({r.kind}, {r.date.isoformat()})"
                out.append(
                    Check(
                        f"vote:{r.id}:{state}@{key}:{r.quarter}",
                        key,
                        r.quarter,
                        step,
                        claim,
                        r.source,
                        r.role,
                        resolution=r,
                        state=state,
                        observed=vote,
                    )
                )
    return out


def previous_vote(resolutions: Sequence[Resolution], text: Resolution, state: str) -> str | None:
    """The state's most recent recorded vote on a text dated strictly before ``text`` (fitted or held-out), or None.

    The naive comparator for held-out votes: "the state votes as it last
    did". Only earlier records count (no hindsight); on one date, the text
    listed last wins.
    """
    earlier = [
        (r.date, i, r.observed[state]) for i, r in enumerate(resolutions) if state in r.observed and r.date < text.date
    ]
    return max(earlier)[2] if earlier else None


# -- measures on arrays with a leading draws axis ---------------------------------


def ordering_margin(check: Check, mean: np.ndarray, scenario: Scenario) -> np.ndarray:
    """The margin of an ordering fact from mean trajectories ``(draws, steps + 1, states, powers)``; > 0 passes."""
    f = cast(Fact, check.fact)  # an ordering check always has its fact
    t = f.test
    states = list(scenario.states)
    a = mean[:, check.step]
    if "largest" in t:
        p = scenario.powers.index(t["largest"])
        idx = [states.index(s) for s in t["states"]]
        rest = [i for i in range(len(states)) if i not in idx]
        return a[:, idx, p].min(-1) - a[:, rest, p].max(-1)
    if "above_median" in t:
        h = measures.hedging(a)
        i = states.index(t["state"])
        others = np.sort(np.delete(h, i, axis=-1), axis=-1)
        return h[:, i] - others[:, -2]
    if "falls" in t:
        p = scenario.powers.index(t["falls"])
        i = states.index(t["state"])
        return mean[:, check.since_step, i, p] - a[:, i, p]
    raise ValueError(f"facts.yaml: fact {f.id} has an unknown test {dict(t)}")


def check_vote_probabilities(check: Check, traj: np.ndarray, scenario: Scenario, vote_params=None) -> np.ndarray:
    """P(outcomes) ``(draws, 4)`` of the check's state, averaged over replicates of ``(draws, reps, T+1, S, P)``."""
    a = traj[:, :, check.step]  # (D, R, S, P)
    params = None
    if vote_params:
        params = {k: (np.asarray(v)[:, None] if np.ndim(v) else v) for k, v in vote_params.items()}
    text = cast(Resolution, check.resolution)  # a vote check always has its text and state
    p = vote_probabilities(a, scenario.powers, doctrines(scenario.states), text.kind, params)
    return p.mean(1)[:, list(scenario.states).index(cast(str, check.state))]


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
            p = check_vote_probabilities(c, trajectories[c.scenario], sc, vote_params)
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
    """The measured value of a check in words: the shares or indices compared, or the projected vote."""
    if check.fact is None:
        p = values[check.id + "#p"][0]
        best = OUTCOMES[int(p.argmax())]
        probs = " ".join(f"{o} {x:.2f}" for o, x in zip(OUTCOMES, p, strict=True))
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
        h = measures.hedging(a)
        i = states.index(t["state"])
        # the comparator of the margin: the 2nd highest index among the others (above it = above the median of five)
        others = sorted(((h[j], s) for j, s in enumerate(states) if j != i), reverse=True)
        value, who = others[1]
        return f"hedging {t['state']} {h[i]:.3f} vs {who} {value:.3f}, 2nd highest of the others (margin {m:+.3f})"
    p, i = scenario.powers.index(t["falls"]), states.index(t["state"])
    before = mean[0, check.since_step, i, p]
    return f"{t['state']} {t['falls']} {before:.3f} -> {a[i, p]:.3f} (margin {m:+.3f})"


CARD_COLUMNS = (
    "check",
    "role",
    "scenario",
    "date",
    "claim",
    "measured",
    "value",
    "support",
    "passed",
    "resolution",
    "state",
    "observed",
    "projected",
    "previous",
    "persistence",
    "source",
)


def score(
    scenarios: Mapping[str, Scenario],
    trajectories: Mapping[str, np.ndarray],
    resolutions: Sequence[Resolution] = (),
    vote_params: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """The scorecard table from replicate trajectories ``(runs, T+1, S, P)`` of each scenario.

    Columns: ``CARD_COLUMNS``. For a vote: ``resolution``, ``state``, the
    ``observed`` and the ``projected`` vote; for a held-out vote also
    ``previous`` (the state's latest earlier recorded vote, see
    :func:`previous_vote`) and ``persistence`` (whether it equals the
    recorded vote; None when there is no earlier record).
    """
    cs = checks(scenarios, resolutions)
    batched = {k: v[None] for k, v in trajectories.items()}
    values = evaluate(cs, scenarios, batched, vote_params)
    rows = []
    for c in cs:
        sc = scenarios[c.scenario]
        vote = c.fact is None
        support = float("nan") if vote else float((ordering_margin(c, trajectories[c.scenario], sc) > 0).mean())
        previous = (
            previous_vote(resolutions, cast(Resolution, c.resolution), cast(str, c.state))
            if c.role == "held_out"
            else None
        )
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
                "resolution": cast(Resolution, c.resolution).id if vote else None,
                "state": c.state,
                "observed": c.observed,
                "projected": OUTCOMES[int(values[c.id + "#p"][0].argmax())] if vote else None,
                "previous": previous,
                "persistence": None if previous is None else previous == c.observed,
                "source": c.source,
            }
        )
    return pd.DataFrame(rows, columns=list(CARD_COLUMNS))


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
    seed unless ``replicates``/``seed`` are given. Every check is built (and
    so every date checked against its horizon) before anything runs.
    """
    scenarios = {"baseline": baseline, "hindcast": hindcast}
    checks(scenarios, resolutions)
    runs = {key: replicate_seeds(sc, replicates, seed)[2] for key, sc in scenarios.items()}
    trajectories = {key: simulate(sc, runs[key], values) for key, sc in scenarios.items()}
    return score(scenarios, trajectories, resolutions, vote_params)


def over_posterior(
    baseline: Scenario,
    hindcast: Scenario,
    posterior: Posterior,
    draws: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """The scorecard's facts over posterior draws: per fact, the share of draws in which it holds (its margin on
    the draw's replicate mean > 0) and the margin's median and 5% and 95% quantiles over draws.

    Both scenarios run as :func:`casim.uncertainty.run` runs them (the same draws, seeds and replicates per draw).
    The recorded votes are left out: the posterior's votes are scored in the skill table (:mod:`casim.heldout`).
    """
    runs = {
        key: uncertainty.trajectories(sc, posterior, draws, replicates, seed)
        for key, sc in {"baseline": baseline, "hindcast": hindcast}.items()
    }
    scenarios = {key: sc for key, (sc, _, _) in runs.items()}
    facts_only = [c for c in checks(scenarios) if c.fact is not None]
    values = evaluate(facts_only, scenarios, {key: traj for key, (_, traj, _) in runs.items()})
    digest = posterior.sha256()
    rows = []
    for c in facts_only:
        m = values[c.id]
        q05, median, q95 = np.quantile(m, [0.05, 0.5, 0.95])
        sc, traj, _ = runs[c.scenario]
        rows.append(
            {
                "check": c.id,
                "scenario": sc.name,
                "date": c.date,
                "claim": c.claim,
                "share_of_draws": float((m > 0).mean()),
                "margin_median": median,
                "margin_q05": q05,
                "margin_q95": q95,
                "draws": traj.shape[0],
                "replicates": traj.shape[1],
                "seed": sc.seed,
                "posterior_sha256": digest,
                "source": c.source,
            }
        )
    return pd.DataFrame(rows)


def describe_over_posterior(table: pd.DataFrame, name: str) -> str:
    """:func:`over_posterior`'s table in lines: each fact's share of draws, its margin's median and 90% interval."""
    first = table.iloc[0]
    lines = [
        f"the same facts over the posterior ({name}: {first['draws']} draws x {first['replicates']} replicates): "
        "the share of draws in which each holds, its margin's median [5%, 95%]; reported, not counted"
    ]
    for _, r in table.iterrows():
        lines.append(
            f"{r['share_of_draws']:5.0%}  {r['scenario']:<14} {r['date']}  {r['claim']}: margin "
            f"{r['margin_median']:+.3f} [{r['margin_q05']:+.3f}, {r['margin_q95']:+.3f}]"
        )
    return "\n".join(lines)


def _read_role(path: str | Path, role: str, option: str) -> tuple[Resolution, ...]:
    """A resolutions file whose every record has the given role (the file decides the role, not the record)."""
    texts = read_resolutions(path)
    for r in texts:
        if r.role != role:
            has = f"role {r.role!r}" if r.role else "no role"
            raise CasimError(
                f"resolution {r.id} has {has}, but every record of the {option} file must have role: {role}",
                where=r.where or str(path),
            )
    return texts


def resolutions(fitted: str | Path, held_out: str | Path | None = None) -> tuple[Resolution, ...]:
    """The fitted vote records (``--resolutions``) plus, if given, the held-out ones (``--held-out``).

    Every record of the fitted file must have ``role: fitted`` and every one
    of the held-out file ``role: held_out``; the two files share no id.
    """
    texts = _read_role(fitted, "fitted", "--resolutions (fitted)")
    if held_out is None:
        return texts
    held = _read_role(held_out, "held_out", "--held-out")
    clash = {r.id for r in held} & {r.id for r in texts}
    if clash:
        raise CasimError(f"resolution {min(clash)} is in both the fitted and the held-out files", where=str(held_out))
    return texts + held


def failures(card: pd.DataFrame) -> pd.DataFrame:
    """The fitted checks that fail (held-out checks never count as failures)."""
    return card[(card["role"] == "fitted") & ~card["passed"]]


@dataclass(frozen=True)
class HeldOutSummary:
    """The held-out votes of a scorecard: the model's hits against the persistence comparator's.

    The comparator predicts a state's vote by its most recent recorded vote on
    an earlier text (:func:`previous_vote`); where the state has no earlier
    record it makes no prediction. ``hits_where_persistence_predicts`` is the
    model's score on exactly the votes the comparator predicts, for a
    like-for-like comparison.
    """

    votes: int
    hits: int
    persistence_predictions: int
    persistence_hits: int
    hits_where_persistence_predicts: int
    by_text: pd.DataFrame  # resolution, date, votes, hits, persistence_predictions, persistence_hits (file order)

    @property
    def no_prediction(self) -> int:
        """Held-out votes with no earlier record of the state: the comparator predicts nothing."""
        return self.votes - self.persistence_predictions

    def describe(self) -> str:
        """Two lines for a report: the model's hits, then the comparator's."""
        return (
            "held-out votes (out of sample, not fitted; reported only): "
            f"{self.hits}/{self.votes} projected as recorded\n"
            "naive comparator (each state repeats its latest earlier recorded vote): "
            f"{self.persistence_hits}/{self.votes} "
            f"({self.persistence_hits}/{self.persistence_predictions} where it has an earlier record, the model "
            f"{self.hits_where_persistence_predicts}/{self.persistence_predictions}; "
            f"no earlier record for {self.no_prediction})"
        )


def held_out_summary(card: pd.DataFrame) -> HeldOutSummary:
    """Count the held-out rows of a scorecard (:func:`score`): model hits, comparator predictions and hits, per text."""
    held = card[card["role"] == "held_out"]
    predicts = held["previous"].notna()
    agree = held["persistence"].eq(True)
    by_text = (
        pd.DataFrame(
            {
                "resolution": held["resolution"],
                "date": held["date"],
                "votes": 1,
                "hits": held["passed"].astype(int),
                "persistence_predictions": predicts.astype(int),
                "persistence_hits": agree.astype(int),
            }
        )
        .groupby(["resolution", "date"], sort=False, as_index=False)
        .sum()
    )
    return HeldOutSummary(
        votes=len(held),
        hits=int(held["passed"].sum()),
        persistence_predictions=int(predicts.sum()),
        persistence_hits=int(agree.sum()),
        hits_where_persistence_predicts=int(held.loc[predicts, "passed"].sum()),
        by_text=by_text,
    )
