"""Scenario comparison: run scenarios with common seeds, and their differences from a baseline at the horizon."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from .. import api, columns, uncertainty
from .._version import __version__
from ..errors import CasimError
from ..posterior import Posterior
from ..results import CORE_COLUMNS
from ..scenario import Scenario, load_scenario
from .summary import check_choice, horizon, labels, outcomes_of, powers_of, scenarios_of


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
    scenario = pd.CategoricalDtype(names)
    parts = []
    for t in tables:
        cols = {c: t[c] for c in t.columns}
        for p in powers:
            if p not in cols:
                cols[p] = pd.Series(0.0, index=t.index)
        cols["scenario"] = pd.Series(_recode(t["scenario"], scenario), index=t.index)
        cols["date"] = _as_text(t["date"])
        parts.append(
            pd.DataFrame({c: cols[c] for c in [*CORE_COLUMNS, *powers, "hedging", *extra] if c in cols}, copy=False)
        )
    return pd.concat(parts, ignore_index=True)


def _recode(col: pd.Series, dtype: pd.CategoricalDtype) -> pd.Categorical[Any]:
    """A column of scenario names as a categorical of ``dtype`` (whose categories are all the names), from its
    codes when it is categorical: as ``pd.Categorical(col.astype(str), dtype=dtype)``, without a string per row."""
    got = labels(col)
    if got is None:
        return pd.Categorical(col.astype(str), dtype=dtype)
    codes, names = got
    where = dtype.categories.get_indexer(pd.Index(names, dtype=object))
    return pd.Categorical.from_codes(where[codes] if codes.size else codes, dtype=dtype, validate=False)


def _as_text(col: pd.Series) -> pd.Series:
    """``col.astype(str)``; of a categorical by taking its categories' texts by code (the same column, fast)."""
    got = labels(col)
    if got is None:
        return col.astype(str)
    codes, _ = got
    texts = pd.Series(col.cat.categories).astype(str).array
    return pd.Series(texts.take(codes.astype(np.intp)), index=col.index, name=col.name)


def run_scenarios(
    scenarios: Iterable[Scenario | str | Path],
    replicates: int | None = None,
    seed: int | None = None,
    engine: str = "ensemble",
    progress=None,
    posterior: Posterior | None = None,
    draws: int | None = None,
) -> pd.DataFrame:
    """Run each scenario with the same base seed and replicate count (common random numbers) and combine them.

    With a ``posterior``: each scenario over the same ``draws`` posterior draws x replicates
    (:func:`casim.uncertainty.run`: common parameters and common random numbers), the table with a ``draw``
    column. Defaults come from the first scenario. ``df.attrs["manifest"]`` holds the comparison's settings
    and each scenario's own manifest.
    """
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    if not loaded:
        raise CasimError("name at least one scenario to compare")
    if replicates is None:  # per draw over a posterior: the first file's, at most uncertainty.REPLICATES_PER_DRAW
        replicates = loaded[0].replicates if posterior is None else uncertainty.per_draw(loaded[0], None)
    seed = loaded[0].seed if seed is None else seed
    if posterior is None:
        tables = [api.run(s, replicates=replicates, seed=seed, engine=engine, progress=progress) for s in loaded]
    else:
        tables = [uncertainty.run(s, posterior, draws, replicates, seed, engine, progress) for s in loaded]
    out = combine(tables)
    settings = {"scenarios": [s.name for s in loaded], "seed": seed, "replicates": replicates, "engine": engine}
    if posterior is not None:
        settings["posterior"] = tables[0].attrs["manifest"]["posterior"]
    out.attrs["manifest"] = {
        "casim_version": __version__,
        "comparison": settings,
        "seeds": "every scenario uses the same per-run seeds (casim.seeding.run_seed(seed, i)): common random numbers"
        + ("; and the same posterior draws: common parameters" if posterior is not None else ""),
        "scenarios": {s.name: t.attrs["manifest"] for s, t in zip(loaded, tables, strict=True)},
    }
    return out


NOISE_ONLY = "noise only"  # the ``interval`` of a comparison at the parameters' point values


def differences(df: pd.DataFrame, baseline: str | None = None, conf: float | None = None) -> pd.DataFrame:
    """Each scenario's outcome at its horizon minus the baseline's, with an interval that says what it is.

    A table with a ``draw`` column (runs over posterior draws, :func:`run_scenarios` with a posterior): the
    effect under each draw is the mean over its replicates of the paired differences (same draw, same seed);
    ``difference`` is the median over draws and ``ci_low``/``ci_high`` the central ``conf`` (default 90%)
    interval over draws: the parameters' uncertainty with the noise in it (:func:`posterior_differences`;
    ``se`` is NaN there: the interval is not that of a mean).
    Otherwise the parameters are at their point values and the interval is the noise only: the ``conf``
    (default 95%) confidence interval of the mean difference, from the paired replicates when both scenarios
    ran the same per-run seeds (common random numbers), else from the two samples' variances (Welch); it is
    not the uncertainty of the effect. One row per scenario, state and outcome (each power's share and
    hedging); ``interval`` names the kind, ``includes_zero`` marks an interval that includes 0.
    """
    if columns.DRAW in df.columns:
        return posterior_differences(df, baseline, 0.9 if conf is None else conf)
    conf = 0.95 if conf is None else conf
    names = scenarios_of(df)
    baseline = names[0] if baseline is None else check_choice("baseline scenario", baseline, names)
    if len(names) < 2:
        raise CasimError("need at least two scenarios to compare with a baseline")
    z = NormalDist().inv_cdf(0.5 + conf / 2)
    outcomes = outcomes_of(df)
    last = horizon(df)[["scenario", "state", "seed", "run", "date", *outcomes]].copy()
    for c in ("scenario", "state", "date"):
        last[c] = texts(last[c])
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
                kind = "paired replicates (common random numbers)" if paired else "Welch"
                parts.append(
                    _effect(name, baseline, state, out, (str(other["date"].iloc[0]), bdate), (bm, om))
                    | _interval(diff, se, diff - z * se, diff + z * se, n, paired, 0)
                    | {"interval": f"{NOISE_ONLY}: {conf:.0%} CI of the mean, {kind}, parameters at their point values"}
                )
    return pd.DataFrame(parts)


def posterior_differences(df: pd.DataFrame, baseline: str | None = None, conf: float = 0.9) -> pd.DataFrame:
    """:func:`differences` of runs over posterior draws: per draw the replicate mean of the paired differences
    (same draw and seed in both scenarios), then the median and central ``conf`` interval over draws."""
    names = scenarios_of(df)
    baseline = names[0] if baseline is None else check_choice("baseline scenario", baseline, names)
    if len(names) < 2:
        raise CasimError("need at least two scenarios to compare with a baseline")
    outcomes = outcomes_of(df)
    last = horizon(df)
    scenario, state = texts(last["scenario"]), texts(last["state"])
    draw, seed = last[columns.DRAW].to_numpy(), last["seed"].to_numpy()
    values = {o: last[o].to_numpy() for o in outcomes}
    base = np.flatnonzero(scenario == baseline)
    lo_q, hi_q = 0.5 - conf / 2, 0.5 + conf / 2
    parts = []
    for name in names:
        if name == baseline:
            continue
        other = np.flatnonzero(scenario == name)
        mine, theirs = _pairs(other, base, [state, draw, seed])
        if len(mine) != len(other) or len(mine) != len(base):
            raise CasimError(
                f"{name} and {baseline} were not run over the same posterior draws and seeds: "
                "compare them with the same --seed, --replicates and --draws"
            )
        d = pd.DataFrame({o: values[o][mine] - values[o][theirs] for o in outcomes})
        per_draw = d.groupby([state[mine], draw[mine]], sort=False).mean()
        n_draws = len(pd.unique(draw[mine]))
        n_rep = int(len(mine) // (n_draws * len(pd.unique(state[mine]))))
        dates = (str(last["date"].iloc[other[0]]), str(last["date"].iloc[base[0]]))
        for st in pd.unique(state[mine]):
            effects = per_draw.loc[st]
            in_base, in_other = base[state[base] == st], other[state[other] == st]
            for out in outcomes:
                e = effects[out].to_numpy(float)
                low, mid, high = np.quantile(e, [lo_q, 0.5, hi_q])
                means = (float(np.mean(values[out][in_base])), float(np.mean(values[out][in_other])))
                parts.append(  # no standard error: the interval is over draws, not of a mean
                    _effect(name, baseline, str(st), out, dates, means)
                    | _interval(float(mid), np.nan, float(low), float(high), n_rep, True, n_draws)
                    | {
                        "interval": f"posterior: median and {conf:.0%} interval over {n_draws} draws, paired over "
                        f"{n_draws} draws x {n_rep} replicates (common parameters and random numbers)"
                    }
                )
    return pd.DataFrame(parts)


def texts(col: pd.Series) -> np.ndarray:
    """A column's values as text (``str`` of each, an object array); of a categorical by its codes."""
    got = labels(col)
    if got is None:
        return col.astype(str).to_numpy(dtype=object)
    codes, names = got
    return np.asarray(names, dtype=object)[codes]


def _pairs(a: np.ndarray, b: np.ndarray, keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``a`` and of ``b`` (positions in ``keys``) with the same keys, one to one, in ``a``'s order: an
    inner merge of ``a`` with ``b`` on the keys (a key twice on one side is pandas' MergeError, as in a merge).

    Two scenarios run with the same seeds and draws have their rows in the same order: then the rows pair as they
    stand, and no merge is needed."""
    same = len(a) == len(b) and all((k[a] == k[b]).all() for k in keys)
    left = pd.DataFrame({f"k{i}": k[a] for i, k in enumerate(keys)})
    if same and not left.duplicated().any():
        return a, b
    right = pd.DataFrame({f"k{i}": k[b] for i, k in enumerate(keys)})
    m = left.assign(_a=a).merge(right.assign(_b=b), on=list(left.columns), validate="one_to_one")
    return m["_a"].to_numpy(), m["_b"].to_numpy()


def _effect(name: str, baseline: str, state: str, outcome: str, dates: tuple, means: tuple) -> dict:
    """The labels of one row of :func:`differences`: which effect, at which dates, from which means."""
    return {
        "scenario": name,
        "baseline": baseline,
        "state": state,
        "outcome": outcome,
        "date": dates[0],
        "baseline_date": dates[1],
        "baseline_mean": means[0],
        "scenario_mean": means[1],
    }


def _interval(diff: float, se: float, low: float, high: float, replicates: int, paired: bool, draws: int) -> dict:
    """The numbers of one row of :func:`differences`: the effect, its interval and what it rests on."""
    return {
        "difference": diff,
        "se": se,
        "ci_low": low,
        "ci_high": high,
        "replicates": replicates,
        "paired": paired,
        "draws": draws,
        "includes_zero": bool(low <= 0 <= high),
    }


def _same_seeds(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two scenarios' horizon rows carry the same per-run seeds (each once per state)."""
    sa = a.groupby("run")["seed"].first()
    sb = b.groupby("run")["seed"].first()
    return sa.is_unique and sb.is_unique and set(sa) == set(sb)


def difference_summary(diff: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """A printable view of :func:`differences`: one row per scenario and state, "diff [low, high]" per outcome,
    ``*`` after an interval that includes zero (``attrs['interval']`` says what the interval is)."""
    zero = diff["includes_zero"] if "includes_zero" in diff else pd.Series(False, index=diff.index)
    text = diff.assign(
        cell=[
            f"{d:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]{'*' if z else ' '}"
            for d, lo, hi, z in zip(diff["difference"], diff["ci_low"], diff["ci_high"], zero, strict=True)
        ]
    )
    out = text.pivot(index=["scenario", "state"], columns="outcome", values="cell")
    order = list(pd.unique(diff["outcome"]))
    out = out[order].reindex(pd.MultiIndex.from_frame(diff[["scenario", "state"]].drop_duplicates()))
    if "interval" in diff:
        out.attrs["interval"] = "; ".join(pd.unique(diff["interval"]))
    return out
