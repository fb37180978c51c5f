"""Joint Bayesian fit of casim's start equilibrium and the measurement model to UN behaviour (<= 2021).

The unknowns are the U-tagged parameters that shape the start equilibrium of
``scenarios/hindcast_2021.yaml`` (channel weights, temperature, presence,
coupling, autonomy, doctrine stubbornness) and the measurement coefficients
(:mod:`casim.measurement`). The likelihood is that of the UN ideal points
and roll-call votes of the five states in a window of years; the
alignment each walker implies is its spin-up equilibrium (step 0 of
:func:`casim.ensemble.simulate`, noise off), all walkers in one call.

Priors: uniform over the calibration data's ranges for the model parameters;
weakly informative for the measurement coefficients (see :data:`MEASUREMENT_PRIORS`).
Nothing dated 2022 or later can enter: :mod:`casim.unga` refuses it, and
:func:`Problem` checks the years again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from . import ensemble, sources, unga
from . import measurement as M
from .scenario import Scenario

# Model parameters fitted: those that shape the start equilibrium of the 2021 hindcast.
MODEL_PARAMETERS = (
    "model.weights.trade",
    "model.weights.investment",
    "model.weights.remittances",
    "model.weights.aid",
    "model.weights.energy",
    "model.weights.security",
    "model.weights.society",
    "model.weights.institutions",
    "model.temperature",
    "model.presence",
    "model.coupling",
    "model.autonomy",
    "doctrine.neutral.stubbornness",
    "doctrine.multi_vector.stubbornness",
    "doctrine.dependent.stubbornness",
)
# U-tagged parameters that cannot move the hindcast's start equilibrium (2021Q4: no war stigma,
# no secondary sanctions, no coercion; responses start at zero; spin-up jumps with inertia 1):
# they keep their prior (unidentified by this fit).
NOT_IN_START = (
    "model.sanctions_weight",
    "model.reputation",
    "model.inertia",
    "model.response_decay",
    "model.noise",
    "russia.retain",
    "west.engage",
    "china.engage",
    "china.stability_seeking",
    "russia.coercion",
    "doctrine.*.backlash",
)
# (kind, a, b): normal(mean a, sd b); halfnormal(sd b) on x > 0
MEASUREMENT_PRIORS = {
    "b": ("normal", 0.0, 1.0),
    "lam": ("halfnormal", 0.0, 1.0),
    "sigma": ("halfnormal", 0.0, 0.5),
    "tau": ("halfnormal", 0.0, 0.5),
    "kappa_no": ("normal", 0.0, 3.0),
    "kappa_abstain": ("normal", 0.0, 3.0),
    "beta": ("normal", 0.0, 5.0),
    "beta_no": ("normal", 0.0, 5.0),
    "rho": ("normal", 0.0, 5.0),
    "mu": ("normal", 0.0, 5.0),
    "gamma": ("normal", 0.0, 3.0),
    "eta": ("normal", 0.0, 3.0),
    "delta": ("normal", 0.0, 3.0),
    "zeta_yes": ("normal", 0.0, 3.0),
    "zeta_abstain": ("normal", 0.0, 3.0),
    "zeta_absent": ("normal", 0.0, 3.0),
    "phi_same": ("normal", 0.0, 3.0),
    "phi_near": ("normal", 0.0, 3.0),
    **{f"alpha_{s}": ("normal", 0.0, 3.0) for s in M.STATES},
}
MEASUREMENT_PARAMETERS = M.IDEAL_COEFFICIENTS + M.VOTE_COEFFICIENTS
PARAMETERS = MODEL_PARAMETERS + MEASUREMENT_PARAMETERS
DEFAULT_WINDOW = (2014, 2021)


def model_prior_range(scenario: Scenario, name: str) -> tuple[float, float]:
    """The uniform prior of a fitted model parameter: its range in the data file (each fitted path has one)."""
    return cast("tuple[float, float]", scenario.space.prior_range(name))


@dataclass
class Problem:
    """The data and the model of one fit: log posterior of a ``(W, D)`` array of parameter vectors."""

    scenario: Scenario
    first: int = DEFAULT_WINDOW[0]
    last: int = DEFAULT_WINDOW[1]
    use_votes: bool = True
    use_ideal: bool = True
    data: dict = field(init=False)

    def __post_init__(self):
        unga.check_years([self.last], "fit window")
        self.states = tuple(self.scenario.states)
        self.powers = tuple(self.scenario.powers)
        self.votes = unga.vote_data(self.first, self.last, self.powers, self.states)
        self.ideal = unga.ideal_point_data(self.first, self.last, self.states)
        unga.check_years(self.votes["year"], "roll call")
        unga.check_years(self.ideal["years"], "ideal point")
        self.bounds = np.array([model_prior_range(self.scenario, p) for p in MODEL_PARAMETERS])
        self.dim = len(PARAMETERS)
        self.n_model = len(MODEL_PARAMETERS)
        self.calls = 0

    # -- parameters -> model values ---------------------------------------------
    def model_values(self, x: np.ndarray) -> dict[str, np.ndarray | float]:
        """``ensemble.simulate`` values for walkers ``x`` ``(W, D)`` (doctrine stubbornness to each state)."""
        drawn: dict[str, np.ndarray | float] = {name: x[:, i] for i, name in enumerate(MODEL_PARAMETERS)}
        return {"model.noise": 0.0, **sources.expand_doctrines(drawn, self.states)}

    def alignment(self, x: np.ndarray) -> np.ndarray:
        """Start equilibrium ``(W, S, P)`` of each walker (step 0 of one ``ensemble.simulate`` call)."""
        x = np.atleast_2d(x)
        seeds = np.arange(len(x))
        return ensemble.simulate(self.scenario, seeds, self.model_values(x))[:, 0]

    def measurement(self, x: np.ndarray) -> dict[str, np.ndarray]:
        x = np.atleast_2d(x)
        return {k: x[:, self.n_model + i] for i, k in enumerate(MEASUREMENT_PARAMETERS)}

    # -- densities ----------------------------------------------------------------
    def log_prior(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        lo, hi = self.bounds[:, 0], self.bounds[:, 1]
        m = x[:, : self.n_model]
        ok = np.all((m >= lo) & (m <= hi), axis=1)
        lp = np.where(ok, -np.log(hi - lo).sum(), -np.inf)
        coef = self.measurement(x)
        for k, (kind, a, b) in MEASUREMENT_PRIORS.items():
            v = coef[k]
            if kind == "halfnormal":
                lp = np.where(v > 0, lp - 0.5 * (v / b) ** 2, -np.inf)
            else:
                lp = lp - 0.5 * ((v - a) / b) ** 2
        return lp

    def log_likelihood(self, x: np.ndarray, a: np.ndarray | None = None) -> np.ndarray:
        x = np.atleast_2d(x)
        a = self.alignment(x) if a is None else a
        c = self.measurement(x)
        ll = np.zeros(len(x))
        if self.use_ideal:
            d = self.ideal
            ll += M.ideal_point_loglik(d["ip"], d["se"], a, d["powers"], c["b"], c["lam"], c["sigma"], c["tau"])
        if self.use_votes:
            v = self.votes
            ll += M.vote_loglik(v["votes"], a, v, c, self.states)
        return ll

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Log posterior of walkers ``x`` ``(W, D)`` (emcee with ``vectorize=True``)."""
        self.calls += 1
        x = np.atleast_2d(x)
        lp = self.log_prior(x)
        ok = np.isfinite(lp)
        out = np.full(len(x), -np.inf)
        if ok.any():
            out[ok] = lp[ok] + self.log_likelihood(x[ok])
        return out

    def initial(self, rng: np.random.Generator, walkers: int) -> np.ndarray:
        """Starting walkers: model parameters uniform in the middle half of their ranges, measurement
        coefficients near a neutral start (positive where the prior is half-normal)."""
        lo, hi = self.bounds[:, 0], self.bounds[:, 1]
        m = lo + (hi - lo) * (0.25 + 0.5 * rng.random((walkers, self.n_model)))
        start = {"b": 0.0, "lam": 0.3, "sigma": 0.15, "tau": 0.15, "kappa_no": -2.0, "kappa_abstain": -2.0, "beta": 3.0}
        start |= {"beta_no": 3.0, "eta": 1.0, "phi_same": 1.0, "phi_near": 0.5}
        c = np.array([start.get(k, -2.0 if k.startswith("alpha_") else 0.0) for k in MEASUREMENT_PARAMETERS])
        meas = c + 0.1 * rng.standard_normal((walkers, len(c)))
        for i, k in enumerate(MEASUREMENT_PARAMETERS):
            if MEASUREMENT_PRIORS[k][0] == "halfnormal":
                meas[:, i] = np.abs(meas[:, i])
        return np.hstack([m, meas])


def run(
    scenario,
    seed: int = 20211231,
    walkers: int = 80,
    steps: int = 3000,
    burn: int = 1500,
    draws: int = 400,
    first: int = DEFAULT_WINDOW[0],
    last: int = DEFAULT_WINDOW[1],
    warmup: int = 1000,
    progress=False,
) -> dict:
    """Sample the posterior with emcee; returns draws ``(draws, D)``, their log posterior and diagnostics.

    Two phases: a warm-up of ``warmup`` steps from dispersed starts, then the
    walkers restart in a small ball around the warm-up's best point (stray
    walkers stuck in low-probability corners otherwise never rejoin in 27
    dimensions) and run ``steps`` more, of which the first ``burn`` are
    discarded. Moves: differential evolution (80%) and its snooker variant (20%).
    """
    import emcee

    problem = Problem(scenario, first, last)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    x0 = problem.initial(rng, walkers)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    state = np.random.RandomState(seed % 2**32)
    t0 = time.perf_counter()
    if warmup:
        warm = emcee.EnsembleSampler(walkers, problem.dim, problem, vectorize=True, moves=moves)
        warm.random_state = state.get_state()  # emcee's own generator, seeded (documented setter)
        warm.run_mcmc(x0, warmup, progress=progress)
        chain, lp = warm.get_chain(), warm.get_log_prob()
        best = chain.reshape(-1, problem.dim)[np.argmax(lp.reshape(-1))]
        scale = chain[warmup // 2 :].reshape(-1, problem.dim).std(0)
        x0 = best + 0.1 * scale * rng.standard_normal((walkers, problem.dim))
        lo, hi = problem.bounds[:, 0], problem.bounds[:, 1]
        x0[:, : problem.n_model] = np.clip(x0[:, : problem.n_model], lo, hi)
        for i, k in enumerate(MEASUREMENT_PARAMETERS):
            if MEASUREMENT_PRIORS[k][0] == "halfnormal":
                x0[:, problem.n_model + i] = np.abs(x0[:, problem.n_model + i])
        state = warm._random
    sampler = emcee.EnsembleSampler(walkers, problem.dim, problem, vectorize=True, moves=moves)
    sampler.random_state = state.get_state()
    sampler.run_mcmc(x0, steps, progress=progress)
    elapsed = time.perf_counter() - t0
    chain = sampler.get_chain(discard=burn)  # (steps - burn, walkers, D)
    logp = sampler.get_log_prob(discard=burn)
    flat, flat_lp = chain.reshape(-1, problem.dim), logp.reshape(-1)
    pick = np.linspace(0, len(flat) - 1, draws).round().astype(int)
    try:
        tau = sampler.get_autocorr_time(discard=burn, quiet=True)
    except Exception:
        tau = np.full(problem.dim, np.nan)
    return {
        "problem": problem,
        "draws": flat[pick],
        "log_prob": flat_lp[pick],
        "acceptance": float(np.mean(sampler.acceptance_fraction)),
        "tau": tau,
        "seconds": elapsed,
        "settings": {
            "seed": seed,
            "walkers": walkers,
            "warmup": warmup,
            "steps": steps,
            "burn": burn,
            "draws": draws,
            "window": [first, last],
            "moves": "0.8 DEMove + 0.2 DESnookerMove",
            "vectorize": True,
        },
    }


def identification(scenario, draws: np.ndarray, level: float = 0.9, ratio: float = 0.5) -> list[dict]:
    """Per parameter: prior and posterior central ``level`` widths and whether posterior < ratio x prior."""
    from scipy.stats import halfnorm, norm

    q = (0.5 - level / 2, 0.5 + level / 2)
    rows = []
    for i, name in enumerate(PARAMETERS):
        if name in MODEL_PARAMETERS:
            lo, hi = model_prior_range(scenario, name)
            prior_w = level * (hi - lo)
            prior = f"U({lo:g}, {hi:g})"
        else:
            kind, a, b = MEASUREMENT_PRIORS[name]
            dist = halfnorm(scale=b) if kind == "halfnormal" else norm(a, b)
            lo, hi = float(dist.ppf(q[0])), float(dist.ppf(q[1]))  # the prior's central interval
            prior_w = hi - lo
            prior = f"HalfNormal({b:g})" if kind == "halfnormal" else f"N({a:g}, {b:g})"
        lo_, hi_ = np.quantile(draws[:, i], q)
        post_w = float(hi_ - lo_)
        rows.append(
            {
                "parameter": name,
                "prior": prior,
                "prior_low": lo,
                "prior_high": hi,
                "prior_width": prior_w,
                "posterior_mean": float(draws[:, i].mean()),
                "posterior_q05": float(lo_),
                "posterior_q95": float(hi_),
                "posterior_width": post_w,
                "ratio": post_w / prior_w,
                "identified": bool(post_w < ratio * prior_w),
            }
        )
    return rows


__all__ = [
    "DEFAULT_WINDOW",
    "MEASUREMENT_PARAMETERS",
    "MODEL_PARAMETERS",
    "NOT_IN_START",
    "PARAMETERS",
    "Problem",
    "identification",
    "run",
]
