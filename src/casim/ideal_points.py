"""Projected UN ideal points: a scenario run over the posterior, read through the measurement model.

Each posterior draw sets the model's fitted parameters and the measurement
coefficients (``b``, ``lam``, ``sigma``); each draw runs the scenario's
replicates (replicate ``r`` of every draw uses the same seed: common random
numbers across draws). A state's ideal point in a year is
``b + lam * sum_p a_p * ip_p`` with ``a`` its mean alignment over the year's
quarters in the horizon and ``ip_p`` the powers' own BSV ideal points: as
measured up to 2021, and after 2021 held at each power's 2014-2021 mean
(nothing later is looked up: the temporal rule). The interval is the
posterior predictive's 5% and 95% quantiles over draws x replicates, the
model error ``sigma`` and the year's shift common to the five ``tau`` included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import measurement, unga
from .api import replicate_seeds
from .errors import CasimError
from .posterior import Posterior
from .projection import posterior_runs
from .quarters import parse_quarter
from .scenario import Scenario

HELD_FROM = (2014, unga.LAST_YEAR)  # after 2021 each power keeps its mean position over these years


def power_positions(powers, years) -> np.ndarray:
    """The powers' BSV ideal points ``(years, powers)``: measured to 2021, their 2014-2021 mean after.

    A power is the mean of its members' positions (the West: USA, GBR, FRA, DEU).
    """
    missing = [p for p in powers if p not in unga.POWER_CODES]
    if missing:
        raise CasimError(
            f"power {missing[0]!r} has no UN ideal point (known: {', '.join(unga.POWER_CODES)}); "
            "ideal points need one for every power of the scenario"
        )
    first = min(min(years), HELD_FROM[0])
    df = unga.ideal_points(first, unga.LAST_YEAR)
    wide = df.pivot_table(index="year", columns="iso3", values="idealpointall")
    out = np.empty((len(years), len(powers)))
    for j, p in enumerate(powers):
        series = wide[list(unga.POWER_CODES[p])].mean(axis=1)
        held = series.loc[HELD_FROM[0] : HELD_FROM[1]].mean()
        out[:, j] = [series.get(y, np.nan) if y <= unga.LAST_YEAR else held for y in years]
    return out


def project(
    scenario: Scenario,
    post: Posterior,
    replicates: int | None = None,
    seed: int | None = None,
    progress=None,
) -> pd.DataFrame:
    """Columns ``year, state, ideal_point, q05, q95``: one row per year of the horizon and state."""
    n_rep, base, seeds = replicate_seeds(scenario, replicates, seed)
    year_of = np.array([parse_quarter(d) // 4 for d in scenario.dates()])
    years = sorted(set(year_of.tolist()))
    ip_powers = power_positions(scenario.powers, years)  # before any run: a power without a position is an error
    traj, coef = posterior_runs(scenario, post, seeds, progress)  # (D*R, T+1, S, P), each run's coefficients
    rng = np.random.default_rng(np.random.SeedSequence(base))
    noise = rng.standard_normal((len(traj), len(scenario.states)))
    shift = rng.standard_normal((len(traj), len(years)))  # the year's shift common to the states (tau)
    rows = []
    for t, year in enumerate(years):
        a = traj[:, year_of == year].mean(1)  # (runs, S, P): the year's mean alignment
        mu = measurement.expected_ideal_point(a, ip_powers[t : t + 1], coef["b"], coef["lam"])[..., 0]  # (runs, S)
        draw = mu + coef["sigma"][:, None] * noise + (coef["tau"] * shift[:, t])[:, None]
        q05, q95 = np.quantile(draw, [0.05, 0.95], axis=0)
        for i, s in enumerate(scenario.states):
            rows.append((year, s, float(mu[:, i].mean()), float(q05[i]), float(q95[i])))
    df = pd.DataFrame(rows, columns=["year", "state", "ideal_point", "q05", "q95"])
    df.attrs.update(seed=base, replicates=n_rep, draws=len(post), posterior=post.source)
    return df
