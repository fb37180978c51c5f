"""Designs: the points of a sweep, made by SALib (lhs, sobol, morris), as a full grid, or read from a CSV file.

A design is a matrix ``X`` (points x parameters) in the coordinates of the SALib
``problem`` (float ranges as they are; an integer range [lo, hi] as [lo, hi+1),
decoded by ``floor``; a category as [0, k), decoded as ``values[floor(x)]``;
Morris narrows the last two so that its levels weigh every value equally,
see :func:`morris_bounds`).
Row ``i`` of ``X`` is design point ``i``, so sensitivity analyses can pair
SALib's sample order with the results' ``point`` column.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from ..errors import CasimError
from .parameters import Param
from .spec import Sweep

# Design points a sweep may have: the planner holds the design matrix (8 bytes a point and parameter) and one
# group number a point, so this bounds its memory (about 80 MB a parameter) before anything is sampled.
MAX_POINTS = 10_000_000
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Design:
    """The design points of a sweep."""

    method: str
    X: np.ndarray
    problem: dict
    options: dict

    @property
    def points(self) -> int:
        return int(self.X.shape[0])


def problem(sweep: Sweep) -> dict:
    """The SALib problem: ``num_vars``, ``names`` (dotted paths), ``bounds`` (Morris: see :func:`morris_bounds`)."""
    levels = _morris_levels(sweep) if sweep.design.method == "morris" else None
    return {
        "num_vars": len(sweep.params),
        "names": [p.path for p in sweep.params],
        "bounds": [p.bounds if levels is None else morris_bounds(p, levels) for p in sweep.params],
    }


def _morris_levels(sweep: Sweep) -> int:
    return MORRIS_LEVELS if sweep.design.num_levels is None else sweep.design.num_levels


def morris_bounds(p: Param, levels: int) -> list[float]:
    """The bounds of a parameter in a Morris design of ``levels`` levels.

    A float range is used as it is. A parameter with ``k`` whole-number codes
    (an integer range or listed values) gets the centres of ``levels`` equal
    bins of ``[lo, lo + k)`` when ``k <= levels`` (``levels / k`` levels per
    value when ``k`` divides ``levels``, which :func:`make` requires), and
    ``[lo + 1/2, lo + k - 1/2]`` when ``k > levels`` (an integer range's
    levels spread over it, both ends included, one value each). No level sits
    on a bin edge, so ``floor`` decodes each to its value whatever the
    floating-point rounding of SALib's scaling.
    """
    if p.kind == "float":
        return p.bounds
    lo, top = p.bounds
    k = top - lo
    half = k / (2 * max(k, levels))
    return [lo + half, top - half]


def _morris_check(sweep: Sweep, levels: int, where: str) -> None:
    """Refuse a Morris design whose levels cannot give each value of a discrete parameter equal weight."""
    sizes = {p.path: (p.kind, int(p.bounds[1] - p.bounds[0])) for p in sweep.params if p.kind != "float"}

    def fits(L: int) -> bool:
        return all(L % k == 0 or (kind == "int" and k >= L) for kind, k in sizes.values())

    bad = next(
        (path for path, (kind, k) in sizes.items() if not (levels % k == 0 or (kind == "int" and k >= levels))), None
    )
    if bad is None:
        return
    kind, k = sizes[bad]
    better = next(L for L in range(2, 2 * math.lcm(*(k for _, k in sizes.values())) + 1, 2) if levels <= L and fits(L))
    what = "values" if kind == "category" else "whole numbers"
    raise CasimError(
        f"design: morris num_levels {levels} cannot give the {k} {what} of {bad} equal weight (a multiple of {k} can); "
        f"use num_levels: {better}",
        where=where,
    )


def count(sweep: Sweep) -> int:
    """How many points the sweep's design has, computed before anything is sampled."""
    d = sweep.design
    D = len(sweep.params)
    if d.method == "grid":
        return math.prod(_grid_size(p) for p in sweep.params)
    if d.method == "csv":
        return int(cast(np.ndarray, sweep.csv_X).shape[0])  # parsed for every csv sweep by resolve_sweep
    n = cast(int, d.n)  # required for lhs, sobol and morris: checked by resolve_sweep
    if d.method == "lhs":
        return n
    if d.method == "sobol":
        return n * ((2 * D + 2) if d.second_order is not False else (D + 2))
    return n * (D + 1)  # morris samples n trajectories (optimal_trajectories then keeps some)


def _grid_size(p: Param) -> int:
    if p.kind == "category":
        return len(p.values)
    levels = cast(int, p.levels)  # a grid's ranges all have levels: checked by parse_param
    if p.kind == "int":
        return min(levels, int(cast(float, p.high) - cast(float, p.low)) + 1)
    return levels


def make(sweep: Sweep) -> Design:
    """The design of a sweep; a design its method cannot make, or one too large, is a :class:`CasimError`."""
    d = sweep.design
    seed = sweep.design_seed
    where = sweep.source or "<sweep>"
    n = count(sweep)
    if n > MAX_POINTS:
        raise CasimError(
            f"design: {d.method} gives {n:,} points, more than {MAX_POINTS:,}; use a smaller design or split the sweep",
            where=where,
        )
    if d.method == "morris":
        levels = _morris_levels(sweep)
        if levels % 2:
            raise CasimError(f"design: morris needs an even num_levels (got {levels}; try {levels + 1})", where=where)
        _morris_check(sweep, levels, where)
    prob = problem(sweep)
    if d.method == "grid":
        X = _grid(sweep)
        options: dict[str, object] = {"levels": d.levels}
    elif d.method == "csv":
        X = cast(np.ndarray, sweep.csv_X)  # parsed for every csv sweep by resolve_sweep
        options = {"file": d.file, "sha256": sweep.csv_hash}
    else:
        dn = cast(int, d.n)  # required for lhs, sobol and morris: checked by resolve_sweep
        # each method imports only its own sampler: SALib's sobol pulls in scipy.stats (~1 s), morris its optimisers
        if d.method == "lhs":
            from SALib.sample import latin

            options = {"n": d.n}
            call = lambda: latin.sample(prob, dn, seed=seed)  # noqa: E731
        elif d.method == "sobol":
            from SALib.sample import sobol

            if dn & (dn - 1):
                lo = 1 << (dn.bit_length() - 1)
                raise CasimError(
                    f"design: sobol needs n a power of 2 for Saltelli's scheme (got {d.n}; try {lo} or {lo * 2})",
                    where=where,
                )
            second = True if d.second_order is None else d.second_order
            scramble = True if d.scramble is None else d.scramble
            options = {"n": d.n, "second_order": second, "scramble": scramble}
            call = lambda: sobol.sample(prob, d.n, calc_second_order=second, scramble=scramble, seed=seed)  # noqa: E731
        else:
            from SALib.sample import morris

            opt = d.optimal_trajectories
            if opt is not None and opt >= dn:
                raise CasimError(
                    f"design: morris optimal_trajectories ({opt}) must be below n ({d.n}), "
                    "the trajectories it picks from",
                    where=where,
                )
            local = True if d.local_optimization is None else d.local_optimization
            options = {"n": d.n, "num_levels": levels, "optimal_trajectories": opt, "local_optimization": local}
            call = lambda: morris.sample(  # noqa: E731
                prob, d.n, num_levels=levels, optimal_trajectories=opt, local_optimization=local, seed=seed
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                X = np.asarray(call(), dtype=float)
        except (ValueError, AssertionError, UserWarning, RuntimeWarning) as e:
            raise CasimError(
                f"design: SALib cannot make this {d.method} design: {str(e).strip().splitlines()[0]}", where=where
            ) from None
        options["seed"] = seed
    return Design(d.method, X, prob, options)


def _grid(sweep: Sweep) -> np.ndarray:
    axes = []
    for p in sweep.params:
        if p.kind == "category":
            axes.append(np.arange(len(p.values), dtype=float))
        else:
            # a range: low and high always set, and levels too in a grid (checked by parse_param)
            low, high = cast(float, p.low), cast(float, p.high)
            if p.kind == "int":
                axes.append(np.unique(np.round(np.linspace(low, high, _grid_size(p)))))
            else:
                axes.append(np.linspace(low, high, cast(int, p.levels)))
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)


def values(sweep: Sweep, design: Design) -> dict[str, np.ndarray]:
    """Each parameter's decoded value per design point (category indices for grouped categories)."""
    return {p.path: p.decode(design.X[:, j]) for j, p in enumerate(sweep.params)}


def frame(sweep: Sweep, design: Design) -> pd.DataFrame:
    """The design as a table: ``point``, then each parameter's design code (``X``) by its path."""
    cols: dict[str, object] = {"point": np.arange(design.points, dtype=np.int64)}
    for j, p in enumerate(sweep.params):
        cols[p.path] = design.X[:, j]
    return pd.DataFrame(cols)
