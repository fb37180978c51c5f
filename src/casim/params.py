"""The parameter space: every dotted path a scenario, ``--set``, a shock or a sweep can address.

Each path names one cell of one array that the dynamics kernel reads, so a
shock or a swept value is applied by writing that cell, and the kernel never
sees names. Defaults come from the sourced calibration data.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property
from types import EllipsisType
from typing import Literal, cast

import numpy as np

from . import sources

# Per-power scalars other than the channel levers, with their defaults for a
# power the calibration data does not set.
POWER_SCALARS = {
    "economy": 1.0,
    "coercion": 0.0,
    "sanctions": 0.0,
    "stigma": 0.0,
    "retain": 0.0,
    "engage": 0.0,
    "stability_seeking": 0.0,
    "pole": 0.0,  # a power the doctrinal anchor balances (1 for russia, west, china in the data)
}
STATE_SCALARS = ("stubbornness", "backlash", "reputation", "temperature", "afghan_border")
INF = math.inf

# Hard bounds (inclusive unless noted) by the last name of a path.
BOUNDS: dict[str, tuple[float, float]] = {
    "exposure": (0.0, 1.0),
    "transit": (0.0, 1.0),
    "stubbornness": (0.0, 1.0),
    "afghan_border": (0.0, 1.0),
    "afghan_threat": (0.0, 1.0),
    "response_decay": (0.0, 1.0),
    "inertia": (1e-9, 1.0),
    "presence": (1e-9, INF),
    "pole": (0.0, 1.0),
    "temperature": (1e-6, INF),
    "spinup": (0, 100_000),
}
NONNEGATIVE = (0.0, INF)

# Model-wide fields (the rest are per state or per power).
GLOBAL_FIELDS = {
    "model.presence": "presence",
    "model.inertia": "inertia",
    "model.temperature": "base_temperature",
    "model.noise": "noise",
    "model.coupling": "coupling",
    "model.autonomy": "autonomy",
    "model.sanctions_weight": "sanctions_weight",
    "model.reputation": "reputation_weight",
    "model.reexport_rent": "reexport_rent",
    "model.response_decay": "response_decay",
    "region.integration": "integration",
    "region.afghan_threat": "afghan_threat",
}


@dataclass(frozen=True)
class Slot:
    """Where a path lives: an array field and the index of its cell; kind is float, int or list."""

    field: str
    index: tuple[int, ...]
    bounds: tuple[float, float]
    kind: Literal["float", "int", "list"] = "float"

    @property
    def cell(self) -> tuple[EllipsisType | int, ...]:
        """The index of this path's cell in its array, behind any leading runs axis."""
        return (Ellipsis, *self.index)

    @property
    def shockable(self) -> bool:
        return self.kind == "float"


@dataclass(frozen=True)
class ParameterSpace:
    """All parameters of a model with the given powers."""

    powers: tuple[str, ...]

    @cached_property
    def data(self) -> sources.CalibrationData:
        return sources.load()

    @property
    def states(self) -> tuple[str, ...]:
        return self.data.states

    @property
    def channels(self) -> tuple[str, ...]:
        return self.data.channels

    @cached_property
    def shapes(self) -> dict[str, tuple[int, ...]]:
        S, P, C = len(self.states), len(self.powers), len(self.channels)
        shapes = {
            "exposure": (S, C, P),
            "intensity": (S, C),
            "transit": (S, P),
            "ties": (S, S),
            "lever": (P, C),
            "sanction_target": (P, P),
            "weight": (C,),
        }
        shapes.update({f: (S,) for f in STATE_SCALARS})
        shapes.update({f: (P,) for f in POWER_SCALARS})
        shapes.update({f: () for f in GLOBAL_FIELDS.values()})
        return shapes

    @cached_property
    def masks(self) -> dict[str, np.ndarray]:
        """0/1 masks over channels by role: ``economic``, ``security``, ``sanctioned``, ``trade`` (calibration.yaml)."""

        def mask(names) -> np.ndarray:
            return np.array([1.0 if c in names else 0.0 for c in self.channels])

        return {
            "economic": mask(self.data.economic_channels),
            "security": mask(("security",)),
            "sanctioned": mask(self.data.sanctioned_channels),
            "trade": mask(("trade",)),
        }

    @cached_property
    def state_fields(self) -> frozenset[str]:
        """Fields with a leading states axis (the rest are shared by all states)."""
        return frozenset({"exposure", "intensity", "transit", "ties", *STATE_SCALARS})

    @cached_property
    def slots(self) -> dict[str, Slot]:
        slots: dict[str, Slot] = {}
        for p_i, p in enumerate(self.powers):
            for name in POWER_SCALARS:
                slots[f"{p}.{name}"] = Slot(name, (p_i,), BOUNDS.get(name, NONNEGATIVE))
            for c_i, c in enumerate(self.channels):
                slots[f"{p}.{c}"] = Slot("lever", (p_i, c_i), NONNEGATIVE)
            slots[f"{p}.sanctions_target"] = Slot("sanction_target", (p_i,), NONNEGATIVE, kind="list")
            for s_i, s in enumerate(self.states):
                for c_i, c in enumerate(self.channels):
                    slots[f"{p}.exposure.{s}.{c}"] = Slot("exposure", (s_i, c_i, p_i), BOUNDS["exposure"])
                slots[f"{p}.transit.{s}"] = Slot("transit", (s_i, p_i), BOUNDS["transit"])
        for s_i, s in enumerate(self.states):
            for name in STATE_SCALARS:
                slots[f"{s}.{name}"] = Slot(name, (s_i,), BOUNDS.get(name, NONNEGATIVE))
            for c_i, c in enumerate(self.channels):
                slots[f"{s}.intensity.{c}"] = Slot("intensity", (s_i, c_i), NONNEGATIVE)
            for t_i, t in enumerate(self.states):
                if t != s:
                    slots[f"region.ties.{s}.{t}"] = Slot("ties", (s_i, t_i), NONNEGATIVE)
        for path, fld in GLOBAL_FIELDS.items():
            slots[path] = Slot(fld, (), BOUNDS.get(path.rsplit(".", 1)[-1], NONNEGATIVE))
        for c_i, c in enumerate(self.channels):
            slots[f"model.weights.{c}"] = Slot("weight", (c_i,), NONNEGATIVE)
        slots["model.spinup"] = Slot("spinup", (), BOUNDS["spinup"], kind="int")
        return slots

    @cached_property
    def defaults(self) -> dict[str, object]:
        """The default value of every path, from the calibration data."""
        d = self.data
        out: dict[str, object] = {}
        for p in self.powers:
            priors = d.power_priors.get(p, {})
            for name, fallback in POWER_SCALARS.items():
                out[f"{p}.{name}"] = float(cast(float, priors[name].value)) if name in priors else fallback
            for c in self.channels:
                out[f"{p}.{c}"] = 1.0
            out[f"{p}.sanctions_target"] = (
                tuple(cast("list[str]", priors["sanctions_target"].value)) if "sanctions_target" in priors else ()
            )
            for s in self.states:
                for c in self.channels:
                    out[f"{p}.exposure.{s}.{c}"] = sources.exposure(d, s, c, p)
                out[f"{p}.transit.{s}"] = sources.transit(d, s, p)
        for s in self.states:
            doc = d.doctrine_parameters[sources.doctrine(d, s)]
            out[f"{s}.stubbornness"] = float(cast(float, doc["stubbornness"].value))
            out[f"{s}.backlash"] = float(cast(float, doc["backlash"].value))
            out[f"{s}.reputation"] = sources.reputation(d, s)
            out[f"{s}.temperature"] = 1.0
            out[f"{s}.afghan_border"] = sources.afghan_border(d, s)
            for c in self.channels:
                out[f"{s}.intensity.{c}"] = sources.intensity(d, s, c)
            for t in self.states:
                if t != s:
                    out[f"region.ties.{s}.{t}"] = sources.ties(d, s, t)
        for path in GLOBAL_FIELDS:
            section, name = path.split(".")
            prior = (d.region_priors if section == "region" else d.model_priors)[name]
            out[path] = float(cast(float, prior.value))
        for c in self.channels:
            out[f"model.weights.{c}"] = float(cast(float, d.weight_priors[c].value))
        out["model.spinup"] = int(cast(int, d.model_priors["spinup"].value))
        return out

    def prior_range(self, path: str) -> tuple[float, float] | None:
        """The plausible range the calibration data gives a path, if it gives one."""
        d = self.data
        parts = path.split(".")
        prior = None
        if parts[0] == "model" and parts[1] == "weights":
            prior = d.weight_priors.get(parts[2])
        elif parts[0] == "model":
            prior = d.model_priors.get(parts[1])
        elif parts[0] == "region" and len(parts) == 2:
            prior = d.region_priors.get(parts[1])
        elif parts[0] in self.powers and len(parts) == 2:
            prior = d.power_priors.get(parts[0], {}).get(parts[1])
        elif parts[0] in self.states and len(parts) == 2 and parts[1] in ("stubbornness", "backlash"):
            prior = d.doctrine_parameters[sources.doctrine(d, parts[0])][parts[1]]
        elif parts[0] == "doctrine" and len(parts) == 3:  # one value per doctrine, as fits draw it
            prior = d.doctrine_parameters.get(parts[1], {}).get(parts[2])
        if prior is None or prior.low is None:
            return None
        return float(prior.low), float(cast(float, prior.high))  # the data give a prior both bounds or neither

    # -- arrays --------------------------------------------------------------

    def arrays(self, values: dict[str, object], batch: int | None = None, vary=None) -> dict[str, np.ndarray]:
        """Kernel arrays from resolved values; with ``batch`` every array gets a leading runs axis.

        A value may be a scalar or, with ``batch``, an array of one value per run.
        With ``vary`` (paths that differ between runs or over time), fields
        holding none of them get a runs axis of length 1 that broadcasts: most
        of the ~400 parameters are the same in every run of a sweep.
        """
        lead: dict[str, tuple[int, ...]]
        if batch is None:
            lead = {f: () for f in self.shapes}
        elif vary is None:
            lead = {f: (batch,) for f in self.shapes}
        else:
            varying = {self.slots[p].field for p in vary}
            lead = {f: ((batch,) if f in varying else (1,)) for f in self.shapes}
        out = {f: np.zeros(lead[f] + shape) for f, shape in self.shapes.items()}
        for path, slot in self.slots.items():
            if slot.kind == "int":
                continue
            value = values[path]
            if slot.kind == "list":
                names = cast(Collection[str], value)  # a list slot holds power names
                row = np.array([1.0 if q in names else 0.0 for q in self.powers])
                cells: tuple[EllipsisType | int | slice, ...] = (*slot.cell, slice(None))
                out[slot.field][cells] = row
                continue
            out[slot.field][slot.cell] = cast("float | np.ndarray", value)  # a number, or one per run
        return out

    def write(self, arrays: dict[str, np.ndarray], path: str, value) -> None:
        """Write one value (or one per run) into its cell."""
        slot = self.slots[path]
        arrays[slot.field][slot.cell] = value
