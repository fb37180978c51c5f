"""Scenario discovery: the parameter ranges in which a state ends with a chosen dominant partner.

A box is a range per swept parameter. Its coverage is the fraction of all runs
of interest (the state's dominant partner at the horizon is the chosen power)
that fall inside it; its density, the fraction of runs inside it that are of
interest; its mass, the fraction of all runs inside it. PRIM boxes come from
the ``PRIM`` package (Project Platypus, from the EMA Workbench); CART boxes
from a scikit-learn decision tree's leaves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CasimError
from .response import per_run, swept_parameters
from .summary import check_choice, powers_of

METHODS = ("prim", "cart")


@dataclass(frozen=True)
class Box:
    """A box in parameter space with its coverage, density and mass over the runs it was found on."""

    state: str
    partner: str
    method: str
    limits: pd.DataFrame  # index: parameter; columns: low, high, restricted, kept (fraction of the sampled range)
    coverage: float
    density: float
    mass: float
    runs: int
    of_interest: int
    trajectory: pd.DataFrame | None = None  # PRIM's peeling trajectory (coverage, density, mass, res dim)
    warning: str | None = None  # why the box says little: the partner dominates every run, or no range explains it

    @property
    def restricted(self) -> list[str]:
        """Parameters the box narrows (the others span their whole sampled range)."""
        return list(self.limits.index[self.limits["restricted"]])

    @property
    def most_restricted(self) -> list[str]:
        """Every parameter, narrowest box range first (relative to its sampled range; ties keep column order)."""
        return list(self.limits["kept"].sort_values(kind="stable").index)

    def contains(self, X: pd.DataFrame) -> np.ndarray:
        """Whether each row of ``X`` (parameter columns) lies inside the box (closed intervals)."""
        inside = np.ones(len(X), dtype=bool)
        for p, row in self.limits.iterrows():
            v = X[p].to_numpy(float)
            inside &= (v >= row["low"]) & (v <= row["high"])
        return inside

    def describe(self) -> str:
        """One line per restricted parameter, then coverage, density and mass."""
        lines = [f"{self.state} ends with {self.partner} dominant ({self.method.upper()} box):"]
        for p in self.restricted or ["(no restriction)"]:
            if p in self.limits.index:
                lo, hi = self.limits.loc[p, ["low", "high"]]
                lines.append(f"  {lo:.3g} <= {p} <= {hi:.3g}")
            else:
                lines.append(f"  {p}")
        lines.append(
            f"  coverage {self.coverage:.2f}, density {self.density:.2f}, mass {self.mass:.2f} ({self.runs} runs, "
            f"{self.of_interest} of interest)"
        )
        if self.warning:
            lines.append(f"warning: {self.warning}")
        return "\n".join(lines)


def discover(
    df: pd.DataFrame,
    state: str,
    partner: str,
    parameters: Sequence[str] | None = None,
    method: str = "prim",
    min_density: float | None = None,
    mass_min: float = 0.05,
    problem: Mapping | None = None,
    max_depth: int = 4,
) -> Box:
    """The box of swept-parameter ranges where ``state`` most often ends with ``partner`` dominant.

    Among the candidate boxes (PRIM's peeling trajectory, or the tree's leaves
    predicting the partner) it picks the one with the highest coverage whose
    density reaches ``min_density``, or the densest if none does. By default
    ``min_density`` is 0.8, or halfway from the base rate to 1 when the runs of
    interest are already that common (so the box says something). Each run
    (every replicate of every point) is one case.
    """
    check_choice("method", method, METHODS)
    check_choice("partner", partner, powers_of(df))
    valid = swept_parameters(df, problem)
    params = valid if parameters is None else [check_choice("parameter", p, valid) for p in parameters]
    runs = per_run(df, state, "dominant", params)
    X = runs[params].astype(float)
    y = (runs["dominant"] == partner).to_numpy()
    n_int = int(y.sum())
    if n_int == 0:
        raise CasimError(
            f"no run ends with {state}'s dominant partner {partner}; nothing to discover "
            f"(the design gives {_partner_shares(runs['dominant'])})"
        )
    if min_density is None:
        min_density = max(0.8, (1 + n_int / len(y)) / 2)
    full = pd.DataFrame(
        {"low": X.min().to_numpy(), "high": X.max().to_numpy()}, index=pd.Index(params, name="parameter")
    )
    if n_int == len(y):
        limits, trajectory = full.assign(restricted=False), None
    elif method == "prim":
        limits, trajectory = _prim(X, y, full, min_density, mass_min)
    else:
        limits, trajectory = _cart(X, y, full, min_density, mass_min, max_depth), None
    span = (full["high"] - full["low"]).where(lambda w: w > 0, 1.0)
    limits["kept"] = ((limits["high"] - limits["low"]) / span).where(full["high"] > full["low"], 1.0).clip(0.0, 1.0)
    box = Box(state, partner, method, limits, 0.0, 0.0, 0.0, len(y), n_int, trajectory)
    inside = box.contains(X)
    coverage = float((inside & y).sum() / n_int)
    density = float((inside & y).sum() / max(inside.sum(), 1))
    mass = float(inside.mean())
    warning = None
    if n_int == len(y):
        warning = (
            f"{state} ends with {partner} dominant in all {len(y)} runs: the design never crosses a boundary, so "
            "the box is the whole design and coverage = density = 1 say nothing; widen the ranges or sweep other "
            "parameters"
        )
    elif not limits["restricted"].any():
        warning = (
            f"the box restricts no parameter: no range of {', '.join(params)} separates the runs ending with "
            f"{partner} dominant ({n_int} of {len(y)}) from the others"
        )
    return Box(state, partner, method, limits, coverage, density, mass, len(y), n_int, trajectory, warning)


def _partner_shares(dominant: pd.Series) -> str:
    """``west 100%`` or ``russia 68%, china 32%``: how often each partner is dominant among the runs."""
    shares = dominant.astype(str).value_counts(normalize=True)
    return ", ".join(f"{p} {100 * v:.0f}%" for p, v in shares.items())


def hit_shares(df: pd.DataFrame, state: str, partner: str, parameters: Sequence[str]) -> pd.DataFrame:
    """One row per distinct point of ``parameters`` among the runs: its values, the ``runs`` there and the ``share`` of
    them ending with ``partner`` dominant.

    On a grid design a point holds its replicates (and every run that differs
    only in other parameters); on a random design usually one run.
    """
    runs = per_run(df, state, "dominant", list(parameters))
    hit = (runs["dominant"] == partner).astype(float)
    g = hit.groupby([runs[p] for p in parameters], sort=True)
    return pd.DataFrame({"share": g.mean(), "runs": g.size()}).reset_index()


def _pick(coverage: np.ndarray, density: np.ndarray, min_density: float) -> int:
    ok = np.flatnonzero(density >= min_density)
    if ok.size:
        return int(ok[np.argmax(coverage[ok])])
    return int(np.argmax(density))


def _prim(X: pd.DataFrame, y: np.ndarray, full: pd.DataFrame, min_density: float, mass_min: float):
    import prim

    finder = prim.Prim(X.reset_index(drop=True), y, mass_min=mass_min)
    box = finder.find_box()
    traj = box.peeling_trajectory.astype(float).reset_index(drop=True)
    i = _pick(traj["coverage"].to_numpy(), traj["density"].to_numpy(), min_density)
    box.select(i)
    limits = full.copy()
    lim = box.limits
    for p in lim.index:
        limits.loc[p, ["low", "high"]] = [float(lim.loc[p, "min"]), float(lim.loc[p, "max"])]
    limits["restricted"] = (limits["low"] > full["low"]) | (limits["high"] < full["high"])
    traj.attrs["selected"] = i
    return limits, traj


def _cart(X: pd.DataFrame, y: np.ndarray, full: pd.DataFrame, min_density: float, mass_min: float, max_depth: int):
    from sklearn.tree import DecisionTreeClassifier

    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=max(1, int(mass_min * len(y))), random_state=0)
    tree.fit(X.to_numpy(), y)
    t = tree.tree_
    leaves: list[tuple[int, dict[int, list[float]]]] = []

    def walk(node: int, bounds: dict[int, list[float]]) -> None:
        if t.children_left[node] == t.children_right[node]:
            leaves.append((node, bounds))
            return
        f, thr = int(t.feature[node]), float(t.threshold[node])
        left = {k: list(v) for k, v in bounds.items()}
        right = {k: list(v) for k, v in bounds.items()}
        left.setdefault(f, [-np.inf, np.inf])
        right.setdefault(f, [-np.inf, np.inf])
        left[f][1] = min(left[f][1], thr)
        right[f][0] = max(right[f][0], thr)
        walk(int(t.children_left[node]), left)
        walk(int(t.children_right[node]), right)

    walk(0, {})
    leaf_of = tree.apply(X.to_numpy())
    n_int = y.sum()
    cov = np.array([(y & (leaf_of == node)).sum() / n_int for node, _ in leaves])
    den = np.array([y[leaf_of == node].mean() for node, _ in leaves])
    _, bounds = leaves[_pick(cov, den, min_density)]
    limits = full.copy()
    cols = list(X.columns)
    for f, (lo, hi) in bounds.items():
        v = X[cols[f]].to_numpy()
        # tighten to the data inside the split so limits are sampled values, not split midpoints
        inside = v[(v > lo) & (v <= hi)]
        limits.loc[cols[f], ["low", "high"]] = [inside.min(), inside.max()] if inside.size else [lo, hi]
    limits["restricted"] = (limits["low"] > full["low"]) | (limits["high"] < full["high"])
    return limits
