"""What can be checked against the world: hedging, dominant partner, and projected UN votes.

The vote model turns a state's alignment at a text's date into probabilities
of yes, no, abstain and absent on a UN General Assembly text of a given kind
(a multinomial logit; its parameters live in ``data/votes.yaml``, the
mechanism is in docs/ODD.md "Validation"). Probabilities are computed per
replicate and averaged, so they carry the spread of the replicate alignments.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import calibration, dynamics, yamlfile
from .api import replicate_seeds, simulate
from .errors import CasimError, did_you_mean
from .scenario import Scenario
from .timeline import parse_quarter, quarter_label

OUTCOMES = ("yes", "no", "abstain", "absent")
KIND_ATTRIBUTES = ("directness", "sovereignty", "precedent")
ROLES = ("fitted", "held_out")
RESOLUTION_FIELDS = ("id", "date", "kind", "title", "source", "observed", "role", "note")
REQUIRED_FIELDS = ("id", "date", "kind")


# -- hedging and dominant partner -----------------------------------------------


def hedging(alignment: np.ndarray) -> np.ndarray:
    """Hedging index: normalised entropy of the alignment (1 = equidistant, 0 = wholly with one power)."""
    return dynamics.hedging(np.asarray(alignment, dtype=float))


def dominant(alignment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the largest share over the last axis and its margin over the second largest."""
    a = np.asarray(alignment, dtype=float)
    order = np.sort(a, axis=-1)
    return a.argmax(-1), order[..., -1] - order[..., -2]


# -- the vote model ---------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A vote-model coefficient: value, prior range, tag and reason."""

    value: float
    low: float
    high: float
    tag: str
    reason: str


@dataclass(frozen=True)
class VoteData:
    """The contents of ``data/votes.yaml``."""

    kinds: Mapping[str, Mapping[str, float]]
    parameters: Mapping[str, Parameter]  # "yes", "lean", ..., "doctrine.neutral"

    def defaults(self) -> dict[str, float]:
        """Each coefficient's value as shipped (before any override)."""
        return {k: p.value for k, p in self.parameters.items()}


@lru_cache(maxsize=1)
def vote_data() -> VoteData:
    """The packaged vote-model parameters (cached)."""
    raw = yaml.safe_load(resources.files("casim").joinpath("data/votes.yaml").read_text(encoding="utf-8"))
    if tuple(raw["outcomes"]) != OUTCOMES:
        raise ValueError(f"votes.yaml: outcomes must be {list(OUTCOMES)}")
    kinds = {name: {a: float(spec[a][0]) for a in KIND_ATTRIBUTES} for name, spec in raw["kinds"].items()}
    params = {}
    for key, v in raw["coefficients"].items():
        params[key] = Parameter(float(v[0]), float(v[1]), float(v[2]), str(v[3]), str(v[4]))
    for key, v in raw["doctrine_absence"].items():
        params[f"doctrine.{key}"] = Parameter(float(v[0]), float(v[1]), float(v[2]), str(v[3]), str(v[4]))
    return VoteData(kinds=kinds, parameters=params)


KINDS = tuple(vote_data().kinds)


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
    data = calibration.load()
    return [calibration.doctrine(data, s) for s in states]


# -- resolution files -------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """A described UN General Assembly text; ``observed`` maps states to their recorded vote."""

    id: str
    date: _dt.date
    kind: str
    title: str = ""
    source: str = ""
    observed: Mapping[str, str] = field(default_factory=dict)
    role: str | None = None
    where: str = ""

    @property
    def quarter(self) -> str:
        """The label of the quarter holding the text's date (2023-02-23 -> "2023Q1")."""
        return quarter_of(self.date)


def _item_lines(doc: yamlfile.Document, n: int, name: str) -> list[tuple[str, dict[str, str]]]:
    """For each item of the ``resolutions`` list: its line and the line of each of its keys."""
    out = []
    for i in range(n):
        keys = {k[2]: line for k, line in doc.origins.items() if len(k) == 3 and k[:2] == ("resolutions", i)}
        out.append((doc.origins.get(("resolutions", i), name), keys))
    return out


def _date(value, where: str, rid: str) -> _dt.date:
    """A resolution's ``date`` as a date (YAML gives a date; a string must be ISO), or a one-line error."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CasimError(f"resolution {rid}: date {value!r} is not a date; write it like 2023-02-23", where=where) from None


def read_resolutions(path: str | Path) -> tuple[Resolution, ...]:
    """Read and check a resolutions file (see docs/validation.md for its format)."""
    path = Path(path)
    name = str(path)
    doc = yamlfile.read(path, what="a resolutions file (a 'resolutions' list)")
    raw = doc.data
    if not isinstance(raw, dict) or "resolutions" not in raw:
        raise CasimError("a resolutions file is a mapping with a 'resolutions' list", where=name)
    extra = [k for k in raw if k != "resolutions"]
    if extra:
        raise CasimError(f"unknown key {extra[0]!r}; a resolutions file has only 'resolutions'", where=name)
    items = raw["resolutions"]
    if not isinstance(items, list) or not items:
        raise CasimError("'resolutions' must be a non-empty list of texts", where=name)
    lines = _item_lines(doc, len(items), name)
    states = calibration.load().states
    seen: dict[str, str] = {}
    out = []
    for i, item in enumerate(items):
        where, keys = lines[i] if i < len(lines) else (name, {})
        if not isinstance(item, dict):
            raise CasimError(f"resolution {i + 1} must be a mapping with id, date and kind", where=where)
        for k in item:
            if k not in RESOLUTION_FIELDS:
                raise CasimError(f"unknown field {k!r}{did_you_mean(str(k), RESOLUTION_FIELDS)}", where=keys.get(k, where))
        for k in REQUIRED_FIELDS:
            if item.get(k) is None:
                label = f"resolution {item['id']}" if item.get("id") is not None else f"resolution {i + 1}"
                raise CasimError(f"{label} has no {k!r} (required: {', '.join(REQUIRED_FIELDS)})", where=where)
        rid = str(item["id"])
        if rid in seen:
            raise CasimError(f"duplicate resolution id {rid!r} (first at {seen[rid]})", where=keys.get("id", where))
        seen[rid] = keys.get("id", where)
        kind = str(item["kind"])
        if kind not in KINDS:
            raise CasimError(f"resolution {rid}: unknown kind {kind!r}{did_you_mean(kind, KINDS)}", where=keys.get("kind", where))
        date = _date(item["date"], keys.get("date", where), rid)
        observed = item.get("observed") or {}
        if not isinstance(observed, dict):
            raise CasimError(f"resolution {rid}: 'observed' maps states to votes, e.g. {{KAZ: abstain}}", where=keys.get("observed", where))
        # YAML 1.1 reads a bare yes/no as a boolean: take it as the vote it spells
        observed = {s: ({True: "yes", False: "no"}[v] if isinstance(v, bool) else v) for s, v in observed.items()}
        for s, v in observed.items():
            if s not in states:
                raise CasimError(f"resolution {rid}: unknown state {s!r} in 'observed'{did_you_mean(str(s), states)}", where=keys.get("observed", where))
            if v not in OUTCOMES:
                raise CasimError(f"resolution {rid}: vote {v!r} of {s} is not one of {', '.join(OUTCOMES)}", where=keys.get("observed", where))
        role = item.get("role")
        if role is not None and role not in ROLES:
            raise CasimError(f"resolution {rid}: role {role!r} is not one of {', '.join(ROLES)}", where=keys.get("role", where))
        if observed and role is None:
            raise CasimError(f"resolution {rid}: an 'observed' record needs a role (fitted or held_out)", where=keys.get("observed", where))
        out.append(
            Resolution(
                id=rid, date=date, kind=kind, title=str(item.get("title") or ""), source=str(item.get("source") or ""),
                observed=dict(observed), role=role, where=where,
            )
        )
    return tuple(out)


def quarter_of(date: _dt.date) -> str:
    """The label of the quarter holding a calendar date (2022-03-31 -> "2022Q1", 2022-04-01 -> "2022Q2")."""
    return quarter_label(date.year * 4 + (date.month - 1) // 3)


def in_horizon(scenario: Scenario, quarter: str) -> bool:
    """Whether a quarter label falls within a scenario's horizon (start..end)."""
    return 0 <= parse_quarter(quarter) - parse_quarter(scenario.start) <= scenario.steps


def step_at(scenario: Scenario, quarter: str, what: str, where: str | None = None) -> int:
    """The model step of a quarter label in a scenario; a one-line error naming ``what`` if outside its horizon.

    Step 0 is the scenario's start quarter, step ``scenario.steps`` its end.
    """
    if not in_horizon(scenario, quarter):
        raise CasimError(
            f"{what} is outside the horizon of scenario {scenario.name!r}, {scenario.start}..{scenario.end}", where=where
        )
    return parse_quarter(quarter) - parse_quarter(scenario.start)


def check_horizon(resolutions: Iterable[Resolution], scenario: Scenario) -> list[int]:
    """The model step of each text's date in the scenario; a one-line error if one falls outside its horizon."""
    return [
        step_at(scenario, r.quarter, f"resolution {r.id}: date {r.date.isoformat()} ({r.quarter})", r.where or None)
        for r in resolutions
    ]


def project_votes(
    scenario: Scenario,
    trajectories: np.ndarray,
    resolutions: Sequence[Resolution],
    params: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """One row per text and state: the most probable vote and the probability of each outcome.

    ``trajectories`` are ``(runs, steps + 1, states, powers)``; per-replicate
    probabilities are averaged over runs.
    """
    return _project(scenario, trajectories, resolutions, check_horizon(resolutions, scenario), params)


def _project(scenario: Scenario, trajectories: np.ndarray, resolutions: Sequence[Resolution], steps: Sequence[int], params) -> pd.DataFrame:
    """:func:`project_votes` with each text's step already checked against the horizon."""
    docs = doctrines(scenario.states)
    rows = []
    for r, t in zip(resolutions, steps):
        p = vote_probabilities(trajectories[:, t], scenario.powers, docs, r.kind, params).mean(0)
        for i, s in enumerate(scenario.states):
            rows.append((r.id, s, OUTCOMES[int(p[i].argmax())], *p[i]))
    cols = ["resolution", "state", "vote", *(f"p_{o}" for o in OUTCOMES)]
    return pd.DataFrame(rows, columns=cols)


def votes(
    scenario: Scenario,
    resolutions: Sequence[Resolution],
    replicates: int | None = None,
    seed: int | None = None,
    params: Mapping[str, object] | None = None,
    progress=None,
) -> pd.DataFrame:
    """Simulate a scenario's replicates (ensemble engine) and project the votes on ``resolutions``.

    The texts' dates are checked against the horizon before anything runs.
    """
    steps = check_horizon(resolutions, scenario)
    n, s, seeds = replicate_seeds(scenario, replicates, seed)
    traj = simulate(scenario, seeds, progress=progress)
    df = _project(scenario, traj, resolutions, steps, params)
    df.attrs["seed"], df.attrs["replicates"] = s, n
    return df
