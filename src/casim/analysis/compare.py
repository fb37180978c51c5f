"""Scenario comparison: run scenarios with common seeds, and their differences from a baseline at the horizon."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd

from .. import api
from .._version import __version__
from ..errors import CasimError
from ..results import CORE_COLUMNS
from ..scenario import Scenario, load_scenario
from .summary import check_choice, horizon, outcomes_of, powers_of, scenarios_of


def combine(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Stack results tables of several scenarios into one.

    Powers a scenario does not model get share 0 (no alignment toward them is
    possible there), so every scenario has the union of power columns, in order
    of first appearance, between ``state`` and ``hedging``.
    """
    tables = list(tables)
    if not tables:
        raise CasimError("no results tables to combine")
    powers: list[str] = []
    extra: list[str] = []
    for t in tables:
        powers += [p for p in powers_of(t) if p not in powers]
        extra += [c for c in t.columns if c not in (*CORE_COLUMNS, "hedging", *powers_of(t)) and c not in extra]
    names = [n for t in tables for n in scenarios_of(t)]
    if len(set(names)) != len(names):
        raise CasimError(f"scenario names must differ to be compared; got {', '.join(names)}")
    parts = []
    for t in tables:
        t = t.copy()
        for p in powers:
            if p not in t.columns:
                t[p] = 0.0
        t["scenario"] = t["scenario"].astype(str)
        t["date"] = t["date"].astype(str)
        parts.append(t[[*CORE_COLUMNS, *powers, "hedging", *[c for c in extra if c in t.columns]]])
    out = pd.concat(parts, ignore_index=True)
    out["scenario"] = pd.Categorical(out["scenario"], categories=names)
    return out


def run_scenarios(
    scenarios: Iterable[Scenario | str | Path],
    replicates: int | None = None,
    seed: int | None = None,
    engine: str = "ensemble",
    progress=None,
) -> pd.DataFrame:
    """Run each scenario with the same base seed and replicate count (common random numbers) and combine them.

    Defaults come from the first scenario. ``df.attrs["manifest"]`` holds the
    comparison's settings and each scenario's own manifest.
    """
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    if not loaded:
        raise CasimError("name at least one scenario to compare")
    replicates = loaded[0].replicates if replicates is None else replicates
    seed = loaded[0].seed if seed is None else seed
    tables = [api.run(s, replicates=replicates, seed=seed, engine=engine, progress=progress) for s in loaded]
    out = combine(tables)
    out.attrs["manifest"] = {
        "casim_version": __version__,
        "comparison": {"scenarios": [s.name for s in loaded], "seed": seed, "replicates": replicates, "engine": engine},
        "seeds": "every scenario uses the same per-run seeds (casim.seeding.run_seed(seed, i)): common random numbers",
        "scenarios": {s.name: t.attrs["manifest"] for s, t in zip(loaded, tables, strict=True)},
    }
    return out


def differences(df: pd.DataFrame, baseline: str | None = None, conf: float = 0.95) -> pd.DataFrame:
    """Each scenario's mean outcome at its horizon minus the baseline's, with a confidence interval.

    When both scenarios were run with the same per-run seeds the replicates are
    paired (common random numbers) and the interval comes from the paired
    differences; otherwise from the two samples' variances (Welch). One row per
    scenario, state and outcome (each power's share and hedging).
    """
    names = scenarios_of(df)
    baseline = names[0] if baseline is None else check_choice("baseline scenario", baseline, names)
    if len(names) < 2:
        raise CasimError("need at least two scenarios to compare with a baseline")
    z = NormalDist().inv_cdf(0.5 + conf / 2)
    outcomes = outcomes_of(df)
    last = horizon(df)[["scenario", "state", "seed", "run", "date", *outcomes]].copy()
    for c in ("scenario", "state", "date"):
        last[c] = last[c].astype(str)
    base = last[last["scenario"] == baseline]
    bstats = base.groupby("state", sort=False)[outcomes].agg(["mean", "var", "count"])
    bdate = str(base["date"].iloc[0])
    parts = []
    for name in names:
        if name == baseline:
            continue
        other = last[last["scenario"] == name]
        ostats = other.groupby("state", sort=False)[outcomes].agg(["mean", "var", "count"])
        paired = _same_seeds(base, other)
        if paired:
            m = other.merge(base, on=["state", "seed"], suffixes=("", "_b"))
            d = pd.DataFrame({o: m[o] - m[f"{o}_b"] for o in outcomes}).assign(state=m["state"])
            dstats = d.groupby("state", sort=False)[outcomes].agg(["mean", "std", "count"])
        for state in ostats.index:
            for out in outcomes:
                bm, om = float(bstats.loc[state, (out, "mean")]), float(ostats.loc[state, (out, "mean")])
                if paired:
                    diff, n = float(dstats.loc[state, (out, "mean")]), int(dstats.loc[state, (out, "count")])
                    se = float(dstats.loc[state, (out, "std")]) / np.sqrt(n) if n > 1 else np.nan
                else:
                    nb, no = int(bstats.loc[state, (out, "count")]), int(ostats.loc[state, (out, "count")])
                    diff, n = om - bm, min(nb, no)
                    vb, vo = float(bstats.loc[state, (out, "var")]), float(ostats.loc[state, (out, "var")])
                    se = float(np.sqrt(vo / no + vb / nb)) if n > 1 else np.nan
                parts.append(
                    {
                        "scenario": name,
                        "baseline": baseline,
                        "state": state,
                        "outcome": out,
                        "date": str(other["date"].iloc[0]),
                        "baseline_date": bdate,
                        "baseline_mean": bm,
                        "scenario_mean": om,
                        "difference": diff,
                        "se": se,
                        "ci_low": diff - z * se,
                        "ci_high": diff + z * se,
                        "replicates": n,
                        "paired": paired,
                    }
                )
    return pd.DataFrame(parts)


def _same_seeds(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two scenarios' horizon rows carry the same per-run seeds (each once per state)."""
    sa = a.groupby("run")["seed"].first()
    sb = b.groupby("run")["seed"].first()
    return sa.is_unique and sb.is_unique and set(sa) == set(sb)


def difference_summary(diff: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """A printable view of :func:`differences`: one row per scenario and state, "diff [low, high]" per outcome."""
    text = diff.assign(
        cell=[
            f"{d:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]"
            for d, lo, hi in zip(diff["difference"], diff["ci_low"], diff["ci_high"], strict=True)
        ]
    )
    out = text.pivot(index=["scenario", "state"], columns="outcome", values="cell")
    order = list(pd.unique(diff["outcome"]))
    return out[order].reindex(pd.MultiIndex.from_frame(diff[["scenario", "state"]].drop_duplicates()))
