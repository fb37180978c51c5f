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

# Spin-up stops once no share moves more than this in an iteration (or after
# model.spinup iterations): the start is then a fixed point to ~1e-14.
SPINUP_TOLERANCE = 1e-14
# A power with no ties at all still gets this much presence (log stays finite).
PRESENCE_FLOOR = 1e-6


def state_view(arrays: Params, i: int, state_fields) -> dict[str, np.ndarray]:
    """Parameters as seen by state ``i`` alone: views, so later writes show through."""
    return {k: (v[i, ...] if k in state_fields else v) for k, v in arrays.items()}  # [i, ...]: a view even for 1-D


def batch_view(arrays: Params, state_fields) -> dict[str, np.ndarray]:
    """Parameters of a (runs, ...) batch with a states axis for per-state fields and 1 for the rest."""
    return {k: (v if k in state_fields else v[:, None]) for k, v in arrays.items()}


def channel_pull(prm: Params, masks: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Pull of each power through the channels: sum_c w_c * intensity_c * exposure_cp * lever_pc.

    A power's ``economy`` scales its economic channels; Afghan threat raises
    the weight of the security channel in proportion to the state's border; a
    sanctioned power's trade lever gains the re-export rent
    ``1 + model.reexport_rent · Σ_q sanctions_q · M[q, p]`` (trade with the
    sanctioned power through the region; 0 by default, so the factor is 1).
    Returns the total pull and its economic part ``[..., P]`` (the part a
    power's engagement response multiplies).
    """
    econ_mask = masks["economic"]
    threat = 1.0 + masks["security"] * (prm["afghan_threat"] * prm["afghan_border"])[..., None]
    chan = prm["weight"] * prm["intensity"] * threat  # [..., C]
    lever = prm["lever"] * (1.0 + econ_mask * (prm["economy"][..., None] - 1.0))  # [..., P, C]
    sanctioned = np.matmul(prm["sanctions"][..., None, :], prm["sanction_target"])[..., 0, :]  # [..., P]
    lever = lever * (1.0 + prm["reexport_rent"][..., None, None] * sanctioned[..., None] * masks["trade"])
    levered = prm["exposure"] * np.swapaxes(lever, -1, -2)  # [..., C, P]
    weights = np.stack([chan, chan * econ_mask], axis=-2)  # [..., 2, C]: all channels, economic ones
    both = np.matmul(weights, levered)  # [..., 2, P]
    return both[..., 0, :], both[..., 1, :]


def sanctions_cost(prm: Params, masks: Mapping[str, np.ndarray]) -> np.ndarray:
    """Cost of leaning toward a sanctioned power: sanctions x exposure to the sanctioner (mean over the sanctioned
    channels)."""
    bite = masks["sanctioned"] / masks["sanctioned"].sum()
    to_sanctioner = (bite[:, None] * prm["exposure"]).sum(-2)  # [..., P]
    pressure = prm["sanctions"] * to_sanctioner  # [..., Q]
    cost = np.matmul(pressure[..., None, :], prm["sanction_target"])[..., 0, :]  # [..., P]
    return prm["sanctions_weight"][..., None] * cost


def reputation_cost(prm: Params) -> np.ndarray:
    """Image cost of leaning toward a stigmatised power, for a state exposed to those who condemn it."""
    return (prm["reputation_weight"] * prm["reputation"])[..., None] * prm["stigma"]


def temperature(prm: Params) -> np.ndarray:
    """Softmax temperature: hedging propensity, raised by regional integration (autonomy)."""
    n_others = prm["ties"].shape[-1] - 1
    strength = prm["ties"].sum(-1) / n_others
    return prm["base_temperature"] * prm["temperature"] * (1.0 + prm["autonomy"] * prm["integration"] * strength)


def static_terms(prm: Params, masks: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Coefficients of a state's quarterly decision that change only when parameters change.

    All but ``ties`` broadcast against the alignment ``[..., P]``:
    ``base`` channel pull + standing coercion - sanctions - reputation costs;
    ``econ`` the economic pull an engagement response multiplies;
    ``leverage`` what a unit of coercion buys (route control less backlash,
    and nothing where the power controls no export route: coercion is route
    pressure, so without a route there is neither compliance nor backlash);
    ``noise`` the s.d. of the random shock; ``inv_temp`` 1 / softmax temperature;
    ``hold``, ``anchor``, ``inertia`` the Friedkin–Johnsen update
    (goal = hold * target + anchor, with anchor = stubbornness x equidistance
    among the poles present: the powers with ``pole`` 1, weighted by
    :func:`presence`);
    ``ties`` ``[..., S]`` regional coupling weights toward each other state.
    """
    pull, econ = channel_pull(prm, masks)
    leverage = np.where(prm["transit"] > 0.0, prm["transit"] - prm["backlash"][..., None], 0.0)
    total = np.maximum(prm["ties"].sum(-1), 1e-12)
    g = prm["stubbornness"][..., None]
    present = presence(prm)
    poles = present * prm["pole"]
    # a scenario that makes no power a pole falls back to equidistance among all the powers present
    poles = np.where(poles.sum(-1, keepdims=True) > 0.0, poles, present)
    return {
        "base": np.log(present) + pull + prm["coercion"] * leverage - sanctions_cost(prm, masks) - reputation_cost(prm),
        "econ": econ,
        "leverage": leverage,
        "noise": prm["noise"][..., None],
        "inv_temp": 1.0 / temperature(prm)[..., None],
        "hold": 1.0 - g,
        "anchor": g * poles / poles.sum(-1, keepdims=True),
        "inertia": prm["inertia"][..., None],
        "ties": (prm["coupling"] * prm["integration"] / total)[..., None] * prm["ties"],
    }


def presence(prm: Params) -> np.ndarray:
    """Whether a power is an option for the state at all, in (0, 1] ``[..., P]``.

    A state's summed exposure to a power across channels, relative to
    ``model.presence`` and capped at 1. A power with ties above that
    threshold is a full option (log 1 = 0 adds nothing to its utility, and it
    counts fully in the equidistant anchor); a power with almost no ties is
    almost no option, so adding a power to a scenario does not dilute the
    others by the mere fact of its existence.
    """
    ties = prm["exposure"].sum(-2)
    return np.clip(ties / prm["presence"][..., None], PRESENCE_FLOOR, 1.0)


def response_terms(prm: Params) -> dict[str, np.ndarray]:
    """Coefficients of the powers' responses, broadcasting against ``[..., P]`` (per state, per power).

    ``keep`` 1 - memory decay; ``engage`` engagement gain scaled by the
    state's stability ** stability_seeking; ``retain`` coercion gain.
    """
    return {
        "keep": 1.0 - prm["response_decay"][..., None],
        "engage": prm["engage"] * stability(prm)[..., None] ** prm["stability_seeking"],
        "retain": prm["retain"],
    }


def regional_pull(ties: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Pull toward the tie-weighted mean position of the other states.

    ``ties`` ``[..., S]`` are one state's coupling weights (own entry zero),
    or ``[..., S, S]`` a row per state; ``others`` ``[..., S, P]`` holds every
    state's alignment. A matrix product either way.
    """
    return np.matmul(ties, others)


def utility(static: Params, others: np.ndarray, engagement: np.ndarray, coercion_memory: np.ndarray) -> np.ndarray:
    """Utility of aligning with each power ``[..., P]``: static terms plus the powers' responses and neighbours."""
    u = regional_pull(static["ties"], others)  # a fresh array: the sums below go in place
    u += static["base"]
    u += engagement * static["econ"]
    u += coercion_memory * static["leverage"]
    return u


def choose(utility: np.ndarray, shock: np.ndarray | None, static: Params) -> np.ndarray:
    """The state's target alignment: softmax of utilities plus the random shock, at its temperature."""
    z = utility * static["inv_temp"] if shock is None else (utility + static["noise"] * shock) * static["inv_temp"]
    z -= _fold(np.maximum, z)[..., None]  # z is ours: work in place (no new arrays, no page faults)
    np.exp(z, out=z)
    z /= _fold(np.add, z)[..., None]
    return z


def _fold(op, x: np.ndarray) -> np.ndarray:
    """Reduce the last (short) axis with a binary ufunc: far faster than ``x.max(-1)`` for a few powers."""
    out = x[..., 0]
    for k in range(1, x.shape[-1]):
        out = op(out, x[..., k])
    return out


def commit(alignment: np.ndarray, target: np.ndarray, static: Params, spinup: bool = False) -> np.ndarray:
    """Move part way (inertia) toward the target held to the doctrinal anchor (Friedkin–Johnsen).

    The anchor is equidistance among the poles present (Russia, the West and
    China: 1/3 each when all are present): neutrality and multi-vector
    doctrine both mean not choosing among the poles they balance, not among
    every partner a scenario declares. During spin-up the state jumps straight
    to its goal (inertia 1), which finds the starting equilibrium.
    """
    goal = static["hold"] * target
    goal += static["anchor"]
    if spinup:
        return goal
    goal -= alignment
    goal *= static["inertia"]
    goal += alignment
    return goal


def settled(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per run: whether a spin-up iteration moved no state's share by more than SPINUP_TOLERANCE.

    ``before`` and ``after`` are ``[..., S, P]``; the result has shape ``[...]``.
    """
    return np.abs(after - before).max(axis=(-2, -1)) < SPINUP_TOLERANCE


def stability(prm: Params) -> np.ndarray:
    """How stable a state looks to an investor: 1 less its Afghan exposure."""
    return np.clip(1.0 - prm["afghan_threat"] * prm["afghan_border"], 0.0, 1.0)


def respond(memory: np.ndarray, gap: np.ndarray, gain: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """A power's response memory: decays (``keep``), and grows with the positive part of a gap.

    Engagement grows with a state's drift toward the power (gap = a - a0);
    coercion grows with drift away (gap = a0 - a).
    """
    return keep * memory + gain * np.maximum(gap, 0.0)


def hedging(alignment: np.ndarray) -> np.ndarray:
    """Normalised entropy of an alignment: 1 = equidistant, 0 = wholly with one power."""
    a = np.clip(alignment, 1e-300, 1.0)
    return -(a * np.log(a)).sum(-1) / np.log(alignment.shape[-1])
