"""Skill scores of the measurement model's forecasts against simple forecasts (pure functions).

Votes are coded 0 yes, 1 no, 2 abstain, 3 absent; a probabilistic forecast is
``(K, 4)``. A deterministic forecast (one outcome per case) is scored by
giving probability ``p`` to the forecast outcome and ``(1 - p) / 3`` to each
other, with ``p`` its hit rate on the training window (:func:`hit_rate`).
"""

from __future__ import annotations

import numpy as np

EPS = 1e-12
N_OUTCOMES = 4


# -- scores ----------------------------------------------------------------------------


def log_loss(probs: np.ndarray, observed: np.ndarray) -> float:
    p = np.take_along_axis(np.asarray(probs), np.asarray(observed)[:, None], axis=1)[:, 0]
    return float(-np.mean(np.log(np.clip(p, EPS, 1.0))))


def brier(probs: np.ndarray, observed: np.ndarray) -> float:
    """Multi-category Brier score: mean over cases of the summed squared error over the four outcomes."""
    onehot = np.eye(N_OUTCOMES)[np.asarray(observed)]
    return float(np.mean(((np.asarray(probs) - onehot) ** 2).sum(1)))


def accuracy(probs: np.ndarray, observed: np.ndarray) -> float:
    return float(np.mean(np.argmax(probs, axis=1) == np.asarray(observed)))


def scores(probs: np.ndarray, observed: np.ndarray, forecast: np.ndarray | None = None) -> dict[str, float]:
    """Log loss, Brier and accuracy; for a deterministic ``forecast`` accuracy is its own hit rate
    (the arg-max of its probabilities is another outcome when p < 1/4)."""
    acc = (
        accuracy(probs, observed) if forecast is None else float(np.mean(np.asarray(forecast) == np.asarray(observed)))
    )
    return {"log_loss": log_loss(probs, observed), "brier": brier(probs, observed), "accuracy": acc, "n": len(observed)}


# -- deterministic forecasts ---------------------------------------------------------------


def hit_rate(forecast: np.ndarray, observed: np.ndarray, floor: float = 0.01) -> float:
    """Share of training cases where a deterministic forecast was right (clipped to [floor, 1 - floor])."""
    ok = np.asarray(forecast) >= 0
    p = float(np.mean(np.asarray(forecast)[ok] == np.asarray(observed)[ok])) if ok.any() else 0.5
    return float(np.clip(p, floor, 1 - floor))


def as_probabilities(forecast: np.ndarray, p: float) -> np.ndarray:
    """``(K, 4)``: p on the forecast outcome, (1 - p)/3 on the others (uniform where no forecast, -1)."""
    forecast = np.asarray(forecast)
    out = np.full((len(forecast), N_OUTCOMES), (1 - p) / 3)
    has = forecast >= 0
    out[has, forecast[has]] = p
    out[~has] = 1.0 / N_OUTCOMES
    return out


def as_russia(russia_votes: np.ndarray, n_states: int) -> np.ndarray:
    """Every state votes as Russia did (absent where Russia was absent), ``(S, N)``."""
    return np.broadcast_to(np.asarray(russia_votes), (n_states, len(russia_votes))).copy()


def all_abstain(states, n: int, absent=("TKM",)) -> np.ndarray:
    """Everyone abstains, the states in ``absent`` (Turkmenistan) stay away, ``(S, N)``."""
    return np.array([[3 if s in absent else 2] * n for s in states])


# -- ideal points ----------------------------------------------------------------------------


def ar1_fit(series: np.ndarray) -> tuple[float, float, float]:
    """Least-squares AR(1) ``x_t = c + phi x_{t-1} + e`` of one series: (c, phi, residual s.d.)."""
    x = np.asarray(series, dtype=float)
    x = x[np.isfinite(x)]
    X = np.column_stack([np.ones(len(x) - 1), x[:-1]])
    coef, *_ = np.linalg.lstsq(X, x[1:], rcond=None)
    resid = x[1:] - X @ coef
    return float(coef[0]), float(coef[1]), float(np.sqrt(np.sum(resid**2) / max(len(resid) - 2, 1)))


def rmse(pred: np.ndarray, obs: np.ndarray) -> float:
    ok = np.isfinite(pred) & np.isfinite(obs)
    return float(np.sqrt(np.mean((pred[ok] - obs[ok]) ** 2)))


def coverage(lo: np.ndarray, hi: np.ndarray, obs: np.ndarray) -> float:
    ok = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(obs)
    return float(np.mean((obs[ok] >= lo[ok]) & (obs[ok] <= hi[ok])))


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def spread_ratio(model: np.ndarray, measured: np.ndarray) -> float:
    return float(np.ptp(model) / np.ptp(measured))


__all__ = [
    "accuracy",
    "all_abstain",
    "ar1_fit",
    "as_probabilities",
    "as_russia",
    "brier",
    "coverage",
    "hit_rate",
    "log_loss",
    "rmse",
    "scores",
    "spearman",
    "spread_ratio",
]
