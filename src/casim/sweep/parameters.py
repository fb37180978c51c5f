"""Swept parameters: what a sweep of a scenario can vary, the :class:`Param` each entry becomes, and how it applies.

A parameter is named by the same dotted path as ``--set``. :func:`sweepable`
lists the paths a scenario offers (its parameter slots and its shocks' values,
durations and dates); :func:`parse_param` checks one ``parameters:`` entry of
a sweep file against them (unknown paths, empty or inverted ranges and values
out of bounds are each a :class:`CasimError` naming the key), and
:func:`scenario_for` makes the scenario of a group of runs that share the
values of the parameters that change the scenario itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal, cast

import numpy as np

from ..errors import CasimError, did_you_mean
from ..params import INF
from ..quarters import parse_quarter, quarter_label
from ..scenario import Scenario, canonical_path, check_bounds

# Scenario fields that are settings of the whole sweep rather than parameters of a run.
NOT_SWEEPABLE = {
    "start": "every run of a sweep shares one horizon",
    "end": "every run of a sweep shares one horizon",
    "seed": "a sweep's seeds come from its own 'seed'",
    "replicates": "a sweep's replicates come from its own 'replicates'",
    "name": "it is a label, not a parameter",
    "description": "it is a label, not a parameter",
    "schema": "it is the file format version",
}


@dataclass(frozen=True)
class Param:
    """One swept parameter.

    ``kind`` is ``float`` (a range), ``int`` (an integer range) or ``category``
    (listed ``values``). ``target`` says how a run receives it: ``value`` is a
    per-run number handed to the engine; ``scenario`` (an integer or list
    parameter), ``shock_over`` and ``shock_at`` change the scenario itself, so
    runs sharing those values are simulated as one group.
    """

    path: str
    kind: Literal["float", "int", "category"]
    target: Literal["value", "scenario", "shock_over", "shock_at"]
    low: float | None = None
    high: float | None = None
    values: tuple = ()
    levels: int | None = None

    @property
    def grouped(self) -> bool:
        return self.target != "value"

    @property
    def bounds(self) -> list[float]:
        """The bounds a SALib problem gives this parameter (its sample is decoded by :meth:`decode`)."""
        if self.kind == "float":
            return [float(cast(float, self.low)), float(cast(float, self.high))]  # a range has both bounds
        if self.kind == "int":
            return [float(cast(float, self.low)), float(cast(float, self.high)) + 1.0]
        return [0.0, float(len(self.values))]

    def decode(self, x: np.ndarray) -> np.ndarray:
        """Design codes -> values: floats as they are, integers ``floor(x)``, categories ``values[floor(x)]``."""
        x = np.asarray(x, dtype=float)
        if self.kind == "float":
            return x
        if self.kind == "int":
            return np.clip(np.floor(x), self.low, self.high).astype(np.int64)
        idx = np.clip(np.floor(x), 0, len(self.values) - 1).astype(np.int64)
        if self.target == "value":
            return np.asarray(self.values, dtype=float)[idx]
        return idx  # an index into values; see column() and scenario_for()

    def codes(self, x: np.ndarray) -> np.ndarray:
        """Integer group codes of grouped parameters (the value itself for int, the index for category)."""
        return self.decode(x).astype(np.int64)

    def column(self, decoded: np.ndarray) -> np.ndarray:
        """The results-table column of decoded values: numbers, or text for non-numeric categories."""
        if self.kind != "category" or self.target == "value":
            return decoded
        if all(isinstance(v, int) and not isinstance(v, bool) for v in self.values):
            return np.asarray(self.values, dtype=np.int64)[decoded]
        if all(is_number(v) for v in self.values):
            return np.asarray(self.values, dtype=float)[decoded]
        return np.asarray([_label(v) for v in self.values], dtype=object)[decoded]

    def describe(self) -> dict:
        """The manifest's record of this parameter: kind, what it applies to, range or values, levels."""
        out: dict[str, Any] = {"kind": self.kind, "applies_to": self.target}
        if self.kind == "category":
            out["values"] = list(self.values)
        else:
            out["range"] = [self.low, self.high]
        if self.levels is not None:
            out["levels"] = self.levels
        return out


def _label(v) -> str:
    if isinstance(v, str):
        return v
    return json.dumps(v)


@dataclass(frozen=True)
class Target:
    """What a sweepable path changes: a scenario slot, a shock's value, or a shock's timing."""

    target: Literal["value", "scenario", "shock_over", "shock_at"]
    kind: Literal["float", "int", "list", "quarter"]
    bounds: tuple[float, float] = (-INF, INF)


def sweepable(scenario: Scenario) -> dict[str, Target]:
    """Every path a sweep of this scenario can vary."""
    out: dict[str, Target] = {}
    for path, slot in scenario.space.slots.items():
        target: Literal["value", "scenario"] = "value" if slot.kind == "float" else "scenario"
        out[path] = Target(target, slot.kind, slot.bounds)
    slots = scenario.space.slots
    for sh in scenario.shocks:
        out[sh.key] = Target("value", "float", slots[sh.path].bounds)
        # a duration beyond the horizon: a pulse is the same as one over the whole horizon (and a planner of
        # one scenario per duration must stay small), so durations are capped at the number of steps
        out[f"shocks.{sh.id}.over"] = Target("shock_over", "int", (1, scenario.steps))
        out[f"shocks.{sh.id}.at"] = Target("shock_at", "quarter")
    return out


def canonical(path: str, scenario: Scenario) -> str:
    """A parameter path in the one spelling the scenario's space uses."""
    return canonical_path(path, scenario.powers)


def unknown_parameter(path: str, targets: Mapping[str, Target], where: str) -> CasimError:
    """The error for a path the scenario does not let a sweep vary (with why, or the nearest path)."""
    top = path.split(".")[0]
    if top in NOT_SWEEPABLE:
        return CasimError(f"{path!r} cannot be swept: {NOT_SWEEPABLE[top]}", where=where)
    if top == "shocks" and not any(k.startswith("shocks.") for k in targets):
        return CasimError(f"unknown parameter {path!r}: the scenario has no shocks", where=where)
    return CasimError(f"unknown parameter {path!r}{did_you_mean(path, targets)}", where=where)


def is_number(v) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def check_value(path: str, t: Target, v, scenario: Scenario, where: str):
    """A listed value of a parameter, validated and normalised."""
    if t.kind == "float":
        check_bounds(path, v, t.bounds, where=where)
        return float(v)
    if t.kind == "int":
        if not (is_number(v) and float(v).is_integer()):
            raise CasimError(f"{path} takes whole numbers, not {v!r}", where=where)
        check_bounds(path, v, t.bounds, where=where)
        return int(v)
    if t.kind == "list":
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise CasimError(f"{path} takes lists of power names, e.g. [russia], not {v!r}", where=where)
        for x in v:
            if x not in scenario.powers:
                raise CasimError(f"{path}: unknown power {x!r}{did_you_mean(x, scenario.powers)}", where=where)
        return list(v)
    # quarter
    q = parse_quarter(v, where=where)
    dates = scenario.dates()
    label = quarter_label(q)
    if label not in dates[1:]:
        raise CasimError(
            f"{path}: {label} is outside the horizon; a shock falls in {dates[1]}..{dates[-1]}", where=where
        )
    return label


def parse_param(
    path: str, spec, scenario: Scenario, targets: Mapping[str, Target], where: str, *, grid: bool, default_levels
) -> Param:
    """One ``parameters:`` entry (``[low, high]``, ``{range: [...], levels: N}`` or ``{values: [...]}``) as a
    :class:`Param`."""
    path = canonical(path, scenario)
    t = targets.get(path)
    if t is None:
        raise unknown_parameter(path, targets, where)
    levels = None
    if isinstance(spec, dict):
        extra = set(spec) - {"range", "values", "levels"}
        if extra:
            k = sorted(extra)[0]
            raise CasimError(
                f"parameters.{path}: unknown key {k!r}{did_you_mean(k, ['range', 'values', 'levels'])}", where=where
            )
        if ("range" in spec) == ("values" in spec):
            raise CasimError(f"parameters.{path}: give either range: [low, high] or values: [...]", where=where)
        levels = spec.get("levels")
        if levels is not None and (not isinstance(levels, int) or isinstance(levels, bool) or levels < 2):
            raise CasimError(
                f"parameters.{path}.levels must be a whole number of at least 2 (got {levels!r})", where=where
            )
        if "values" in spec:
            if levels is not None:
                raise CasimError(f"parameters.{path}: levels applies to a range, not to listed values", where=where)
            return _categorical(path, spec["values"], t, scenario, where)
        spec = spec["range"]
    if not isinstance(spec, list | tuple) or len(spec) != 2:
        raise CasimError(f"parameters.{path} must be [low, high] or {{values: [...]}} (got {spec!r})", where=where)
    if t.kind in ("list", "quarter"):
        example = "[[russia], [russia, china]]" if t.kind == "list" else "[2024Q1, 2025Q1]"
        raise CasimError(f"{path} has no numeric range; list its values instead: {{values: {example}}}", where=where)
    low, high = spec
    for v in (low, high):
        if not is_number(v):
            raise CasimError(f"parameters.{path}: range bounds must be numbers (got {v!r})", where=where)
    if low == high:
        raise CasimError(
            f"parameters.{path}: empty range [{low}, {high}]; low must be below high (to fix a value, use 'set:')",
            where=where,
        )
    if low > high:
        raise CasimError(
            f"parameters.{path}: inverted range [{low}, {high}]; write it as [low, high] = [{high}, {low}]", where=where
        )
    low, high = (check_value(path, t, v, scenario, where) for v in (low, high))
    if grid:
        levels = levels or default_levels
        if levels is None:
            raise CasimError(
                f"grid: {path} needs levels; set design.levels or {{range: [{low}, {high}], levels: N}}", where=where
            )
    elif levels is not None:
        raise CasimError(f"parameters.{path}.levels applies to grid designs only", where=where)
    kind: Literal["int", "float"] = "int" if t.kind == "int" else "float"
    return Param(path, kind, t.target, low, high, (), levels)


def _categorical(path: str, values, t: Target, scenario: Scenario, where: str) -> Param:
    if not isinstance(values, list) or not values:
        raise CasimError(f"parameters.{path}.values must be a non-empty list", where=where)
    checked = [check_value(path, t, v, scenario, where) for v in values]
    seen = []
    for v in checked:
        if v in seen:
            raise CasimError(f"parameters.{path}.values lists {v!r} twice", where=where)
        seen.append(v)
    return Param(path, "category", t.target, values=tuple(checked))


def scenario_for(base: Scenario, params: tuple[Param, ...], codes: tuple[int, ...]) -> Scenario:
    """The scenario of one group: ``base`` with the grouped parameters set to the values their codes name."""
    values = dict(base.values)
    shocks = list(base.shocks)
    start = parse_quarter(base.start)
    for p, c in zip(params, codes, strict=True):
        v = int(c) if p.kind == "int" else p.values[int(c)]
        if p.target == "scenario":
            values[p.path] = v
        elif p.target == "shock_over":
            sid = p.path.split(".")[1]
            shocks = [replace(s, over=int(v)) if s.id == sid else s for s in shocks]
        elif p.target == "shock_at":
            sid = p.path.split(".")[1]
            shocks = [replace(s, step=parse_quarter(v) - start) if s.id == sid else s for s in shocks]
    return base.with_values(values=MappingProxyType(values), shocks=tuple(shocks))
