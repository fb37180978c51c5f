"""Sweep files: loading one and validating it against its scenario into a :class:`Sweep`.

A sweep file names the scenario it starts from, the parameters it varies (by
the same dotted paths as ``--set``), a design, replicates, a base seed and
what to keep. Its keys are checked by the schema (:mod:`casim.sweep.schema`),
its parameters by :mod:`casim.sweep.parameters` (or, for a csv design, by
:mod:`casim.sweep.csv_design`); every failure is a :class:`CasimError` naming
the file, the line and the key.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
from pydantic import ValidationError

from .. import yamlfile
from ..errors import CasimError
from ..posterior import Posterior
from ..posterior import load as load_posterior
from ..quarters import parse_quarter, quarter_label
from ..scenario import Scenario, canonical_path, load_scenario
from .csv_design import csv_params, read_design_csv
from .parameters import Param, parse_param, sweepable
from .schema import METHOD_OPTIONS, REQUIRED_OPTIONS, DesignSpec, SweepFile, schema_error


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
    posterior: Posterior | None = field(default=None, compare=False, repr=False)  # None: the point values
    posterior_rows: np.ndarray | None = field(default=None, compare=False, repr=False)  # the draws' rows in it

    @property
    def draws(self) -> int:
        """Posterior draws per design point (1 when the sweep runs the point values)."""
        return 1 if self.posterior_rows is None else len(self.posterior_rows)

    @property
    def runs_per_point(self) -> int:
        """Runs per design point: draws x replicates."""
        return self.draws * self.replicates

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


def load_sweep(path: str | Path) -> Sweep:
    """Load and validate a sweep file (its scenario path is relative to the file)."""
    path = Path(path)
    doc = yamlfile.read(path, what="a sweep file (schema, scenario, parameters, design)")
    digest = doc.sha256  # of the bytes parsed: the file is not read a second time
    return resolve_sweep(doc.data, doc.origins, source=str(path), base_dir=path.parent, source_hash=digest)


def sweep_from_dict(raw: Mapping[str, Any], base_dir: str | Path = ".") -> Sweep:
    """A sweep from a mapping in the file format; ``scenario`` may be a path or a :class:`Scenario`."""
    raw = dict(raw)
    scenario = raw.get("scenario")
    hashable = dict(raw)
    if isinstance(scenario, Scenario):
        hashable["scenario"] = scenario.to_dict()
    digest = hashlib.sha256(json.dumps(hashable, sort_keys=True, default=str).encode()).hexdigest()
    return resolve_sweep(raw, {}, source=None, base_dir=Path(base_dir), source_hash=digest)


def to_sweep(spec: str | Path | Mapping | Sweep) -> Sweep:
    """A sweep from a file path, a mapping in the file format (see :func:`sweep_from_dict`) or a :class:`Sweep`."""
    if isinstance(spec, str | Path):
        return load_sweep(spec)
    if isinstance(spec, Mapping):
        return sweep_from_dict(spec)
    if not isinstance(spec, Sweep):
        raise CasimError(f"a sweep is a file path, a mapping or a Sweep, not {type(spec).__name__}")
    return spec


def resolve_sweep(raw: dict, origins: dict, *, source: str | None, base_dir: Path, source_hash: str) -> Sweep:
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
        raise schema_error(err, origins, src) from None

    # the scenario
    if scenario_obj is not None:
        if spec.set:
            raise CasimError(
                "'set' needs the scenario as a file path, not a Scenario object",
                where=yamlfile.where(origins, ("set",), src),
            )
        scenario = scenario_obj
    else:
        scenario = _base_scenario(base_dir / spec.scenario, spec.set, origins, src)

    # the design's options
    d = spec.design
    where_design = yamlfile.where(origins, ("design",), src)
    given = [k for k in DesignSpec.model_fields if k != "method" and getattr(d, k) is not None]
    for k in given:
        if k not in METHOD_OPTIONS[d.method]:
            valid = ", ".join(METHOD_OPTIONS[d.method])
            raise CasimError(
                f"design.{k} is not an option of {d.method} (its options: {valid})",
                where=yamlfile.where(origins, ("design", k), src),
            )
    for k in REQUIRED_OPTIONS.get(d.method, ()):
        if getattr(d, k) is None:
            raise CasimError(f"design method {d.method} needs design.{k}", where=where_design)

    targets = sweepable(scenario)
    params: list[Param] = []
    csv_X = csv_source = csv_hash = None
    if d.method == "csv":
        file = cast(str, d.file)  # required for method csv: checked above
        csv_path = (base_dir / file) if not Path(file).is_absolute() else Path(file)
        csv, csv_hash = read_design_csv(csv_path)
        csv_source = str(csv_path)
        params, csv_X = csv_params(csv, csv_source, scenario, targets, spec.parameters, origins, src)
    else:
        if not spec.parameters:
            raise CasimError(
                f"a {d.method} sweep needs 'parameters': dotted path -> [low, high] or {{values: [...]}}", where=src
            )
        for path, value in spec.parameters.items():
            where = yamlfile.where(origins, ("parameters", path), src)
            grid = d.method == "grid"
            params.append(parse_param(str(path), value, scenario, targets, where, grid=grid, default_levels=d.levels))
    names = [p.path for p in params]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise CasimError(
            f"parameter {sorted(dup)[0]!r} is listed twice (once in another spelling)",
            where=yamlfile.where(origins, ("parameters",), src),
        )

    keep = _keep(spec.keep, scenario, yamlfile.where(origins, ("keep",), src))
    notes = []
    for p in params:
        prior = scenario.space.prior_range(p.path) if p.kind != "category" else None
        if prior is not None and (p.low < prior[0] or p.high > prior[1]):
            notes.append(
                f"{p.path} is swept over [{p.low:g}, {p.high:g}], "
                f"beyond its calibrated range [{prior[0]:g}, {prior[1]:g}]"
            )
    name = spec.name or (Path(source).stem if source else scenario.name + "-sweep")
    seed = scenario.seed if spec.seed is None else spec.seed
    post, rows = None, None
    if spec.posterior is not None:
        post = _posterior(spec.posterior.file, base_dir, yamlfile.where(origins, ("posterior", "file"), src))
        _check_not_drawn(post, scenario, params, spec, origins, src, csv_source)
        rows = post.rows(spec.posterior.draws, seed)
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
        posterior=post,
        posterior_rows=rows,
    )


DRAWN = (
    "the posterior draws this parameter; a sweep over posterior draws varies levers only: drop it from "
    "'{section}' or drop 'posterior'"
)


def _posterior(file: str, base_dir: Path, where: str) -> Posterior:
    """The posterior a sweep file's ``posterior.file`` names: the shipped one, or a folder or draws file relative to
    the sweep file."""
    if file == "shipped":
        return load_posterior(None)
    path = Path(file) if Path(file).is_absolute() else base_dir / file
    try:
        return load_posterior(str(path))
    except CasimError as e:
        message = str(e)
        if e.where and message.startswith(f"{e.where}: "):
            message = message[len(e.where) + 2 :]
        raise CasimError(f"posterior.file {file}: {message}", where=where) from None


def _check_not_drawn(
    post: Posterior,
    scenario: Scenario,
    params: list[Param],
    spec: SweepFile,
    origins: dict,
    src: str,
    csv_source: str | None,
) -> None:
    """Refuse a swept parameter or a ``set:`` key that the posterior draws (its draw would replace the value)."""
    drawn = set(post.model_values(scenario.states))
    for key in spec.set:
        if canonical_path(str(key), scenario.powers) in drawn:
            where = yamlfile.where(origins, ("set", key), src)
            raise CasimError(f"set: {key}: " + DRAWN.format(section="set"), where=where)
    for key, _ in scenario.overrides:  # a Scenario object loaded with --set overrides
        if canonical_path(str(key), scenario.powers) in drawn and key not in spec.set:
            raise CasimError(f"{key}: " + DRAWN.format(section="the scenario's overrides"), where=src)
    by_path = {}
    if csv_source is None:
        by_path = {p.path: key for p, key in zip(params, spec.parameters, strict=True)}
    for p in params:
        if p.path in drawn:
            key = by_path.get(p.path, p.path)
            if csv_source is not None:
                raise CasimError(f"design column {key}: " + DRAWN.format(section="the design file"), where=csv_source)
            where = yamlfile.where(origins, ("parameters", key), src)
            raise CasimError(f"parameters: {key}: " + DRAWN.format(section="parameters"), where=where)
    post.check_scenario(scenario)  # the scenario's own files: a value or a shock of a drawn parameter


def _base_scenario(path: Path, overrides: Mapping[str, Any], origins: dict, src: str) -> Scenario:
    """The sweep's scenario with its ``set:`` overrides; an error in an override names that key's line of the sweep
    file."""
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
        raise CasimError(f"set: {message}", where=yamlfile.where(origins, ("set", key), src)) from None


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
    if (
        not isinstance(value, dict)
        or set(value) != {"dates"}
        or not isinstance(value["dates"], list)
        or not value["dates"]
    ):
        raise CasimError(
            "keep must be 'trajectories' or {dates: [2026Q4, 2030Q4]} (a non-empty list of quarters)", where=where
        )
    dates = scenario.dates()
    out = []
    for d in value["dates"]:
        label = quarter_label(parse_quarter(d, where=where))
        if label not in dates:
            raise CasimError(
                f"keep.dates: {label} is outside the scenario's horizon {dates[0]}..{dates[-1]}", where=where
            )
        out.append(label)
    return tuple(sorted(set(out), key=dates.index))
