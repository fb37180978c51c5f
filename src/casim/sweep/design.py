"""Designs: the points of a sweep, made by SALib (lhs, sobol, morris), as a full grid, or read from a CSV file.

A design is a matrix ``X`` (points x parameters) in the coordinates of the SALib
``problem`` (float ranges as they are; an integer range [lo, hi] as [lo, hi+1),
decoded by ``floor``; a category as [0, k), decoded as ``values[floor(x)]``).
Row ``i`` of ``X`` is design point ``i``, so sensitivity analyses can pair
SALib's sample order with the results' ``point`` column.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CasimError
from .spec import Sweep, csv_codes

MAX_GRID_POINTS = 50_000_000


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
    """The SALib problem: ``num_vars``, ``names`` (dotted paths), ``bounds``."""
    return {
        "num_vars": len(sweep.params),
        "names": [p.path for p in sweep.params],
        "bounds": [p.bounds for p in sweep.params],
    }


def make(sweep: Sweep) -> Design:
    """The design of a sweep; a design its method cannot make is a :class:`CasimError`."""
    d = sweep.design
    prob = problem(sweep)
    seed = sweep.design_seed
    where = sweep.source or "<sweep>"
    if d.method == "grid":
        X = _grid(sweep)
        options = {"levels": d.levels}
    elif d.method == "csv":
        X = csv_codes(sweep)
        options = {"file": d.file, "sha256": sweep.csv_hash}
    else:
        from SALib.sample import latin, morris, sobol

        if d.method == "lhs":
            options = {"n": d.n}
            call = lambda: latin.sample(prob, d.n, seed=seed)  # noqa: E731
        elif d.method == "sobol":
            if d.n & (d.n - 1):
                lo = 1 << (d.n.bit_length() - 1)
                raise CasimError(
                    f"design: sobol needs n a power of 2 for Saltelli's scheme (got {d.n}; try {lo} or {lo * 2})", where=where
                )
            second = True if d.second_order is None else d.second_order
            scramble = True if d.scramble is None else d.scramble
            options = {"n": d.n, "second_order": second, "scramble": scramble}
            call = lambda: sobol.sample(prob, d.n, calc_second_order=second, scramble=scramble, seed=seed)  # noqa: E731
        else:
            levels = 4 if d.num_levels is None else d.num_levels
            if levels % 2:
                raise CasimError(f"design: morris needs an even num_levels (got {levels}; try {levels + 1})", where=where)
            opt = d.optimal_trajectories
            if opt is not None and opt >= d.n:
                raise CasimError(
                    f"design: morris optimal_trajectories ({opt}) must be below n ({d.n}), the trajectories it picks from",
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
        elif p.kind == "int":
            axes.append(np.unique(np.round(np.linspace(p.low, p.high, min(p.levels, p.high - p.low + 1)))))
        else:
            axes.append(np.linspace(p.low, p.high, p.levels))
    n = int(np.prod([len(a) for a in axes], dtype=np.float64))
    if n > MAX_GRID_POINTS:
        raise CasimError(
            f"design: the grid has {n:,} points, more than {MAX_GRID_POINTS:,}; use fewer levels or lhs/sobol", where=sweep.source
        )
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
