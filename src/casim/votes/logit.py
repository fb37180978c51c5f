"""The vote model: how a state's alignment becomes a vote on a UN General Assembly text.

A multinomial logit turns a state's alignment at a text's date into
probabilities of yes, no, abstain and absent on a text of a given kind; its
parameters live in ``data/votes.yaml`` and the mechanism is in docs/ODD.md
"Validation". Pure functions of arrays: running the model is
:mod:`casim.projection`'s job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import cast

import numpy as np
import yaml

from .. import dynamics, sources
from ..errors import CasimError, did_you_mean
from ..sources import Prior

OUTCOMES = ("yes", "no", "abstain", "absent")
KIND_ATTRIBUTES = ("directness", "sovereignty", "precedent")


@dataclass(frozen=True)
class VoteData:
    """The contents of ``data/votes.yaml``."""

    kinds: Mapping[str, Mapping[str, float]]
    parameters: Mapping[str, Prior]  # "yes", "lean", ..., "doctrine.neutral"
    kind_powers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # kind -> power -> typical vote
    kind_support: Mapping[str, float] = field(default_factory=dict)  # kind -> typical yes share of the Assembly
    kind_directed: Mapping[str, bool] = field(default_factory=dict)  # kind -> about a conflict Russia is party to

    def defaults(self) -> dict[str, float]:
        """Each coefficient's value as shipped (before any override)."""
        return {k: cast(float, p.value) for k, p in self.parameters.items()}  # the coefficients are numbers


@lru_cache(maxsize=1)
def vote_data() -> VoteData:
    """The packaged vote-model parameters (cached)."""
    raw = yaml.safe_load(resources.files("casim").joinpath("data/votes.yaml").read_text(encoding="utf-8"))
    if tuple(raw["outcomes"]) != OUTCOMES:
        raise ValueError(f"votes.yaml: outcomes must be {list(OUTCOMES)}")
    kinds = {name: {a: float(spec[a][0]) for a in KIND_ATTRIBUTES} for name, spec in raw["kinds"].items()}
    # YAML 1.1 reads a bare yes/no as a boolean: take it as the vote it spells
    spell = lambda v: {True: "yes", False: "no"}[v] if isinstance(v, bool) else str(v)  # noqa: E731
    kind_powers = {name: {p: spell(v[0]) for p, v in spec["powers"].items()} for name, spec in raw["kinds"].items()}
    for name, pw in kind_powers.items():
        bad = [v for v in pw.values() if v not in OUTCOMES]
        if bad or not {"russia", "west"} <= set(pw):
            raise ValueError(f"votes.yaml: kind {name}: powers need russia and west, each voting one of {OUTCOMES}")
    kind_support = {name: float(spec["support"][0]) for name, spec in raw["kinds"].items()}
    kind_directed = {name: bool(spec["directed"][0]) for name, spec in raw["kinds"].items()}
    params = {}
    for key, v in raw["coefficients"].items():
        params[key] = Prior(float(v[0]), float(v[1]), float(v[2]), str(v[3]), str(v[4]))
    for key, v in raw["doctrine_absence"].items():
        params[f"doctrine.{key}"] = Prior(float(v[0]), float(v[1]), float(v[2]), str(v[3]), str(v[4]))
    return VoteData(
        kinds=kinds, parameters=params, kind_powers=kind_powers, kind_support=kind_support, kind_directed=kind_directed
    )


TEXT_KINDS = tuple(vote_data().kinds)  # the kinds of UN text the vote model knows (data/votes.yaml)


def _lead(value, ndim: int) -> np.ndarray:
    """A coefficient (scalar or one per run) shaped to broadcast against ``(runs, states)``."""
    v = np.asarray(value, dtype=float)
    return v if v.ndim == 0 else v.reshape(v.shape + (1,) * (ndim - v.ndim))


def vote_probabilities(
    alignment: np.ndarray,
    powers: Sequence[str],
    doctrines: Sequence[str],
    kind: str,
    params: Mapping[str, object] | None = None,
) -> np.ndarray:
    """P(yes, no, abstain, absent) ``[..., S, 4]`` from alignments ``[..., S, P]``.

    ``params`` overrides coefficients (keys as in :meth:`VoteData.defaults`),
    each a scalar or an array over the leading (runs) axis.
    """
    data = vote_data()
    if kind not in data.kinds:
        raise CasimError(f"unknown resolution kind {kind!r}{did_you_mean(kind, data.kinds)}")
    c = {**data.defaults(), **(params or {})}
    a = np.asarray(alignment, dtype=float)
    nd = a.ndim - 1  # leading axes + states
    attrs = data.kinds[kind]
    D, S, P = attrs["directness"], attrs["sovereignty"], attrs["precedent"]
    russia = a[..., list(powers).index("russia")]
    west = a[..., list(powers).index("west")]
    h = dynamics.hedging(a)
    lean = west - russia
    outside = 1.0 - west
    g = lambda name: _lead(c[name], nd)  # noqa: E731
    cols = np.broadcast_arrays(*[np.asarray(c[f"doctrine.{d}"], dtype=float) for d in doctrines])
    k = cols[0].ndim  # 0, or the runs axis of per-run coefficients
    doctrine = np.stack(cols, axis=-1).reshape(cols[0].shape + (1,) * (nd - 1 - k) + (len(doctrines),))
    u_yes = g("yes") + g("lean") * D * lean - g("precedent") * P * outside
    u_no = g("no") - g("lean") * D * lean + g("precedent") * P * outside - g("sovereignty") * S
    u_abstain = g("hedging") * D * h
    u_absent = g("absent") + doctrine * D
    u = np.stack(np.broadcast_arrays(u_yes, u_no, u_abstain, u_absent), axis=-1)
    u = u - u.max(-1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(-1, keepdims=True)


def doctrines(states: Iterable[str]) -> list[str]:
    """Each state's doctrine from the calibration data (neutral, multi_vector, dependent)."""
    data = sources.load()
    return [sources.doctrine(data, s) for s in states]
