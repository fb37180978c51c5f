"""Sweep files: the schema, loading, and the swept parameters resolved against a scenario.

A sweep file names the scenario it starts from, the parameters it varies (by
the same dotted paths as ``--set``), a design, replicates, a base seed and
what to keep. It is validated as strictly as a scenario file: unknown keys,
unknown parameter paths, empty or inverted ranges and values out of bounds are
each a :class:`CasimError` naming the file, the line and the key.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import yamlfile
from ..errors import CasimError, did_you_mean
from ..params import INF
from ..scenario import Scenario, canonical_path, check_bounds, load_scenario
from ..timeline import parse_quarter, quarter_label

SCHEMA_VERSION = 1
MAX_CHUNK_RUNS = 1_000_000  # the largest 'chunk' a sweep file may ask for
METHODS = ("grid", "lhs", "sobol", "morris", "csv")
# The design options each method accepts (besides ``method``).
METHOD_OPTIONS = {
    "grid": ("levels",),
    "lhs": ("n", "seed"),
    "sobol": ("n", "seed", "second_order", "scramble"),
    "morris": ("n", "seed", "num_levels", "optimal_trajectories", "local_optimization"),
    "csv": ("file",),
}
REQUIRED_OPTIONS = {"lhs": ("n",), "sobol": ("n",), "morris": ("n",), "csv": ("file",)}
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


class _Strict(BaseModel):
    """Unknown keys are errors and values are not coerced: ``n: "4"`` or ``second_order: "no"`` are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class DesignSpec(_Strict):
    """How the design points are made; which options apply depends on the method."""

    method: Literal["grid", "lhs", "sobol", "morris", "csv"]
    n: Annotated[int | None, Field(ge=1, description="lhs: points; sobol: base sample (a power of 2); morris: trajectories")] = (
        None
    )
    seed: Annotated[int | None, Field(ge=0, description="seed of the design's own randomness (default: the sweep's seed)")] = None
    levels: Annotated[int | None, Field(ge=2, description="grid: levels of each range")] = None
    file: str | None = Field(
        default=None, description="csv: the design file, one row a design point (path relative to the sweep file)"
    )
    second_order: bool | None = Field(default=None, description="sobol: also sample for second-order indices (default true)")
    scramble: bool | None = Field(default=None, description="sobol: scramble the Sobol' sequence (default true)")
    num_levels: Annotated[int | None, Field(ge=2, description="morris: grid levels, even (default 4)")] = None
    optimal_trajectories: Annotated[int | None, Field(ge=2, description="morris: keep this many optimal trajectories")] = None
    local_optimization: bool | None = None


class SweepFile(_Strict):
    """The schema of a casim sweep file."""

    schema_: Literal[1] = Field(alias="schema", description="schema version; 1")
    name: str | None = Field(default=None, description="default: the file's stem")
    description: str = ""
    scenario: str = Field(description="the scenario file the sweep starts from (relative to the sweep file)")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides of the scenario, as --set")
    parameters: dict[str, Any] = Field(default_factory=dict, description="dotted path -> [low, high] or {values: [...]}")
    design: DesignSpec
    replicates: Annotated[int, Field(ge=1)] = 1
    seed: Annotated[int | None, Field(ge=0, description="base seed (default: the scenario's)")] = None
    keep: Any = Field(default="trajectories", description="'trajectories' or {dates: [2026Q4, 2030Q4]}")
    chunk: Annotated[int | None, Field(ge=1, le=MAX_CHUNK_RUNS, description="runs per stored chunk (default: from the run count)")] = (
        None
    )

    @field_validator("schema_", mode="before")
    @classmethod
    def _not_bool(cls, v):
        if isinstance(v, bool):  # True == 1 would pass Literal[1]
            raise ValueError("must be the number 1")
        return v


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
            return [float(self.low), float(self.high)]
        if self.kind == "int":
            return [float(self.low), float(self.high) + 1.0]
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
        if all(_number(v) for v in self.values):
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
class Sweep:
    """A validated sweep: the base scenario, the parameters, the design and the settings."""

    name: str
    description: str
    scenario: Scenario
    params: tuple[Param, ...]
    design: DesignSpec
    replicates: int
    seed: int
    keep: tuple[str, ...] | None  # dates kept; None keeps whole trajectories
    chunk: int | None
    source: str | None = None
    source_hash: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)
    csv_X: np.ndarray | None = field(default=None, compare=False, repr=False)  # a csv design's codes, parsed once
    csv_source: str | None = None
    csv_hash: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def design_seed(self) -> int:
        """The seed of the design's own randomness (the sweep's seed unless the design names one)."""
        return self.seed if self.design.seed is None else self.design.seed

    def keep_steps(self) -> tuple[int, ...] | None:
        """The steps of the kept dates, or None when whole trajectories are kept."""
        if self.keep is None:
            return None
        dates = self.scenario.dates()
        return tuple(dates.index(d) for d in self.keep)


# ---------------------------------------------------------------------------
# loading


def _where(origins: dict, loc: tuple, source: str) -> str:
    return yamlfile.where(origins, loc, source)


def _schema_error(err: ValidationError, origins: dict, source: str) -> CasimError:
    e = err.errors()[0]
    loc = tuple(e["loc"])
    key = ".".join(str(x) for x in loc)
    where = _where(origins, loc, source)
    if e["type"] == "extra_forbidden":
        model = DesignSpec if loc[:1] == ("design",) else SweepFile
        valid = [f.alias or k for k, f in model.model_fields.items()]
        return CasimError(f"unknown key {key!r}{did_you_mean(str(loc[-1]), valid)}", where=where)
    if e["type"] == "missing":
        return CasimError(f"missing required key {key!r}", where=where)
    if e["type"] == "literal_error" and loc == ("schema",):
        return CasimError(f"schema: unsupported version {e.get('input')!r}; this casim reads sweep schema 1", where=where)
    given = e.get("input")
    shown = "" if isinstance(given, dict | list) else f" (got {given!r})"
    msg = str(e["ctx"]["error"]) if e["type"] == "value_error" and "error" in e.get("ctx", {}) else e["msg"]
    return CasimError(f"{key}: {msg[0].lower() + msg[1:]}{shown}", where=where)


def load_sweep(path: str | Path) -> Sweep:
    """Load and validate a sweep file (its scenario path is relative to the file)."""
    path = Path(path)
    doc = yamlfile.read(path, what="a sweep file (schema, scenario, parameters, design)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return resolve(doc.data, doc.origins, source=str(path), base_dir=path.parent, source_hash=digest)


def sweep_from_dict(raw: Mapping[str, Any], base_dir: str | Path = ".") -> Sweep:
    """A sweep from a mapping in the file format; ``scenario`` may be a path or a :class:`Scenario`."""
    raw = dict(raw)
    scenario = raw.get("scenario")
    hashable = dict(raw)
    if isinstance(scenario, Scenario):
        hashable["scenario"] = scenario.to_dict()
    digest = hashlib.sha256(json.dumps(hashable, sort_keys=True, default=str).encode()).hexdigest()
    return resolve(raw, {}, source=None, base_dir=Path(base_dir), source_hash=digest)


def resolve(raw: dict, origins: dict, *, source: str | None, base_dir: Path, source_hash: str) -> Sweep:
    """Validate a raw sweep mapping against its scenario."""
    src = source or "<sweep>"
    raw = dict(raw)
    scenario_obj = raw.get("scenario") if isinstance(raw.get("scenario"), Scenario) else None
    if scenario_obj is not None:
        raw["scenario"] = scenario_obj.source or "<scenario>"
    elif isinstance(raw.get("scenario"), Path):
        raw["scenario"] = str(raw["scenario"])
    if isinstance(raw.get("design"), Mapping) and isinstance(raw["design"].get("file"), Path):
        raw["design"] = {**raw["design"], "file": str(raw["design"]["file"])}
    try:
        spec = SweepFile.model_validate(raw)
    except ValidationError as err:
        raise _schema_error(err, origins, src) from None

    # the scenario
    if scenario_obj is not None:
        if spec.set:
            raise CasimError(
                "'set' needs the scenario as a file path, not a Scenario object", where=_where(origins, ("set",), src)
            )
        scenario = scenario_obj
    else:
        scenario = _base_scenario(base_dir / spec.scenario, spec.set, origins, src)

    # the design's options
    d = spec.design
    where_design = _where(origins, ("design",), src)
    given = [k for k in DesignSpec.model_fields if k != "method" and getattr(d, k) is not None]
    for k in given:
        if k not in METHOD_OPTIONS[d.method]:
            valid = ", ".join(METHOD_OPTIONS[d.method])
            raise CasimError(
                f"design.{k} is not an option of {d.method} (its options: {valid})", where=_where(origins, ("design", k), src)
            )
    for k in REQUIRED_OPTIONS.get(d.method, ()):
        if getattr(d, k) is None:
            raise CasimError(f"design method {d.method} needs design.{k}", where=where_design)

    targets = sweepable(scenario)
    params: list[Param] = []
    csv_X = csv_source = csv_hash = None
    if d.method == "csv":
        csv_path = (base_dir / d.file) if not Path(d.file).is_absolute() else Path(d.file)
        csv, csv_hash = _read_csv(csv_path)
        csv_source = str(csv_path)
        params, csv_X = _csv_params(csv, csv_source, scenario, targets, spec.parameters, origins, src)
    else:
        if not spec.parameters:
            raise CasimError(f"a {d.method} sweep needs 'parameters': dotted path -> [low, high] or {{values: [...]}}", where=src)
        for path, value in spec.parameters.items():
            where = _where(origins, ("parameters", path), src)
            params.append(_param(str(path), value, scenario, targets, where, grid=d.method == "grid", default_levels=d.levels))
    names = [p.path for p in params]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise CasimError(
            f"parameter {sorted(dup)[0]!r} is listed twice (once in another spelling)",
            where=_where(origins, ("parameters",), src),
        )

    keep = _keep(spec.keep, scenario, _where(origins, ("keep",), src))
    notes = []
    for p in params:
        prior = scenario.space.prior_range(p.path) if p.kind != "category" else None
        if prior is not None and (p.low < prior[0] or p.high > prior[1]):
            notes.append(
                f"{p.path} is swept over [{p.low:g}, {p.high:g}], beyond its calibrated range [{prior[0]:g}, {prior[1]:g}]"
            )
    name = spec.name or (Path(source).stem if source else scenario.name + "-sweep")
    seed = scenario.seed if spec.seed is None else spec.seed
    stored = copy.deepcopy({k: v for k, v in raw.items() if k != "scenario"})
    stored["scenario"] = raw["scenario"]
    return Sweep(
        name=name,
        description=spec.description.strip(),
        scenario=scenario,
        params=tuple(params),
        design=d,
        replicates=spec.replicates,
        seed=seed,
        keep=keep,
        chunk=spec.chunk,
        source=source,
        source_hash=source_hash,
        raw=stored,
        csv_X=csv_X,
        csv_source=csv_source,
        csv_hash=csv_hash,
        notes=tuple(notes),
    )


def _base_scenario(path: Path, overrides: Mapping[str, Any], origins: dict, src: str) -> Scenario:
    """The sweep's scenario with its ``set:`` overrides; an error in an override names that key's line of the sweep file."""
    items = list(overrides.items())
    try:
        return load_scenario(path, items)
    except CasimError as e:
        key = _culprit(path, items, e) if items else None
        if key is None:
            raise
        message = str(e)
        if e.where and message.startswith(f"{e.where}: "):
            message = message[len(e.where) + 2 :]
        raise CasimError(f"set: {message}", where=_where(origins, ("set", key), src)) from None


def _culprit(path: Path, items: list[tuple[str, Any]], err: CasimError) -> str | None:
    """The ``set:`` key that makes loading fail (None when the scenario fails without any)."""
    if err.where and err.where.startswith("--set "):
        key = err.where.removeprefix("--set ")
        if key in dict(items):
            return key
    try:
        load_scenario(path)
    except CasimError:
        return None
    for n in range(1, len(items) + 1):
        try:
            load_scenario(path, items[:n])
        except CasimError:
            return items[n - 1][0]
    return None


def _keep(value, scenario: Scenario, where: str) -> tuple[str, ...] | None:
    if value == "trajectories":
        return None
    if not isinstance(value, dict) or set(value) != {"dates"} or not isinstance(value["dates"], list) or not value["dates"]:
        raise CasimError("keep must be 'trajectories' or {dates: [2026Q4, 2030Q4]} (a non-empty list of quarters)", where=where)
    dates = scenario.dates()
    out = []
    for d in value["dates"]:
        label = quarter_label(parse_quarter(d, where=where))
        if label not in dates:
            raise CasimError(f"keep.dates: {label} is outside the scenario's horizon {dates[0]}..{dates[-1]}", where=where)
        out.append(label)
    return tuple(sorted(set(out), key=dates.index))


# ---------------------------------------------------------------------------
# parameters


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
        target = "value" if slot.kind == "float" else "scenario"
        out[path] = Target(target, slot.kind, slot.bounds)
    slots = scenario.space.slots
    for sh in scenario.shocks:
        out[sh.key] = Target("value", "float", slots[sh.path].bounds)
        # a duration beyond the horizon: a pulse is the same as one over the whole horizon (and a planner of
        # one scenario per duration must stay small), so durations are capped at the number of steps
        out[f"shocks.{sh.id}.over"] = Target("shock_over", "int", (1, scenario.steps))
        out[f"shocks.{sh.id}.at"] = Target("shock_at", "quarter")
    return out


def _canonical(path: str, scenario: Scenario) -> str:
    return canonical_path(path, scenario.powers)


def _unknown(path: str, targets: Mapping[str, Target], where: str) -> CasimError:
    top = path.split(".")[0]
    if top in NOT_SWEEPABLE:
        return CasimError(f"{path!r} cannot be swept: {NOT_SWEEPABLE[top]}", where=where)
    if top == "shocks" and not any(k.startswith("shocks.") for k in targets):
        return CasimError(f"unknown parameter {path!r}: the scenario has no shocks", where=where)
    return CasimError(f"unknown parameter {path!r}{did_you_mean(path, targets)}", where=where)


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_value(path: str, t: Target, v, scenario: Scenario, where: str):
    """A listed value of a parameter, validated and normalised."""
    if t.kind == "float":
        check_bounds(path, v, t.bounds, where=where)
        return float(v)
    if t.kind == "int":
        if not (_number(v) and float(v).is_integer()):
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
        raise CasimError(f"{path}: {label} is outside the horizon; a shock falls in {dates[1]}..{dates[-1]}", where=where)
    return label


def _param(
    path: str, spec, scenario: Scenario, targets: Mapping[str, Target], where: str, *, grid: bool, default_levels
) -> Param:
    path = _canonical(path, scenario)
    t = targets.get(path)
    if t is None:
        raise _unknown(path, targets, where)
    levels = None
    if isinstance(spec, dict):
        extra = set(spec) - {"range", "values", "levels"}
        if extra:
            k = sorted(extra)[0]
            raise CasimError(f"parameters.{path}: unknown key {k!r}{did_you_mean(k, ['range', 'values', 'levels'])}", where=where)
        if ("range" in spec) == ("values" in spec):
            raise CasimError(f"parameters.{path}: give either range: [low, high] or values: [...]", where=where)
        levels = spec.get("levels")
        if levels is not None and (not isinstance(levels, int) or isinstance(levels, bool) or levels < 2):
            raise CasimError(f"parameters.{path}.levels must be a whole number of at least 2 (got {levels!r})", where=where)
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
        if not _number(v):
            raise CasimError(f"parameters.{path}: range bounds must be numbers (got {v!r})", where=where)
    if low == high:
        raise CasimError(
            f"parameters.{path}: empty range [{low}, {high}]; low must be below high (to fix a value, use 'set:')", where=where
        )
    if low > high:
        raise CasimError(
            f"parameters.{path}: inverted range [{low}, {high}]; write it as [low, high] = [{high}, {low}]", where=where
        )
    low, high = (_check_value(path, t, v, scenario, where) for v in (low, high))
    if grid:
        levels = levels or default_levels
        if levels is None:
            raise CasimError(
                f"grid: {path} needs levels; set design.levels or {{range: [{low}, {high}], levels: N}}", where=where
            )
    elif levels is not None:
        raise CasimError(f"parameters.{path}.levels applies to grid designs only", where=where)
    kind = "int" if t.kind == "int" else "float"
    return Param(path, kind, t.target, low, high, (), levels)


def _categorical(path: str, values, t: Target, scenario: Scenario, where: str) -> Param:
    if not isinstance(values, list) or not values:
        raise CasimError(f"parameters.{path}.values must be a non-empty list", where=where)
    checked = [_check_value(path, t, v, scenario, where) for v in values]
    seen = []
    for v in checked:
        if v in seen:
            raise CasimError(f"parameters.{path}.values lists {v!r} twice", where=where)
        seen.append(v)
    return Param(path, "category", t.target, values=tuple(checked))


# ---------------------------------------------------------------------------
# csv designs


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CasimError("design file not found", where=str(path)) from None
    except OSError as e:
        raise CasimError(f"cannot read design file ({e.strerror or e})", where=str(path)) from None
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=object, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise CasimError(f"not a readable CSV design: {str(e).splitlines()[0]}", where=str(path)) from None
    if df.empty or not len(df.columns):
        raise CasimError(
            "the design file has no rows; write a header of parameter paths and one row per design point", where=str(path)
        )
    return df, hashlib.sha256(data).hexdigest()


def _cell(text: str, path: str, t: Target, scenario: Scenario, where: str):
    """One CSV cell parsed and validated: a number, a quarter, or (list parameters) a YAML list of powers."""
    if text == "":
        raise CasimError(f"empty cell; every design point needs a value of {path}", where=where)
    if t.kind == "list":
        try:
            v = yaml.safe_load(text)
        except yaml.YAMLError:
            raise CasimError(f"{path}: {text!r} is not a YAML list of power names, e.g. [russia, china]", where=where) from None
    elif t.kind in ("float", "int"):
        try:
            v = float(text)
        except ValueError:
            raise CasimError(f"{path} must be a number, not {text!r}", where=where) from None
        if not math.isfinite(v):
            raise CasimError(f"{path} must be a finite number, not {text!r}", where=where)
    else:
        v = text
    return _check_value(path, t, v, scenario, where)


def _csv_params(
    df: pd.DataFrame, source: str, scenario: Scenario, targets, declared: Mapping, origins, src
) -> tuple[list[Param], np.ndarray]:
    """The parameters of a csv design and its matrix of codes (numbers as they are, categories as their index)."""
    declared = {_canonical(str(k), scenario): (k, v) for k, v in declared.items()}
    columns = [_canonical(str(c).strip(), scenario) for c in df.columns]
    params = []
    X = np.empty((len(df), len(columns)))
    for j, (col, path) in enumerate(zip(df.columns, columns, strict=True)):
        t = targets.get(path)
        if t is None:
            raise _unknown(path, targets, f"{source}: column {col!r}")
        values = [
            _cell(str(cell).strip(), path, t, scenario, f"{source}:{i + 2}, column {col!r}") for i, cell in enumerate(df[col].tolist())
        ]
        if path in declared:
            key, spec = declared[path]
            dp = _param(path, spec, scenario, targets, _where(origins, ("parameters", key), src), grid=False, default_levels=None)
            for i, v in enumerate(values):
                bad = (v not in dp.values) if dp.kind == "category" else not (dp.low <= v <= dp.high)
                if bad:
                    allowed = list(dp.values) if dp.kind == "category" else f"[{dp.low}, {dp.high}]"
                    raise CasimError(
                        f"{path} = {v!r} is outside the sweep's declared {allowed}", where=f"{source}:{i + 2}, column {col!r}"
                    )
        if t.kind in ("float", "int"):
            kind = "int" if t.kind == "int" else "float"
            params.append(Param(path, kind, t.target, min(values), max(values)))
            X[:, j] = values
        else:
            index: dict[str, int] = {}
            levels: list = []
            for v in values:
                k = json.dumps(v)
                if k not in index:
                    index[k] = len(levels)
                    levels.append(v)
            params.append(Param(path, "category", t.target, values=tuple(levels)))
            X[:, j] = [index[json.dumps(v)] for v in values]
    missing = [k for k, _ in declared.values() if _canonical(str(k), scenario) not in columns]
    if missing:
        raise CasimError(f"parameter {missing[0]!r} is declared but the design file has no such column", where=source)
    return params, X


# ---------------------------------------------------------------------------
# applying grouped parameters


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
