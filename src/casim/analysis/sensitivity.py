"""Sensitivity indices of outcomes at the horizon: Sobol (SALib), Morris (SALib) and one-at-a-time (tornado).

A sweep's table has one design point per SALib sample row (column ``point``)
and its replicates; each point's output is the mean outcome over its
replicates at the horizon, for one state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol

from .. import api, results
from ..errors import CasimError, did_you_mean
from ..scenario import Scenario, load_scenario
from ..seeding import run_seeds
from .summary import check_choice, horizon, outcomes_of, powers_of, scenarios_of, states_of


def check_problem(problem: Mapping) -> dict:
    """A SALib problem dict with names and bounds of equal length, or a one-line error."""
    try:
        names = [str(n) for n in problem["names"]]
        bounds = [tuple(map(float, b)) for b in problem["bounds"]]
    except (KeyError, TypeError, ValueError) as e:
        raise CasimError(f"not a SALib problem (needs 'names' and 'bounds'): {e}") from None
    if len(names) != len(bounds) or not names:
        raise CasimError(f"problem has {len(names)} names and {len(bounds)} bounds; they must match and be non-empty")
    return {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds]}


def design_outputs(df: pd.DataFrame, problem: Mapping, state: str, outcome: str) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix ``X`` (one row per point, in point order) and output ``Y`` (mean over replicates at the
    horizon)."""
    names = _swept(df, problem)
    check_choice("state", state, states_of(df))
    check_choice("outcome", outcome, outcomes_of(df))
    X, Y = state_outputs(df, names, [state], [outcome])[state]
    return X, Y[outcome]


def _swept(df: pd.DataFrame, problem: Mapping) -> list[str]:
    """The swept parameters' names, once the table is known to be a sweep's with a column for each."""
    names = check_problem(problem)["names"]
    if "point" not in df.columns:
        raise CasimError("the table has no 'point' column: sensitivity indices need a sweep's results")
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise CasimError(f"the table has no column for swept parameter(s) {', '.join(missing)}")
    return names


def state_outputs(df: pd.DataFrame, names: list[str], states: Iterable[str], outcomes: list[str]) -> dict:
    """``{state: (X, {outcome: Y})}``, as :func:`design_outputs` gives them, with the horizon found once."""
    last = horizon(df)
    state_of = last["state"].astype(str)
    out = {}
    for state in states:
        g = last[state_of == state].groupby("point", sort=True)
        X = g[names].first()
        for c in names:  # a parameter swept over listed values (e.g. sanctions targets): use its level codes
            if not pd.api.types.is_numeric_dtype(X[c]):
                X[c] = pd.factorize(X[c].astype(str))[0]
        points, means = X.index.to_numpy(), g[outcomes].mean()
        if len(points) == 0 or points[0] != 0 or points[-1] != len(points) - 1:
            found = f"{len(points)} point(s)" + (f" between {points.min()} and {points.max()}" if len(points) else "")
            raise CasimError(f"design points are incomplete: found {found}; finish or resume the sweep")
        out[state] = (X.to_numpy(float), {o: means[o].to_numpy(float) for o in outcomes})
    return out


def saltelli_second_order(X: np.ndarray, num_vars: int) -> bool:
    """Whether a Saltelli design holds second-order rows (blocks of 2D+2 rows rather than D+2).

    In both layouts each block starts A, AB_1 ... AB_D; they differ in what
    follows, which this reads from the rows themselves.
    """
    D = num_vars
    n = len(X)
    fits_2 = n % (2 * D + 2) == 0
    fits_1 = n % (D + 2) == 0
    if fits_2 != fits_1:
        return fits_2
    if not fits_2:
        raise CasimError(
            f"{n} design points do not form a Saltelli design for {D} parameters "
            f"(need a multiple of {D + 2} or {2 * D + 2})"
        )
    if n < D + 4:
        return False
    # second-order layout: rows D+1, D+2 are BA_1, BA_2, which differ in columns 0 and 1;
    # first-order layout: row D+2 starts the next block, and row D+3 differs from it in column 0 only
    changed = np.flatnonzero(~np.isclose(X[D + 3], X[D + 2]))
    return not (len(changed) == 1 and changed[0] == 0)


BOOTSTRAP_KEY = 0x5A11B  # spawn key of the seed SALib's bootstrap draws from, within SeedSequence(seed)


def bootstrap_seed(seed: int) -> int:
    """The seed handed to SALib's bootstrap of confidence intervals: derived from ``seed`` with SeedSequence, never 0.

    SALib's ``sobol.analyze`` seeds its generator only ``if seed:``, so a seed
    of 0 (or None) would draw from numpy's global state and differ run to run;
    every casim seed, 0 included, maps to a fixed positive 63-bit integer.
    """
    word = np.random.SeedSequence(seed, spawn_key=(BOOTSTRAP_KEY,)).generate_state(1, np.uint64)[0]
    return int(word) % (2**63 - 1) + 1


def sobol_indices(
    problem: Mapping,
    Y: np.ndarray,
    X: np.ndarray | None = None,
    calc_second_order: bool | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """First- and total-order Sobol indices with bootstrap confidence half-widths (SALib), one row per parameter.

    ``calc_second_order`` is read from the design ``X`` when not given.
    """
    problem = check_problem(problem)
    if calc_second_order is None:
        if X is None:
            raise CasimError("give the design X or calc_second_order to analyse a Saltelli design")
        calc_second_order = saltelli_second_order(np.asarray(X), problem["num_vars"])
    Y = np.asarray(Y, float)
    if not np.all(np.isfinite(Y)):
        raise CasimError("outputs contain NaN or infinite values; cannot compute Sobol indices")
    try:
        si = salib_sobol.analyze(
            problem,
            Y,
            calc_second_order=calc_second_order,
            num_resamples=num_resamples,
            conf_level=conf_level,
            seed=bootstrap_seed(seed),
        )
    except (RuntimeError, ValueError) as e:
        raise CasimError(f"Sobol analysis failed: {e}") from None
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": si["S1"],
            "S1_conf": si["S1_conf"],
            "ST": si["ST"],
            "ST_conf": si["ST_conf"],
        }
    )


def morris_levels(X: np.ndarray, problem: Mapping) -> int:
    """The number of grid levels of a Morris design, read from its step size Δ = p / (2 (p - 1))."""
    problem = check_problem(problem)
    lo = np.array([b[0] for b in problem["bounds"]])
    hi = np.array([b[1] for b in problem["bounds"]])
    steps = np.abs(np.diff((np.asarray(X, float) - lo) / (hi - lo), axis=0))
    steps = steps[(steps > 1e-9)]
    delta = float(np.median(steps)) if steps.size else 0.0
    if not 0.5 < delta <= 1.0 + 1e-9:
        raise CasimError(
            f"cannot read the number of levels from this Morris design (step {delta:.3g}); pass num_levels"
        )
    return round(2 * delta / (2 * delta - 1))


def morris_indices(
    problem: Mapping,
    X: np.ndarray,
    Y: np.ndarray,
    num_levels: int | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris μ, μ* (with bootstrap confidence half-width) and σ (SALib), one row per parameter."""
    problem = check_problem(problem)
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    num_levels = morris_levels(X, problem) if num_levels is None else num_levels
    if len(X) % (problem["num_vars"] + 1):
        raise CasimError(f"{len(X)} design points do not form Morris trajectories of {problem['num_vars'] + 1} rows")
    try:
        options = {"num_resamples": num_resamples, "conf_level": conf_level, "num_levels": num_levels}
        si = salib_morris.analyze(problem, X, Y, **options, seed=bootstrap_seed(seed))
    except (RuntimeError, ValueError) as e:
        raise CasimError(f"Morris analysis failed: {e}") from None
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu": np.asarray(si["mu"], float),
            "mu_star": np.asarray(si["mu_star"], float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], float),
            "sigma": np.asarray(si["sigma"], float),
        }
    )


def _each(df: pd.DataFrame, states: Iterable[str] | None, outcomes: Iterable[str] | None):
    states = states_of(df) if states is None else [check_choice("state", s, states_of(df)) for s in states]
    outcomes = outcomes_of(df) if outcomes is None else [check_choice("outcome", o, outcomes_of(df)) for o in outcomes]
    for s in states:
        for o in outcomes:
            yield s, o


def sobol(
    df: pd.DataFrame,
    problem: Mapping,
    states: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    calc_second_order: bool | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol indices of each outcome of each state from a Saltelli sweep: state, outcome, parameter, S1, S1_conf, ST,
    ST_conf."""
    return _per_state_and_outcome(
        df,
        problem,
        states,
        outcomes,
        ["S1", "S1_conf", "ST", "ST_conf"],
        lambda X, Y: sobol_indices(problem, Y, X, calc_second_order, num_resamples, conf_level, seed),
    )


def morris(
    df: pd.DataFrame,
    problem: Mapping,
    states: Sequence[str] | None = None,
    outcomes: Sequence[str] | None = None,
    num_levels: int | None = None,
    num_resamples: int = 100,
    conf_level: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris screening of each outcome of each state from a Morris sweep: state, outcome, parameter, mu, mu_star,
    mu_star_conf, sigma."""
    return _per_state_and_outcome(
        df,
        problem,
        states,
        outcomes,
        ["mu", "mu_star", "mu_star_conf", "sigma"],
        lambda X, Y: morris_indices(problem, X, Y, num_levels, num_resamples, conf_level, seed),
    )


def _per_state_and_outcome(df, problem, states, outcomes, columns, indices) -> pd.DataFrame:
    """``indices(X, Y)`` for each chosen state and outcome, stacked into one table with those columns."""
    pairs = list(_each(df, states, outcomes))
    chosen = list(dict.fromkeys(o for _, o in pairs))
    outputs = state_outputs(df, _swept(df, problem), dict.fromkeys(s for s, _ in pairs), chosen)
    parts = [indices(outputs[s][0], outputs[s][1][o]).assign(state=s, outcome=o) for s, o in pairs]
    out = pd.concat(parts, ignore_index=True)[["state", "outcome", "parameter", *columns]]
    return _describe(out, df)


def _describe(indices: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """Record the sweep's scenario and powers in ``indices.attrs`` (figures title and colour by them)."""
    indices.attrs.update({"scenario": scenarios_of(df)[0], "powers": powers_of(df)})
    return indices


def method_of(design: Mapping | None) -> str:
    """``sobol`` or ``morris`` from a sweep manifest's design block."""
    method = str((design or {}).get("method", "")).lower()
    if method in ("sobol", "saltelli"):
        return "sobol"
    if method == "morris":
        return "morris"
    raise CasimError(f"sensitivity indices need a sobol or morris design, not {method or 'an unknown design'!r}")


def from_manifest(
    df: pd.DataFrame, manifest: Mapping, states: Sequence[str] | None = None, outcomes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Sobol or Morris indices of a sweep's table, as its manifest's design and problem say.

    The bootstrap of their confidence intervals is seeded from the sweep's seed,
    so the same store gives the same intervals every time.
    """
    problem = manifest.get("problem")
    if not problem:
        raise CasimError(
            "the results have no SALib problem in manifest.json: sensitivity indices need a sweep's results"
        )
    design = manifest.get("design") or {}
    options = design.get("options") or {}
    seed = int(manifest.get("seed") or 0)
    if method_of(design) == "sobol":
        return sobol(df, problem, states, outcomes, calc_second_order=options.get("second_order"), seed=seed)
    return morris(df, problem, states, outcomes, num_levels=options.get("num_levels"), seed=seed)


def one_at_a_time(
    scenario: Scenario | str | Path,
    parameters: Mapping[str, tuple[float, float]] | Iterable[str] | None = None,
    replicates: int = 20,
    seed: int | None = None,
    engine: str = "ensemble",
) -> pd.DataFrame:
    """Run the scenario at its own values and with each parameter moved alone to its low and high value.

    ``parameters`` maps paths to (low, high), or lists paths whose plausible
    range comes from the calibration data (default: every numeric parameter
    that has one). Every level uses the same seeds
    (common random numbers). Returns the results table with columns
    ``parameter`` ("" for the base runs), ``level`` (base, low, high) and ``value``.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    seed = sc.seed if seed is None else seed
    ranges = _ranges(sc, parameters)
    base = {p: _base_value(sc, p) for p in ranges}
    labels: list[tuple[str, str, float]] = [("", "base", np.nan)]
    for p, (lo, hi) in ranges.items():
        labels += [(p, "low", lo), (p, "high", hi)]
    seeds = np.tile(run_seeds(seed, replicates), len(labels))
    values = {p: np.full(len(seeds), base[p], dtype=float) for p in ranges}
    for k, (p, _, v) in enumerate(labels):
        if p:
            values[p][k * replicates : (k + 1) * replicates] = v
    traj = api.simulate(sc, seeds, values=values, engine=engine)
    reps = np.tile(np.arange(replicates), len(labels))
    extra = {
        "parameter": np.repeat([p for p, _, _ in labels], replicates),
        "level": np.repeat([lv for _, lv, _ in labels], replicates),
        "value": np.repeat([v if p else np.nan for p, _, v in labels], replicates),
    }
    return results.table(sc, traj, seeds, replicates=reps, extra=extra)


def _ranges(sc: Scenario, parameters) -> dict[str, tuple[float, float]]:
    if parameters is None:
        space = sc.space
        parameters = [p for p, slot in space.slots.items() if slot.kind == "float" and space.prior_range(p) is not None]
    if isinstance(parameters, Mapping):
        out = {str(p): (float(r[0]), float(r[1])) for p, r in parameters.items()}
    else:
        out = {}
        for p in parameters:
            r = sc.space.prior_range(p) if p in sc.space.slots else None
            if r is None:
                raise CasimError(f"no plausible range for {p!r} in the calibration data; give (low, high) explicitly")
            out[str(p)] = r
    if not out:
        raise CasimError("name at least one parameter for a one-at-a-time analysis")
    return out


def _base_value(sc: Scenario, path: str) -> float:
    for shock in sc.shocks:
        if shock.key == path:
            return float(shock.value)
    slot = sc.space.slots.get(path)
    if slot is None or slot.kind != "float":
        valid = [k for k, s in sc.space.slots.items() if s.kind == "float"] + [s.key for s in sc.shocks]
        raise CasimError(f"{path!r} is not a numeric parameter of scenario {sc.name}{did_you_mean(path, valid)}")
    return float(cast(float, sc.values[path]))  # a float slot: checked above


def tornado(oat: pd.DataFrame, state: str, outcome: str) -> pd.DataFrame:
    """Mean outcome at the horizon for one state at each parameter's low and high value, widest swing first."""
    check_choice("state", state, states_of(oat))
    check_choice("outcome", outcome, outcomes_of(oat))
    if not {"parameter", "level", "value"} <= set(oat.columns):
        raise CasimError("not a one-at-a-time table (needs parameter, level and value columns)")
    last = horizon(oat)
    last = last[last["state"].astype(str) == state]
    base = float(last.loc[last["level"] == "base", outcome].mean())
    rows = []
    for p, g in last[last["level"] != "base"].groupby("parameter", sort=False):
        lo, hi = g[g["level"] == "low"], g[g["level"] == "high"]
        rows.append(
            {
                "parameter": p,
                "low": float(lo["value"].iloc[0]),
                "high": float(hi["value"].iloc[0]),
                "at_low": float(lo[outcome].mean()),
                "at_high": float(hi[outcome].mean()),
                "base": base,
            }
        )
    out = pd.DataFrame(rows)
    out["swing"] = (out["at_high"] - out["at_low"]).abs()
    out = out.sort_values("swing", ascending=False, ignore_index=True)
    out.attrs.update(
        {"state": state, "outcome": outcome, "scenario": str(oat["scenario"].iloc[0]), "powers": powers_of(oat)}
    )
    return out
