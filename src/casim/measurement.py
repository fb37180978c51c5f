"""Measurement model: how alignment shares show in UN General Assembly behaviour.

Pure numpy functions of arrays, no file I/O. Every coefficient may carry a
leading walkers/draws axis ``W``; alignments are ``a`` ``(W, S, P)`` (states x
powers, rows summing to 1). See docs/measurement_notes.md for the equations
and why each term is there.

Ideal points (BSV scale)::

    ip[s,t] ~ Normal(b + lam * sum_p a[s,p] ip_p[t],  sigma^2 + se[s,t]^2)

Votes on a recorded text n, outcomes yes/no/abstain/absent (codes 0..3)::

    U_yes     = beta * m_yes + mu * support_n
    U_no      = kappa_no      + beta_no * m_no
    U_abstain = kappa_abstain + beta * m_abstain + gamma * hedging(a_s) + eta * contested_n
    U_absent  = alpha[doctrine_s] + delta * contested_n
    m_v[s,n]  = sum_p a[s,p] * 1[power p voted v on n]
    support_n = yes / (yes + no + abstain) of the whole Assembly on text n
    P(v) = softmax_v(U_v)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import dynamics

Z90 = 1.6448536269514722
LOG2PI = np.log(2.0 * np.pi)

DOCTRINES = ("neutral", "multi_vector", "dependent")
# vote-model coefficients, in the order of a flat parameter vector
VOTE_COEFFICIENTS = (
    "kappa_no",
    "kappa_abstain",
    "beta",
    "gamma",
    "eta",
    "alpha_neutral",
    "alpha_multi_vector",
    "alpha_dependent",
    "delta",
    "mu",
    "beta_no",
)
IDEAL_COEFFICIENTS = ("b", "lam", "sigma")


def _w(x) -> np.ndarray:
    """A coefficient as an array with a trailing axis for broadcasting against (W, ...)."""
    return np.asarray(x, dtype=float)


# -- ideal points -----------------------------------------------------------------


def expected_ideal_point(a: np.ndarray, ip_powers: np.ndarray, b, lam) -> np.ndarray:
    """Expected ideal point ``(W, S, T)`` from alignments ``(W, S, P)`` and the powers' ideal points ``(T, P)``."""
    a = np.asarray(a, dtype=float)
    mix = np.einsum("...sp,tp->...st", a, ip_powers)
    b, lam = _w(b), _w(lam)
    return b[..., None, None] + lam[..., None, None] * mix


def ideal_point_interval(a, ip_powers, b, lam, sigma, se=0.0, level: float = 0.9):
    """Mean and central ``level`` interval (lo, hi) of a state's ideal point, each ``(W, S, T)``.

    The spread adds the model's own error ``sigma`` and the measurement error
    ``se`` of the BSV estimate (pass 0 for the latent ideal point).
    """
    from scipy.stats import norm

    mu = expected_ideal_point(a, ip_powers, b, lam)
    sd = np.sqrt(_w(sigma)[..., None, None] ** 2 + np.nan_to_num(np.asarray(se, dtype=float)) ** 2)
    z = norm.ppf(0.5 + level / 2)
    return mu, mu - z * sd, mu + z * sd


def ideal_point_loglik(ip: np.ndarray, se: np.ndarray, a, ip_powers, b, lam, sigma) -> np.ndarray:
    """Log likelihood ``(W,)`` of measured ideal points ``ip`` ``(S, T)`` (NaN = missing, skipped)."""
    ok = np.isfinite(ip) & np.isfinite(se)
    mu = expected_ideal_point(a, ip_powers, b, lam)
    var = _w(sigma)[..., None, None] ** 2 + np.where(ok, se, 0.0) ** 2
    r2 = np.where(ok, (np.where(ok, ip, 0.0) - mu) ** 2, 0.0)
    ll = -0.5 * (r2 / var + np.where(ok, np.log(var) + LOG2PI, 0.0))
    return ll.sum(axis=(-2, -1))


# -- votes ---------------------------------------------------------------------------


def unpack_vote(theta: np.ndarray) -> dict[str, np.ndarray]:
    """Named coefficients from a ``(..., 11)`` vector in :data:`VOTE_COEFFICIENTS` order."""
    theta = np.asarray(theta, dtype=float)
    return {k: theta[..., i] for i, k in enumerate(VOTE_COEFFICIENTS)}


def vote_utilities(a, indicator, contested, doctrine, coef: Mapping[str, np.ndarray], support=None) -> np.ndarray:
    """Utilities ``(W, S, N, 4)`` of yes/no/abstain/absent.

    ``a`` ``(W, S, P)``; ``indicator`` ``(N, P, 3)`` 1 where power p voted
    yes/no/abstain on text n; ``contested`` ``(N,)`` 1 where Russia and the
    West voted differently; ``doctrine`` ``(S,)`` index into :data:`DOCTRINES`;
    ``support`` ``(N,)`` the Assembly's yes share on the text (None: 0, and ``mu`` unused).
    """
    a = np.asarray(a, dtype=float)
    c = {k: _w(v)[..., None, None] for k, v in coef.items()}  # (W, 1, 1)
    m = np.einsum("...sp,npv->...snv", a, indicator)  # (W, S, N, 3)
    contested = np.asarray(contested, dtype=float)
    h = dynamics.hedging(a)[..., None]  # (W, S, 1)
    alpha = np.stack([_w(coef["alpha_" + d]) for d in DOCTRINES], axis=-1)  # (W, 3)
    alpha_s = np.take(alpha, np.asarray(doctrine), axis=-1)[..., None]  # (W, S, 1)
    u = np.empty(m.shape[:-1] + (4,))
    u[..., 0] = c["beta"] * m[..., 0]
    if support is not None and "mu" in c:
        u[..., 0] += c["mu"] * np.asarray(support, dtype=float)
    u[..., 1] = c["kappa_no"] + c.get("beta_no", c["beta"]) * m[..., 1]
    u[..., 2] = c["kappa_abstain"] + c["beta"] * m[..., 2] + c["gamma"] * h + c["eta"] * contested
    u[..., 3] = alpha_s + c["delta"] * contested
    return u


def _log_softmax(u: np.ndarray) -> np.ndarray:
    u = u - u.max(-1, keepdims=True)
    return u - np.log(np.exp(u).sum(-1, keepdims=True))


def vote_log_probabilities(a, indicator, contested, doctrine, coef, support=None) -> np.ndarray:
    """log P(yes/no/abstain/absent) ``(W, S, N, 4)``."""
    return _log_softmax(vote_utilities(a, indicator, contested, doctrine, coef, support))


def vote_probabilities(a, indicator, contested, doctrine, coef, support=None) -> np.ndarray:
    """P(yes/no/abstain/absent) ``(W, S, N, 4)``."""
    return np.exp(vote_log_probabilities(a, indicator, contested, doctrine, coef, support))


def vote_loglik(votes, a, indicator, contested, doctrine, coef, support=None) -> np.ndarray:
    """Log likelihood ``(W,)`` of the observed vote codes ``votes`` ``(S, N)``."""
    lp = vote_log_probabilities(a, indicator, contested, doctrine, coef, support)
    votes = np.asarray(votes)
    picked = np.take_along_axis(lp, np.broadcast_to(votes[..., None], lp.shape[:-1] + (1,)), axis=-1)[..., 0]
    return picked.sum(axis=(-2, -1))


def simulate_votes(rng: np.random.Generator, a, indicator, contested, doctrine, coef, support=None) -> np.ndarray:
    """Draw vote codes ``(S, N)`` from the model (one walker: ``a`` ``(S, P)``, scalar coefficients)."""
    p = vote_probabilities(a, indicator, contested, doctrine, coef, support)
    u = rng.random(p.shape[:-1])
    return (u[..., None] > np.cumsum(p, -1)).sum(-1).clip(0, 3)


__all__ = [
    "DOCTRINES",
    "IDEAL_COEFFICIENTS",
    "VOTE_COEFFICIENTS",
    "expected_ideal_point",
    "ideal_point_interval",
    "ideal_point_loglik",
    "simulate_votes",
    "unpack_vote",
    "vote_log_probabilities",
    "vote_loglik",
    "vote_probabilities",
    "vote_utilities",
]
