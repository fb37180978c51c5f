"""Calibration by approximate Bayesian computation (rejection) against the scorecard's fitted targets.

Uncertain structural parameters of the alignment model and the vote model are
drawn from uniform priors over the ranges the data files give; each draw runs
the baseline and the hindcast on the ensemble engine (every draw with the
same replicate seeds: common random numbers); its distance to the targets
sums hinge losses on the fitted facts' margins and on the probability of each
recorded vote; the closest quantile is accepted. What is fitted, to what, and
what is not: docs/validation.md.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import yaml

from . import results, sources, validation, votes
from ._version import __version__
from .api import simulate
from .errors import CasimError
from .scenario import Scenario
from .seeding import run_seeds
from .sources import Prior
from .votes import Resolution

# Structural parameters of the alignment model fitted here (dotted paths;
# "doctrine.<d>.stubbornness" sets the stubbornness of every state of doctrine d).
MODEL_PARAMETERS = (
    "model.temperature",
    "model.coupling",
    "model.autonomy",
    "model.sanctions_weight",
    "model.reputation",
    *(f"model.weights.{c}" for c in sources.load().channels),
    "doctrine.neutral.stubbornness",
    "doctrine.multi_vector.stubbornness",
    "doctrine.dependent.stubbornness",
)
# Vote-model coefficients fitted here (keys of data/votes.yaml, prefixed "votes.").
VOTE_PARAMETERS = tuple(f"votes.{k}" for k in votes.vote_data().parameters)

# Parameters left at their sourced or assumed values, and why (no target informs them).
UNFITTED = {
    "model.inertia": "speed of adjustment: the only dynamic target (kaz_distances_russia) is a sign, not a pace",
    "model.noise": "size of the quarterly shock: no target measures year-to-year variability",
    "model.response_decay": "memory of the powers' responses: no target on response dynamics",
    "model.spinup": "numerical: iterations to the starting equilibrium",
    "<doctrine>.backlash": "backlash against coercion: acts only through KAZ's transit exposure; no target isolates it",
    "<power>.<lever>": (
        "levers (economy, coercion, sanctions, stigma, channel levers) are scenario inputs, set by the scenario files"
    ),
    "<power>.retain / engage / stability_seeking": "the powers' response gains: no target on response dynamics",
    "region.integration / region.afghan_threat": "regional conditions are scenario inputs",
    "exposures and intensities": "measured figures of data/calibration.yaml (FACTS.md), not fitted",
    "vote kind attributes (directness, sovereignty, precedent)": (
        "coded judgments of each kind of text (data/votes.yaml), never fitted"
    ),
}

ORDERING_TOLERANCE = 0.05  # an ordering fact costs nothing once its margin reaches 5 points of share
VOTE_TOLERANCE = 0.5  # a recorded vote costs nothing once its probability reaches one half
IDENTIFIED = 0.2  # posterior 90% interval at most 80% of the prior's: the targets inform the parameter


def priors(scenario: Scenario, paths: Sequence[str] = MODEL_PARAMETERS + VOTE_PARAMETERS) -> list[Prior]:
    """The uniform prior of each fitted path: its plausible range in the data files."""
    space = scenario.space
    vote_priors = votes.vote_data().parameters
    docs = votes.doctrines(scenario.states)
    out = []
    for path in paths:
        if path.startswith("votes."):
            p = vote_priors[path[len("votes.") :]]
            out.append(dataclasses.replace(p, path=path))
            continue
        if path.startswith("doctrine."):
            d, name = path.split(".")[1:]
            target = f"{scenario.states[docs.index(d)]}.{name}"  # the default of a state with that doctrine
        else:
            target = path
        rng = space.prior_range(path)
        if rng is None:
            raise CasimError(f"parameter {path!r} has no prior range in the calibration data; it cannot be fitted")
        value = float(cast(float, scenario.values[target]))  # a float slot (its data give it a prior range)
        out.append(Prior(value, rng[0], rng[1], "U", "range from the data file", path=path))
    return out


def sample(prs: Sequence[Prior], n: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` draws from the independent uniform priors."""
    lo = np.array([p.low for p in prs])
    hi = np.array([p.high for p in prs])
    u = rng.random((n, len(prs)))
    return pd.DataFrame(lo + u * (hi - lo), columns=[p.path for p in prs])


def split(draws: Mapping[str, np.ndarray | float], states: Sequence[str]) -> tuple[dict, dict]:
    """Simulation values (doctrine ties expanded to states) and vote-model parameters of a set of draws."""
    vote = {path[len("votes.") :]: v for path, v in draws.items() if path.startswith("votes.")}
    sim = sources.expand_doctrines({p: v for p, v in draws.items() if not p.startswith("votes.")}, states)
    return sim, vote


def losses(all_checks: Sequence[validation.Check], values: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each fitted check's hinge loss per draw (0 when the target is met with room to spare)."""
    out = {}
    for c in all_checks:
        if c.role != "fitted":
            continue
        v = values[c.id]
        if c.fact is not None:
            out[c.id] = np.maximum(0.0, ORDERING_TOLERANCE - v) / ORDERING_TOLERANCE
        else:
            out[c.id] = np.maximum(0.0, np.log(VOTE_TOLERANCE) - np.log(np.maximum(v, 1e-12))) / np.log(
                1 / VOTE_TOLERANCE
            )
    return out


def distances(
    draws: pd.DataFrame,
    scenarios: Mapping[str, Scenario],
    resolutions: Sequence[Resolution],
    replicates: int,
    seed: int,
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Distance to the targets of each draw, with the number of fitted checks it fails and each check's loss."""
    all_checks = [c for c in validation.checks(scenarios, resolutions) if c.role == "fitted"]
    states = next(iter(scenarios.values())).states
    seeds = {k: run_seeds(seed + i, replicates) for i, k in enumerate(sorted(scenarios))}
    parts = []
    for lo in range(0, len(draws), chunk):
        block = draws.iloc[lo : lo + chunk]
        d = len(block)
        sim, vote = split({k: block[k].to_numpy() for k in block.columns}, states)
        trajs = {}
        for key, sc in scenarios.items():
            values = {k: np.repeat(v, replicates) for k, v in sim.items()}
            traj = simulate(sc, np.tile(seeds[key], d), values)
            trajs[key] = traj.reshape(d, replicates, *traj.shape[1:])
        vals = validation.evaluate(all_checks, scenarios, trajs, vote)
        ls = losses(all_checks, vals)
        fails = sum(~validation.passed(c, vals) for c in all_checks)
        frame = pd.DataFrame({"distance": sum(ls.values()), "failed": fails, **{f"loss:{k}": v for k, v in ls.items()}})
        frame.index = block.index
        parts.append(frame)
        if progress is not None:
            progress(d)
    return pd.concat(parts)


@dataclass(frozen=True)
class Calibration:
    """The result of an ABC run: all draws with their distances, the accepted ones, the summary."""

    draws: pd.DataFrame
    accepted: pd.DataFrame
    summary: dict


def _summarise(prs: Sequence[Prior], accepted: pd.DataFrame) -> list[dict]:
    """Posterior summaries per parameter and the value to ship.

    A parameter is *identified* when its 90% posterior interval is at most
    ``1 - IDENTIFIED`` of the prior's 90% interval; only then is its posterior
    median shipped. An unidentified parameter keeps the value it had (its
    sourced value): with uniform priors its posterior median would only be the
    middle of the prior range, which the targets did not choose.
    """
    rows = []
    for p in prs:
        q05, med, q95 = accepted[p.path].quantile([0.05, 0.5, 0.95])
        # a fitted parameter's prior has a range and a number (see priors())
        low, high, value = cast(float, p.low), cast(float, p.high), cast(float, p.value)
        shrinkage = float(1 - (q95 - q05) / (0.9 * (high - low)))
        identified = shrinkage >= IDENTIFIED
        # posterior over prior density at the value held before (20 equal bins of the prior range):
        # below 1 the targets disfavour that value, above 1 they favour it
        edges = np.linspace(low, high, 21)
        b = int(np.clip(np.searchsorted(edges, value, side="right") - 1, 0, 19))
        in_bin = (accepted[p.path] >= edges[b]) & ((accepted[p.path] < edges[b + 1]) | (b == 19))
        rows.append(
            {
                "parameter": p.path,
                "prior_low": p.low,
                "prior_high": p.high,
                "before": p.value,
                "posterior_median": float(med),
                "posterior_q05": float(q05),
                "posterior_q95": float(q95),
                # 0: the 90% interval spans 90% of the prior (nothing learnt); 1: a point
                "shrinkage": shrinkage,
                "density_ratio_at_before": float(in_bin.mean() * 20),
                "identified": bool(identified),
                "shipped": round(float(med), 3) if identified else p.value,
            }
        )
    return rows


def check_settings(draws: int, replicates: int, quantile: float, seed: int, verify_replicates: int = 50) -> None:
    """A one-line error for an impossible setting of :func:`run` (checked before any file is read or run)."""
    if draws < 2:
        raise CasimError(f"draws must be at least 2 (got {draws})")
    if replicates < 1 or verify_replicates < 1:
        raise CasimError(f"replicates must be at least 1 (got {min(replicates, verify_replicates)})")
    if not 0 < quantile <= 1:
        raise CasimError(f"quantile must be in (0, 1] (got {quantile})")
    if seed < 0:
        raise CasimError(f"seed must be a non-negative integer (got {seed})")


def run_abc(
    baseline: Scenario,
    hindcast: Scenario,
    resolutions: Sequence[Resolution],
    draws: int = 2000,
    replicates: int = 4,
    quantile: float = 0.05,
    seed: int = 0,
    chunk: int = 1000,
    verify_replicates: int = 50,
    progress: Callable[[int], None] | None = None,
) -> Calibration:
    """ABC rejection: sample the priors, score every draw, accept the closest ``quantile`` (ties included).

    The shipped point (posterior medians of identified parameters, the rest
    as before) is scored again with ``verify_replicates`` fresh replicates.
    """
    check_settings(draws, replicates, quantile, seed, verify_replicates)
    started = time.time()
    scenarios = {"baseline": baseline, "hindcast": hindcast}
    # every recorded vote must be checkable (validation.checks refuses one outside the horizons); count the checks
    if not any(c.fact is None and c.role == "fitted" for c in validation.checks(scenarios, resolutions)):
        raise CasimError("no fitted vote check among the resolutions (a text with role: fitted and observed votes)")
    prs = priors(baseline)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    sample_ = sample(prs, draws, rng)
    scored = distances(sample_, scenarios, resolutions, replicates, seed, chunk, progress)
    table = pd.concat([sample_, scored], axis=1)
    table.index.name = "draw"
    k = max(1, int(np.ceil(quantile * draws)))
    threshold = float(np.sort(table["distance"].to_numpy())[k - 1])  # the k-th closest draw
    accepted = table[table["distance"] <= threshold].sort_values("distance", kind="stable")
    rows = _summarise(prs, accepted)
    shipped = pd.DataFrame([{r["parameter"]: r["shipped"] for r in rows}])
    check = distances(shipped, scenarios, resolutions, verify_replicates, seed + 1000).iloc[0]
    summary = {
        "method": "ABC rejection: uniform priors, accept the draws within the quantile of distances (ties included)",
        "casim_version": __version__,
        "command": (f"casim calibrate --draws {draws} --replicates {replicates} --quantile {quantile} --seed {seed}"),
        "seed": seed,
        "draws": draws,
        "replicates": replicates,
        "replicate_seeds": {
            k: f"run_seeds({seed + i}, {replicates}), the same for every draw" for i, k in enumerate(sorted(scenarios))
        },
        "quantile": quantile,
        "threshold": threshold,
        "accepted": int(len(accepted)),
        "accepted_passing_all": int((accepted["failed"] == 0).sum()),
        "prior_passing_all": float((table["failed"] == 0).mean()),
        "identified_if_shrinkage_at_least": IDENTIFIED,
        "distance": {
            "ordering_tolerance": ORDERING_TOLERANCE,
            "vote_tolerance": VOTE_TOLERANCE,
            "definition": (
                "sum over fitted checks of max(0, tol - margin)/tol (orderings) "
                "and max(0, log tol - log p_observed)/log(1/tol) (votes)"
            ),
        },
        "scenarios": {
            k: {"name": sc.name, "source": sc.source, "sha256": sc.source_hash} for k, sc in scenarios.items()
        },
        "targets": sorted(k[len("loss:") :] for k in check.index if k.startswith("loss:")),
        "parameters": rows,
        "shipped_point": {
            "verify_replicates": verify_replicates,
            "replicate_seeds": f"run_seeds({seed + 1000} + i, {verify_replicates}) for scenario i in sorted order",
            "distance": float(check["distance"]),
            "failed": int(check["failed"]),
        },
        # every fitted parameter at its shipped value: scenarios/baseline.yaml pins these (data/votes.yaml the votes)
        "baseline_overrides": overrides(baseline, {r["parameter"]: r["shipped"] for r in rows}),
        "unfitted": UNFITTED,
        "seconds": round(time.time() - started, 3),
        "versions": results.versions(),
    }
    return Calibration(table, accepted, summary)


def overrides(scenario: Scenario, point: Mapping[str, float]) -> dict:
    """The calibrated values as scenario-file blocks (``model:``, ``states:``) and vote-model coefficients."""
    sim, vote = split({k: v for k, v in point.items()}, scenario.states)
    model: dict = {}
    states: dict = {}
    for path, v in sim.items():
        parts = path.split(".")
        if parts[0] == "model" and parts[1] == "weights":
            model.setdefault("weights", {})[parts[2]] = float(v)
        elif parts[0] == "model":
            model[parts[1]] = float(v)
        else:
            states.setdefault(parts[0], {})[parts[1]] = float(v)
    return {"model": model, "states": states, "votes": {k: float(v) for k, v in vote.items()}}


def write_calibration(cal: Calibration, out: str | Path) -> Path:
    """Write ``accepted.csv`` (accepted sets, their distances and failed-check counts) and ``summary.json`` into
    ``out``."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        target = out / "accepted.csv"
        table = cal.accepted.drop(columns=[c for c in cal.accepted.columns if c.startswith("loss:")])
        results.atomic_write(target, lambda p: table.to_csv(p, float_format="%.5g"))
        results.atomic_write(
            out / "summary.json", lambda p: Path(p).write_text(json.dumps(cal.summary, indent=2, default=str))
        )
    except OSError as e:
        raise CasimError(f"cannot write calibration results: {e.strerror or e}", where=str(out)) from None
    return target


def report(summary: Mapping) -> str:
    """The calibration summary as text: acceptance, one line per parameter, the shipped point, what was not fitted."""
    s = summary
    lines = [
        f"ABC rejection: {s['draws']} draws x {s['replicates']} replicates; accepted {s['accepted']} "
        f"(distance <= {s['threshold']:.4g}); {s['prior_passing_all']:.1%} of prior draws pass every target",
        f"{'parameter':<36} {'prior':>15} {'before':>8} {'median':>8} "
        f"{'90% interval':>17} {'shrink':>7} {'p/p0':>5}  shipped",
    ]
    for r in s["parameters"]:
        prior = f"[{r['prior_low']:g}, {r['prior_high']:g}]"
        interval = f"[{r['posterior_q05']:.3f}, {r['posterior_q95']:.3f}]"
        mark = "(identified)" if r["identified"] else "(not identified: kept)"
        lines.append(
            f"{r['parameter']:<36} {prior:>15} {r['before']:>8.3f} {r['posterior_median']:>8.3f} {interval:>17} "
            f"{r['shrinkage']:>7.3f} {r['density_ratio_at_before']:>5.2f}  {r['shipped']:.3f} {mark}"
        )
    sp = s["shipped_point"]
    lines += [
        "shrink: 1 - posterior/prior 90% interval width; p/p0: posterior/prior density at the value before",
        f"shipped point: distance {sp['distance']:.4g}, {sp['failed']} fitted check(s) failing with "
        f"{sp['verify_replicates']} fresh replicates",
        "not fitted (no target informs them): " + "; ".join(s["unfitted"]),
        "the shipped point as scenario overrides "
        "(scenarios/baseline.yaml pins model and states; data/votes.yaml the votes):",
        yaml.safe_dump(s["baseline_overrides"], sort_keys=False).rstrip(),
    ]
    return "\n".join(lines)
