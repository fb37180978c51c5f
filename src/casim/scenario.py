"""Scenario files: the schema, YAML loading, ``extends:``, dotted overrides and shocks.

A scenario file is read with ``yaml.safe_load`` semantics, merged with the
files it extends, overridden by ``--set KEY=VALUE`` pairs, validated by a
strict pydantic schema and resolved against the calibration defaults into one
frozen :class:`Scenario`. Every failure is a :class:`CasimError` naming the
file, the line and the key.

Longer than 400 lines: the schema, the ``extends`` merge, ``--set`` overrides and the
resolution against the defaults share the key paths and line origins that every error
message names; split, each part would re-derive them.
"""

from __future__ import annotations

import copy
import datetime as _dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, create_model, model_validator

from . import columns, shipped, sources, yamlfile
from .errors import CasimError, did_you_mean
from .params import BOUNDS, INF, NONNEGATIVE, POWER_SCALARS, ParameterSpace
from .quarters import parse_quarter, quarter_label, quarter_of
from .strictfile import StrictModel, first_error

SCHEMA_VERSION = 1
_DATA = sources.load()
STATES = _DATA.states
CHANNELS = _DATA.channels
RESERVED = {
    "region",
    "model",
    "shocks",
    "powers",
    "states",
    "schema",
    "extends",
    "name",
    "description",
    "start",
    "end",
    "seed",
    "replicates",
    *STATES,
}  # would clash with dotted paths


_Strict = StrictModel  # the shared strict base: YAML's own types only (no "0.5" or true for a number); no inf or nan


def _bounded(name: str, description: str | None = None, typ: type = float):
    """An optional number within the hard bounds ``params.BOUNDS`` gives that name (the one source of bounds)."""
    lo, hi = BOUNDS.get(name, NONNEGATIVE)
    kw: dict[str, Any] = {"ge": lo}
    if hi != INF:
        kw["le"] = hi
    return Annotated[typ | None, Field(description=description, **kw)]


def _number(name: str, description: str | None = None):
    """A field spec for ``create_model``: bounded, default None (= the calibration default)."""
    return (_bounded(name, description), None)


def _map(name: str, keys: Iterable[str], value_type, doc: str):
    fields: dict[str, Any] = {k: (value_type | None, None) for k in keys}
    return create_model(name, __base__=_Strict, __doc__=doc, **fields)


_Share = Annotated[float, Field(ge=BOUNDS["exposure"][0], le=BOUNDS["exposure"][1])]
_NonNeg = Annotated[float, Field(ge=0.0)]
ChannelShares = _map("ChannelShares", CHANNELS, _Share, "Exposure share per channel, each in [0, 1].")
ChannelValues = _map("ChannelValues", CHANNELS, _NonNeg, "A non-negative value per channel.")
StateExposure = _map("StateExposure", STATES, ChannelShares, "Exposure per state (ISO3) and channel.")
StateShares = _map("StateShares", STATES, _Share, "A share in [0, 1] per state (ISO3).")
StateValues = _map("StateValues", STATES, _NonNeg, "A non-negative value per state (ISO3).")
StateTies = _map("StateTies", STATES, StateValues, "Directed tie weight from a state (row) to another.")

PowerSpec = create_model(
    "PowerSpec",
    __base__=_Strict,
    __doc__="A power's levers, responses and (for a power not in the data) its exposures.",
    **{k: _number(k, f"{k} (default {v} for a power the data do not set)") for k, v in POWER_SCALARS.items()},
    **{c: _number(c, f"lever on the {c} channel (multiplier, default 1)") for c in CHANNELS},
    sanctions_target=(list[str] | None, None),
    exposure=(StateExposure | None, None),
    transit=(StateShares | None, None),
)


class StateSpec(_Strict):
    """Per-state parameters (doctrine, sensitivities, channel intensities)."""

    stubbornness: _bounded("stubbornness", "weight of the doctrinal anchor") = None  # type: ignore[valid-type]
    backlash: _bounded("backlash") = None  # type: ignore[valid-type]
    reputation: _bounded("reputation") = None  # type: ignore[valid-type]
    temperature: _bounded("temperature", "hedging propensity multiplier") = None  # type: ignore[valid-type]
    afghan_border: _bounded("afghan_border") = None  # type: ignore[valid-type]
    intensity: ChannelValues | None = None  # type: ignore[valid-type]


StatesSpec = _map("StatesSpec", STATES, StateSpec, "Per-state parameters, keyed by ISO3 code.")


class RegionSpec(_Strict):
    integration: _bounded("integration") = None  # type: ignore[valid-type]
    afghan_threat: _bounded("afghan_threat") = None  # type: ignore[valid-type]
    ties: StateTies | None = None  # type: ignore[valid-type]


class ModelSpec(_Strict):
    presence: _bounded("presence", "summed exposure at which a power is a full option") = None  # type: ignore[valid-type]
    inertia: _bounded("inertia") = None  # type: ignore[valid-type]
    temperature: _bounded("temperature") = None  # type: ignore[valid-type]
    noise: _bounded("noise") = None  # type: ignore[valid-type]
    coupling: _bounded("coupling") = None  # type: ignore[valid-type]
    autonomy: _bounded("autonomy") = None  # type: ignore[valid-type]
    sanctions_weight: _bounded("sanctions_weight") = None  # type: ignore[valid-type]
    reputation: _bounded("reputation") = None  # type: ignore[valid-type]
    reexport_rent: _bounded("reexport_rent", "gain of a sanctioned power's trade lever per unit of sanctions") = None  # type: ignore[valid-type]
    response_decay: _bounded("response_decay") = None  # type: ignore[valid-type]
    spinup: _bounded("spinup", typ=int) = None  # type: ignore[valid-type]
    weights: ChannelValues | None = None  # type: ignore[valid-type]


def _not_a_date(value: object) -> object:
    """A quarter label as given; a calendar date (YAML reads ``2025-04-01`` as one) is an error naming its quarter."""
    if isinstance(value, _dt.date):
        raise ValueError(f"{value} is a calendar date, not a quarter; write it like {quarter_of(value)}")
    return value


Quarter = Annotated[str, BeforeValidator(_not_a_date)]  # "2024Q1"


class ShockSpec(_Strict):
    # kept on one line: this docstring is the model's description in the JSON schema (casim schema)
    """A scheduled change: ``set`` (step), ``ramp`` (linear over ``over`` quarters) or ``pulse`` (for ``over`` quarters)."""  # noqa: E501

    at: Quarter = Field(description="quarter the shock starts, e.g. 2024Q1")
    set: dict[str, float] | None = None
    ramp: dict[str, float] | None = None
    pulse: dict[str, float] | None = None
    over: Annotated[
        int | None, Field(ge=1, description="quarters a ramp takes or a pulse lasts (required for both)")
    ] = None
    id: str | None = Field(default=None, description="name used to sweep the shock's values: shocks.<id>.<path>")
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        kinds = [k for k in ("set", "ramp", "pulse") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a shock needs exactly one of set, ramp or pulse")
        if kinds[0] != "set" and self.over is None:
            lasts = "takes to reach its value" if kinds[0] == "ramp" else "lasts before the value returns"
            raise ValueError(f"a {kinds[0]} needs 'over': the quarters it {lasts}, e.g. over: 4")
        return self


class ScenarioFile(_Strict):
    """The schema of a casim scenario file (after ``extends`` is merged)."""

    schema_: Literal[1] = Field(alias="schema", description="schema version; 1")
    name: str = Field(description=f"the scenario's name: {columns.NAME_RULE}")
    description: str = ""
    start: Quarter = "2023Q1"
    end: Quarter = "2030Q4"
    seed: Annotated[int, Field(ge=0)] = 0
    replicates: Annotated[int, Field(ge=1)] = 1
    powers: dict[str, PowerSpec] = Field(default_factory=dict)  # type: ignore[valid-type]
    states: StatesSpec | None = None  # type: ignore[valid-type]
    region: RegionSpec | None = None
    model: ModelSpec | None = None
    shocks: list[ShockSpec] = Field(default_factory=list)


def json_schema() -> dict:
    """JSON Schema of scenario files, for editors (``casim schema``)."""
    schema = ScenarioFile.model_json_schema(by_alias=True)
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "a scenario file this one overrides (path relative to this file)",
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "casim scenario"
    return schema


# ---------------------------------------------------------------------------
# resolved scenario


@dataclass(frozen=True)
class Shock:
    """One resolved change of one parameter: applied from ``step`` (1-based model step)."""

    id: str
    kind: Literal["set", "ramp", "pulse"]
    path: str
    value: float
    step: int
    over: int

    @property
    def key(self) -> str:
        """The sweepable path of this shock's value."""
        return f"shocks.{self.id}.{self.path}"


@dataclass(frozen=True)
class Scenario:
    """A validated, fully resolved scenario: every parameter has a value."""

    name: str
    description: str
    start: str
    end: str
    seed: int
    replicates: int
    powers: tuple[str, ...]
    values: Mapping[str, object]
    shocks: tuple[Shock, ...] = ()
    source: str | None = None
    source_hash: str | None = None
    overrides: tuple[tuple[str, object], ...] = field(default=())
    sources: tuple[tuple[str, str], ...] = ()  # (path, sha256) of the file and each file it extends

    @property
    def steps(self) -> int:
        """Number of quarterly updates from start to end."""
        return parse_quarter(self.end) - parse_quarter(self.start)

    @property
    def space(self) -> ParameterSpace:
        return parameter_space(self.powers)

    @property
    def states(self) -> tuple[str, ...]:
        return STATES

    def dates(self) -> list[str]:
        q0 = parse_quarter(self.start)
        return [quarter_label(q0 + t) for t in range(self.steps + 1)]

    def with_values(self, **changes) -> Scenario:
        """A copy with some fields changed: seed, replicates, name, values or shocks.

        The horizon (start, end) cannot change here: shocks are stored as
        steps from the start, so a new horizon must go through validation
        (load the file again with ``--set start=...``).
        """
        allowed = {"seed", "replicates", "name", "values", "shocks"}
        if set(changes) - allowed:
            raise ValueError(f"with_values changes only {sorted(allowed)}, not {sorted(set(changes) - allowed)}")
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """Everything needed to reproduce the scenario, JSON-ready (for manifests)."""
        return {
            "name": self.name,
            "description": self.description,
            "start": self.start,
            "end": self.end,
            "seed": self.seed,
            "replicates": self.replicates,
            "powers": list(self.powers),
            "parameters": dict(self.values),
            "shocks": [s.__dict__ for s in self.shocks],
            "source": self.source,
            "source_sha256": self.source_hash,
            "files": dict(self.sources),
            "overrides": [list(o) for o in self.overrides],
        }


@lru_cache(maxsize=32)
def parameter_space(powers: tuple[str, ...]) -> ParameterSpace:
    """The (cached) parameter space of a model with these powers."""
    return ParameterSpace(powers)


# ---------------------------------------------------------------------------
# YAML reading with line numbers


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if v is None and isinstance(out.get(k), dict):
            continue  # an empty block (`model:` with its keys commented out) changes nothing
        if k == "shocks" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = out[k] + copy.deepcopy(v)
        elif isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


MAX_EXTENDS = 32  # files in one 'extends' chain (the shipped scenarios use 2)


def _real(path: Path) -> Path:
    """The path with symbolic links resolved; a link loop stays as given (reading it is then a one-line error)."""
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # missing, unreadable, a symlink loop (RuntimeError before 3.13), NUL
        return path


def _load_chain(
    path: Path, seen: tuple[Path, ...] = (), files: list[tuple[Path, str]] | None = None
) -> yamlfile.Document:
    """The file merged over the files it extends; ``files`` collects every file read (and its SHA-256), the first one
    first."""
    path = _real(path)
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise CasimError(f"'extends' makes a cycle: {chain}", where=str(seen[-1]))
    if len(seen) >= MAX_EXTENDS:
        raise CasimError(f"'extends' chains more than {MAX_EXTENDS} files", where=str(seen[-1]))
    doc = yamlfile.read(path, what="a scenario file (at least 'schema: 1' and 'name')")
    if files is not None:
        files.append((path, doc.sha256))
    parent_ref = doc.data.pop("extends", None)
    if parent_ref is None:
        return doc
    where = doc.origins.get(("extends",), str(path))
    if not isinstance(parent_ref, str) or not parent_ref.strip() or "\0" in parent_ref:
        raise CasimError("'extends' must be a file path", where=where)
    parent_path = _real(path.parent / parent_ref)
    if not parent_path.exists() and not parent_path.is_symlink():
        raise CasimError(f"'extends' names a missing file: {parent_ref}", where=where)
    parent = _load_chain(parent_path, (*seen, path), files)
    merged = _merge(parent.data, doc.data)
    origins = dict(parent.origins)
    shock_offset = len(parent.data.get("shocks") or [])
    for key, line in doc.origins.items():
        if key and key[0] == "shocks" and len(key) > 1 and isinstance(key[1], int):
            key = ("shocks", key[1] + shock_offset, *key[2:])
        origins[key] = line
    return yamlfile.Document(merged, origins)


# ---------------------------------------------------------------------------
# dotted paths


def nested_key(path: str, powers: Iterable[str] = ()) -> list[str]:
    """The nested location of a dotted path: ``west.sanctions`` -> powers/west/sanctions."""
    parts = path.split(".")
    top = parts[0]
    if top in ScenarioFile.model_fields or top == "schema":
        return parts
    if top in STATES:
        return ["states", *parts]
    if top in ("region", "model"):
        return parts
    if top in _DATA.known_powers or top in powers:
        return ["powers", *parts]
    raise CasimError(
        f"unknown parameter {path!r}: it must start with a power, a state (ISO3), region or model"
        + did_you_mean(top, [*_DATA.known_powers, *powers, *STATES, "region", "model"]),
    )


def _parse_value(key: str, text: str):
    """A ``--set`` value read as YAML (``0.8`` a number, ``[russia]`` a list), with casim's YAML rules."""
    try:
        return yamlfile.value(text)
    except CasimError as e:
        raise CasimError(f"--set {key}={text}: {e}") from None


def apply_overrides(data: dict, overrides: Iterable[tuple[str, object]], origins: dict) -> dict:
    """Write dotted ``KEY=VALUE`` overrides into a raw scenario mapping."""
    out = copy.deepcopy(data)
    if not isinstance(out.get("powers") or {}, dict):
        raise CasimError(
            "'powers' must be a mapping of power names", where=yamlfile.where(origins, ("powers",), "<scenario>")
        )
    powers = list((out.get("powers") or {}).keys())
    for key, value in overrides:
        if value is None or (isinstance(value, str) and not value.strip()):  # not "the default": the file has a value
            raise CasimError(
                "empty value; write KEY=VALUE (leave the key out to keep the scenario's own value)",
                where=f"--set {key}",
            )
        parts = nested_key(key, powers)
        node = out
        for i, p in enumerate(parts[:-1]):
            if node.get(p) is None:
                node[p] = {}
            elif not isinstance(node[p], dict):
                inside = ".".join(parts[: i + 1])
                raise CasimError(f"--set {key}: cannot set a key inside {inside}, which is a {type(node[p]).__name__}")
            node = node[p]
        node[parts[-1]] = _parse_value(key, value) if isinstance(value, str) else value
        origins[tuple(parts)] = f"--set {key}"
    return out


def parse_set(items: Iterable[str]) -> list[tuple[str, str]]:
    """``["west.sanctions=0.8"]`` -> ``[("west.sanctions", "0.8")]``."""
    out = []
    for item in items:
        if "=" not in item:
            raise CasimError(f"--set {item!r}: write KEY=VALUE, e.g. --set west.sanctions=0.8")
        k, v = item.split("=", 1)
        out.append((k.strip(), v.strip()))
    return out


# ---------------------------------------------------------------------------
# validation errors -> one line


def _noun(parent: tuple) -> str:
    """What an unknown key under ``parent`` is: a state, a channel, a power or a key."""
    if parent and parent[-1] in ("states", "exposure", "transit", "ties") or parent[-2:-1] == ("ties",):
        return "state"
    if parent[-2:-1] == ("exposure",) or parent[-1:] in (("intensity",), ("weights",)):
        return "channel"
    if parent == ("powers",):
        return "power"
    return "key"


SWEEP_KEYS = ("design", "parameters")  # with 'scenario', what makes a file a sweep file (casim.sweep.schema)


def top_keys(err: ValidationError) -> set[str]:
    """The top-level keys of the mapping a failed validation read, as far as its errors show them."""
    keys = set()
    for e in err.errors():
        loc = e["loc"]
        if len(loc) == 1 and e["type"] == "extra_forbidden":
            keys.add(str(loc[0]))
        elif len(loc) == 1 and e["type"] == "missing" and isinstance(e.get("input"), dict):
            keys |= {str(k) for k in e["input"]}
    return keys


def _first_error(err: ValidationError, origins: dict, source: str) -> CasimError:
    keys = top_keys(err)
    if "scenario" in keys and keys & set(SWEEP_KEYS):
        given = ", ".join(repr(k) for k in ("scenario", *SWEEP_KEYS) if k in keys)
        return CasimError(
            f"this is a sweep file (it has {given}), not a scenario file: run it with `casim sweep {source}` "
            f"(`casim sweep {source} --dry-run` checks it without running)",
            where=source,
        )
    return first_error(
        err, origins, source, root=ScenarioFile, reads=f"schema {SCHEMA_VERSION}", noun=_noun, validator_prefix=True
    )


# ---------------------------------------------------------------------------
# resolving


def _flatten(spec: BaseModel | dict | None, prefix: str, out: dict) -> None:
    if spec is None:
        return
    items = spec.items() if isinstance(spec, dict) else ((k, getattr(spec, k)) for k in type(spec).model_fields)
    for k, v in items:
        if v is None:
            continue
        path = f"{prefix}.{k}" if prefix else k
        if isinstance(v, BaseModel | dict):
            _flatten(v, path, out)
        else:
            out[path] = v


def resolve(
    raw: dict,
    origins: dict | None = None,
    *,
    source: str = "<scenario>",
    source_hash: str | None = None,
    overrides: tuple = (),
    sources: tuple = (),
) -> Scenario:
    """Validate a raw scenario mapping and resolve it against the calibration defaults."""
    origins = origins or {}
    powers_raw = raw.get("powers") or {}
    if isinstance(powers_raw, dict):
        for p, spec in powers_raw.items():
            where = yamlfile.where(origins, ("powers", p), source)
            if p in columns.RESERVED:  # a power is a column of every results table: it must not replace another
                raise CasimError(
                    f"powers.{p}: power name {p!r} is taken by a column of casim's tables; "
                    f"reserved: {', '.join(sorted(columns.RESERVED))}",
                    where=where,
                )
            if not isinstance(p, str) or not p.isidentifier() or p != p.lower() or p in RESERVED:
                raise CasimError(
                    f"power name {p!r} must be a lower-case identifier, not a state or section name", where=where
                )
            if p not in _DATA.known_powers and not (isinstance(spec, dict) and "exposure" in spec):
                raise CasimError(
                    f"unknown power {p!r}{did_you_mean(p, _DATA.known_powers)} "
                    "(to add a new power, give its 'exposure' per state and channel)",
                    where=where,
                )
    try:
        spec = ScenarioFile.model_validate(raw)
    except ValidationError as err:
        raise _first_error(err, origins, source) from None
    bad_name = columns.name_problem(spec.name)
    if bad_name:
        raise CasimError(f"name {spec.name!r}: {bad_name}", where=yamlfile.where(origins, ("name",), source))

    powers = tuple(_DATA.default_powers) + tuple(p for p in spec.powers if p not in _DATA.default_powers)
    space = parameter_space(powers)
    given: dict[str, object] = {}
    for p, pspec in spec.powers.items():
        _flatten(pspec, p, given)
    if spec.states is not None:
        _flatten(spec.states, "", given)
    _flatten(spec.region, "region", given)
    _flatten(spec.model, "model", given)
    values = dict(space.defaults)
    for path, v in given.items():
        if path not in space.slots:  # the schema allows it, the model has no such cell: a state's tie to itself
            loc = tuple(nested_key(path, powers))
            raise CasimError(f"{path}: a state has no tie to itself", where=yamlfile.where(origins, loc, source))
        values[path] = tuple(v) if isinstance(v, list) else v
    for p in powers:
        for target in cast("tuple[str, ...]", values[f"{p}.sanctions_target"]):  # a list slot: power names
            if target not in powers:
                where = yamlfile.where(origins, ("powers", p, "sanctions_target"), source)
                raise CasimError(
                    f"{p}.sanctions_target names unknown power {target!r}{did_you_mean(target, powers)}", where=where
                )

    start_q = parse_quarter(spec.start, where=yamlfile.where(origins, ("start",), source))
    end_q = parse_quarter(spec.end, where=yamlfile.where(origins, ("end",), source))
    for key, q in (("start", start_q), ("end", end_q)):
        if q < parse_quarter("1000Q1"):  # labels are four-digit years; "0999Q1" would come back as "999Q1"
            raise CasimError(
                f"{key} {getattr(spec, key)}: the year must be from 1000 to 9999",
                where=yamlfile.where(origins, (key,), source),
            )
    if end_q <= start_q:
        raise CasimError(
            f"end {spec.end} must come after start {spec.start}", where=yamlfile.where(origins, ("end",), source)
        )
    shocks = []
    ids = set()
    for i, sh in enumerate(spec.shocks):
        where = yamlfile.where(origins, ("shocks", i), source)
        q = parse_quarter(sh.at, where=where)
        if not start_q < q <= end_q:
            raise CasimError(
                f"shock date {sh.at} is outside the horizon: it must fall in "
                f"{quarter_label(start_q + 1)}..{quarter_label(end_q)}",
                where=where,
            )
        kinds: tuple[Literal["set", "ramp", "pulse"], ...] = ("set", "ramp", "pulse")
        kind = next(k for k in kinds if getattr(sh, k) is not None)
        sid = sh.id or str(i + 1)
        if sid in ids:
            raise CasimError(f"duplicate shock id {sid!r}", where=where)
        ids.add(sid)
        for key, value in getattr(sh, kind).items():
            path = canonical_path(key, powers)
            if path not in space.slots:
                raise CasimError(
                    f"shock changes unknown parameter {key!r}{did_you_mean(path, space.slots)}", where=where
                )
            slot = space.slots[path]
            if not slot.shockable:
                raise CasimError(f"shock cannot change {key!r}: only numeric parameters change over time", where=where)
            check_bounds(path, value, slot.bounds, where=where)
            shocks.append(Shock(sid, kind, path, float(value), q - start_q, sh.over or 1))

    return Scenario(
        name=spec.name,
        description=spec.description.strip(),
        start=quarter_label(start_q),
        end=quarter_label(end_q),
        seed=spec.seed,
        replicates=spec.replicates,
        powers=powers,
        values=MappingProxyType(values),
        shocks=tuple(shocks),
        source=source,
        source_hash=source_hash,
        overrides=tuple(overrides),
        sources=tuple(sources),
    )


def canonical_path(key: str, powers: Iterable[str]) -> str:
    """``powers.west.sanctions`` and ``states.KAZ.x`` -> the short form ``west.sanctions``, ``KAZ.x``."""
    parts = key.split(".")
    if parts[0] in ("powers", "states") and len(parts) > 1:
        return ".".join(parts[1:])
    return key


def check_bounds(path: str, value, bounds: tuple[float, float], *, where: str | None = None) -> None:
    lo, hi = bounds
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CasimError(f"{path} must be a number, not {value!r}", where=where)
    if not lo <= value <= hi:
        hi_s = "∞" if hi == INF else f"{hi:g}"
        raise CasimError(f"{path} = {value!r} is out of range [{lo:g}, {hi_s}]", where=where)


def load_scenario(path: str | Path, overrides: Iterable[tuple[str, object]] | Mapping[str, object] = ()) -> Scenario:
    """Load, merge (``extends``), override (dotted ``KEY=VALUE``) and validate a scenario file.

    ``path`` may also be the bare name of a shipped scenario (``"baseline"``).
    """
    path = shipped.scenario_file(str(path)) if shipped.is_name(path) else Path(path)
    if isinstance(overrides, Mapping):
        overrides = list(overrides.items())
    overrides = tuple(overrides)
    files: list[tuple[Path, str]] = []
    doc = _load_chain(path, files=files)
    data = apply_overrides(doc.data, overrides, doc.origins) if overrides else doc.data
    sources = tuple((str(f), digest) for f, digest in files)  # the bytes that were parsed, not a second read
    chain = hashlib.sha256("".join(digest for _, digest in sources).encode()).hexdigest()
    return resolve(data, doc.origins, source=str(path), source_hash=chain, overrides=overrides, sources=sources)


def scenario_from_dict(raw: dict, overrides: Iterable[tuple[str, object]] = ()) -> Scenario:
    """A scenario from a mapping with the file format (for notebooks and tests)."""
    overrides = tuple(overrides)
    origins: dict = {}
    data = apply_overrides(raw, overrides, origins) if overrides else raw
    return resolve(copy.deepcopy(data), origins, source="<dict>", overrides=overrides)


__all__ = [
    "Scenario",
    "ScenarioFile",
    "Shock",
    "apply_overrides",
    "json_schema",
    "load_scenario",
    "parse_set",
    "scenario_from_dict",
]
