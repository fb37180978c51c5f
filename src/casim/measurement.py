"""Measurement model: how alignment shares show in UN General Assembly behaviour.

Pure numpy functions of arrays, no file I/O. Every coefficient may carry a
leading walkers/draws axis ``W``; alignments are ``a`` ``(W, S, P)`` (states x
powers, rows summing to 1). docs/measurement.md gives the equations and why
each term is there.

Ideal points (BSV scale)::

    ip[s,t] = b + u_t + lam * sum_p a[s,p] ip_p[t] + e[s,t],   u_t ~ Normal(0, tau^2),
    e[s,t] ~ Normal(0, sigma^2 + se[s,t]^2)

(``u_t`` the year's shift common to the five, the Assembly's agenda that year,
integrated out: the five's ideal points in a year are jointly normal.)

Votes on a recorded text n, outcomes yes/no/abstain/absent (codes 0..3)::

    U_yes     =                 beta * m_yes - rho * m_no + mu * support_n + zeta_yes * directed_n
    U_no      = kappa_no      + beta_no * m_no
    U_abstain = kappa_abstain + beta * m_abstain + gamma * hedging(a_s) + eta * contested_n
                + zeta_abstain * directed_n
    U_absent  = alpha_s + delta * contested_n + zeta_absent * directed_n
    U_v      += (phi_same * same_n + phi_near * (1 - same_n)) * habit[s,n,v]
    m_v[s,n]  = sum_p a[s,p] * 1[power p voted v on n]
    P(v) = softmax_v(U_v)

``support_n`` the Assembly's yes share; ``contested_n`` Russia and the West
voted differently; ``directed_n`` a text about a conflict Russia is party to;
``habit[s,n]`` one-hot of state s's last vote on the text's family (or its
nearest stand-in; ``same_n`` says which; probabilities where only a forecast
of that vote exists).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from . import dynamics

Z90 = 1.6448536269514722
LOG2PI = np.log(2.0 * np.pi)

STATES = ("KAZ", "KGZ", "TJK", "UZB", "TKM")
# vote-model coefficients, in the order of a flat parameter vector (absence: one intercept per state)
VOTE_COEFFICIENTS = (
    "kappa_no",
    "kappa_abstain",
    "beta",
    "beta_no",
    "rho",
    "mu",
    "gamma",
    "eta",
    "delta",
    "zeta_yes",
    "zeta_abstain",
    "zeta_absent",
    "phi_same",
    "phi_near",
    *(f"alpha_{s}" for s in STATES),
)
# what a text must give the vote model, each (N,) but indicator (N, P, 3) and habit (S, N, 4)
TEXT_FIELDS = ("indicator", "contested", "support", "directed", "same", "habit")
IDEAL_COEFFICIENTS = ("b", "lam", "sigma", "tau")


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


def ideal_point_interval(a, ip_powers, b, lam, sigma, se=0.0, level: float = 0.9, tau=0.0):
    """Mean and central ``level`` interval (lo, hi) of a state's ideal point, each ``(W, S, T)``.

    The spread adds the model's own error ``sigma``, the year's common shift ``tau`` and the measurement
    error ``se`` of the BSV estimate (pass 0 for the latent ideal point).
    """
    from scipy.stats import norm

    mu = expected_ideal_point(a, ip_powers, b, lam)
    var = _w(sigma)[..., None, None] ** 2 + _w(tau)[..., None, None] ** 2
    sd = np.sqrt(var + np.nan_to_num(np.asarray(se, dtype=float)) ** 2)
    z = norm.ppf(0.5 + level / 2)
    return mu, mu - z * sd, mu + z * sd


def ideal_point_loglik(ip: np.ndarray, se: np.ndarray, a, ip_powers, b, lam, sigma, tau=0.0) -> np.ndarray:
    """Log likelihood ``(W,)`` of measured ideal points ``ip`` ``(S, T)`` (NaN = missing, skipped).

    Within a year the states share the shift ``u_t ~ N(0, tau^2)``: their joint density is normal with
    covariance ``diag(sigma^2 + se^2) + tau^2 11'`` (Sherman-Morrison: no matrix is formed).
    """
    ok = np.isfinite(ip) & np.isfinite(se)
    mu = expected_ideal_point(a, ip_powers, b, lam)
    d = _w(sigma)[..., None, None] ** 2 + np.where(ok, se, 0.0) ** 2  # (W, S, T)
    inv = np.where(ok, 1.0 / d, 0.0)
    r = np.where(ok, np.where(ok, ip, 0.0) - mu, 0.0)
    t2 = _w(tau)[..., None] ** 2  # (W, 1)
    A, B, Q = inv.sum(-2), (inv * r).sum(-2), (inv * r * r).sum(-2)  # (W, T)
    quad = Q - t2 * B * B / (1.0 + t2 * A)
    logdet = np.where(ok, np.log(d), 0.0).sum(-2) + np.log1p(t2 * A)
    n = ok.sum(-2)
    return (-0.5 * (quad + logdet + n * LOG2PI)).sum(-1)


# -- votes ---------------------------------------------------------------------------


def unpack_vote(theta: np.ndarray) -> dict[str, np.ndarray]:
    """Named coefficients from a ``(..., len(VOTE_COEFFICIENTS))`` vector in :data:`VOTE_COEFFICIENTS` order."""
    theta = np.asarray(theta, dtype=float)
    return {k: theta[..., i] for i, k in enumerate(VOTE_COEFFICIENTS)}


def vote_utilities(a, texts: Mapping[str, np.ndarray], coef: Mapping[str, np.ndarray], states) -> np.ndarray:
    """Utilities ``(W, S, N, 4)`` of yes/no/abstain/absent.

    ``a`` ``(W, S, P)``; ``texts`` the :data:`TEXT_FIELDS` of N texts: ``indicator`` ``(N, P, 3)`` 1
    where power p voted yes/no/abstain, ``contested``, ``support``, ``directed``, ``same`` ``(N,)``
    and ``habit`` ``(S, N, 4)``; ``states`` the ISO3 codes of the S states (each needs an
    ``alpha_<code>`` coefficient).
    """
    a = np.asarray(a, dtype=float)
    c = {k: _w(v)[..., None, None] for k, v in coef.items()}  # (W, 1, 1)
    m = np.einsum("...sp,npv->...snv", a, np.asarray(texts["indicator"], dtype=float))  # (W, S, N, 3)
    contested, support, directed, same = (
        np.asarray(texts[k], dtype=float) for k in ("contested", "support", "directed", "same")
    )
    h = dynamics.hedging(a)[..., None]  # (W, S, 1)
    try:
        alpha = np.stack([_w(coef[f"alpha_{s}"]) for s in states], axis=-1)[..., None]  # (W, S, 1)
    except KeyError as e:
        raise KeyError(f"the measurement model has no absence intercept for {e.args[0][6:]!r}") from None
    u = np.empty(m.shape[:-1] + (4,))
    u[..., 0] = c["beta"] * m[..., 0] - c["rho"] * m[..., 1] + c["mu"] * support + c["zeta_yes"] * directed
    u[..., 1] = c["kappa_no"] + c["beta_no"] * m[..., 1]
    u[..., 2] = (
        c["kappa_abstain"]
        + c["beta"] * m[..., 2]
        + c["gamma"] * h
        + c["eta"] * contested
        + c["zeta_abstain"] * directed
    )
    u[..., 3] = alpha + c["delta"] * contested + c["zeta_absent"] * directed
    phi = c["phi_same"] * same + c["phi_near"] * (1.0 - same)  # (W, 1, N)
    return u + phi[..., None] * np.asarray(texts["habit"], dtype=float)


def _log_softmax(u: np.ndarray) -> np.ndarray:
    u = u - u.max(-1, keepdims=True)
    return u - np.log(np.exp(u).sum(-1, keepdims=True))


def vote_log_probabilities(a, texts, coef, states) -> np.ndarray:
    """log P(yes/no/abstain/absent) ``(W, S, N, 4)``."""
    return _log_softmax(vote_utilities(a, texts, coef, states))


def vote_probabilities(a, texts, coef, states) -> np.ndarray:
    """P(yes/no/abstain/absent) ``(W, S, N, 4)``."""
    return np.exp(vote_log_probabilities(a, texts, coef, states))


def vote_loglik(votes, a, texts, coef, states) -> np.ndarray:
    """Log likelihood ``(W,)`` of the observed vote codes ``votes`` ``(S, N)``."""
    lp = vote_log_probabilities(a, texts, coef, states)
    votes = np.asarray(votes)
    picked = np.take_along_axis(lp, np.broadcast_to(votes[..., None], lp.shape[:-1] + (1,)), axis=-1)[..., 0]
    return picked.sum(axis=(-2, -1))


def simulate_votes(rng: np.random.Generator, a, texts, coef, states) -> np.ndarray:
    """Draw vote codes ``(S, N)`` from the model (one walker: ``a`` ``(S, P)``, scalar coefficients).

    The habit is taken as given (``texts['habit']``), not rebuilt from the drawn votes.
    """
    p = vote_probabilities(a, texts, coef, states)
    u = rng.random(p.shape[:-1])
    return (u[..., None] > np.cumsum(p, -1)).sum(-1).clip(0, 3)


__all__ = [
    "IDEAL_COEFFICIENTS",
    "STATES",
    "TEXT_FIELDS",
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
