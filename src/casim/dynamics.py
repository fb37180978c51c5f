"""The dynamics kernel: pure numpy functions shared by the Mesa model and the ensemble engine.

Shapes. Every function broadcasts over leading axes ``...``: for one state in
the Mesa model ``...`` is empty; in the ensemble it is ``(runs, states)`` for
per-state arrays and ``(runs, 1)`` for arrays shared by all states (power
levers, model-wide scalars). Trailing axes: ``P`` powers, ``C`` channels,
``S`` states. A parameter mapping ``prm`` holds the arrays named in
:mod:`casim.params` already sliced or expanded that way (see :func:`state_view`
and :func:`batch_view`).

Nothing here holds state or draws random numbers: the random shock is an
argument (standard normal draws made by the caller's Generator).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Params = Mapping[str, np.ndarray]


def state_view(arrays: Params, i: int, state_fields) -> dict[str, np.ndarray]:
    """Parameters as seen by state ``i`` alone: views, so later writes show through."""
    return {k: (v[i] if k in state_fields else v) for k, v in arrays.items()}


def batch_view(arrays: Params, state_fields) -> dict[str, np.ndarray]:
    """Parameters of a (runs, ...) batch with a states axis for per-state fields and 1 for the rest."""
    return {k: (v if k in state_fields else v[:, None]) for k, v in arrays.items()}


def channel_pull(prm: Params, engagement: np.ndarray, econ_mask: np.ndarray, security_mask: np.ndarray) -> np.ndarray:
    """Pull of each power through the channels: sum_c w_c * intensity_c * exposure_cp * lever_pc.

    A power's ``economy`` scales its economic channels, and its engagement
    response (per state) boosts them; Afghan threat raises the weight of the
    security channel in proportion to the state's border. Returns ``[..., P]``.
    """
    threat = 1.0 + security_mask * (prm["afghan_threat"] * prm["afghan_border"])[..., None]
    chan = prm["weight"] * prm["intensity"] * threat  # [..., C]
    lever = prm["lever"] * (1.0 + econ_mask * (prm["economy"][..., None] - 1.0))  # [..., P, C]
    lever = lever * (1.0 + econ_mask * engagement[..., None])
    return np.einsum("...c,...cp,...pc->...p", chan, prm["exposure"], lever)


def coercion_pull(prm: Params, coercion_memory: np.ndarray) -> np.ndarray:
    """Compliance bought by coercion where a power controls the state's export route, less backlash."""
    return (prm["coercion"] + coercion_memory) * (prm["transit"] - prm["backlash"][..., None])


def sanctions_cost(prm: Params) -> np.ndarray:
    """Cost of leaning toward a sanctioned power: sanctions x exposure (trade, FDI) to the sanctioner."""
    to_sanctioner = 0.5 * (prm["exposure"][..., 0, :] + prm["exposure"][..., 1, :])  # trade, investment
    cost = np.einsum("...q,...q,...qp->...p", prm["sanctions"], to_sanctioner, prm["sanction_target"])
    return prm["sanctions_weight"][..., None] * cost


def reputation_cost(prm: Params) -> np.ndarray:
    """Image cost of leaning toward a stigmatised power, for a state exposed to those who condemn it."""
    return (prm["reputation_weight"] * prm["reputation"])[..., None] * prm["stigma"]


def regional_pull(prm: Params, others: np.ndarray) -> np.ndarray:
    """Pull toward the tie-weighted mean position of the other Central Asian states.

    ``others`` holds every state's alignment ``[..., S, P]`` (the state's own
    row has tie weight zero).
    """
    ties = prm["ties"]
    total = np.maximum(ties.sum(-1), 1e-12)
    mean = np.einsum("...j,...jp->...p", ties, others) / total[..., None]
    return (prm["coupling"] * prm["integration"])[..., None] * mean


def temperature(prm: Params) -> np.ndarray:
    """Softmax temperature: hedging propensity, raised by regional integration (autonomy)."""
    n_others = prm["ties"].shape[-1] - 1
    strength = prm["ties"].sum(-1) / n_others
    return prm["base_temperature"] * prm["temperature"] * (1.0 + prm["autonomy"] * prm["integration"] * strength)


def utility(
    prm: Params,
    others: np.ndarray,
    engagement: np.ndarray,
    coercion_memory: np.ndarray,
    econ_mask: np.ndarray,
    security_mask: np.ndarray,
) -> np.ndarray:
    """Utility of aligning with each power ``[..., P]``."""
    return (
        channel_pull(prm, engagement, econ_mask, security_mask)
        + coercion_pull(prm, coercion_memory)
        + regional_pull(prm, others)
        - sanctions_cost(prm)
        - reputation_cost(prm)
    )


def choose(utility: np.ndarray, shock: np.ndarray | None, prm: Params) -> np.ndarray:
    """The state's target alignment: softmax of utilities plus the random shock, at its temperature."""
    z = utility if shock is None else utility + prm["noise"][..., None] * shock
    z = z / temperature(prm)[..., None]
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def commit(alignment: np.ndarray, target: np.ndarray, prm: Params, inertia: np.ndarray | float | None = None) -> np.ndarray:
    """Move part way (inertia) toward the target held to the doctrinal anchor (Friedkin–Johnsen).

    The anchor is equidistance (1/P each): neutrality and multi-vector
    doctrine both mean not choosing. ``inertia=1`` jumps straight to the goal
    (used to find the starting equilibrium).
    """
    g = prm["stubbornness"][..., None]
    goal = (1.0 - g) * target + g * (1.0 / alignment.shape[-1])
    lam = prm["inertia"][..., None] if inertia is None else inertia
    return alignment + lam * (goal - alignment)


def stability(prm: Params) -> np.ndarray:
    """How stable a state looks to an investor: 1 less its Afghan exposure."""
    return np.clip(1.0 - prm["afghan_threat"] * prm["afghan_border"], 0.0, 1.0)


def respond(memory: np.ndarray, gap: np.ndarray, gain, decay, scale=1.0) -> np.ndarray:
    """A power's response memory: decays, and grows with the positive part of a gap.

    Engagement grows with a state's drift toward the power (gap = a - a0),
    scaled by stability**stability_seeking; coercion grows with drift away
    (gap = a0 - a). ``decay`` is a scalar over ``...``.
    """
    return (1.0 - decay[..., None]) * memory + gain * np.maximum(gap, 0.0) * scale


def hedging(alignment: np.ndarray) -> np.ndarray:
    """Normalised entropy of an alignment: 1 = equidistant, 0 = wholly with one power."""
    a = np.clip(alignment, 1e-300, 1.0)
    return -(a * np.log(a)).sum(-1) / np.log(alignment.shape[-1])
