"""The sweep-file schema: the strict pydantic models of a sweep file's keys and design options, and their errors.

A sweep file is validated as strictly as a scenario file (the same
:class:`casim.strictfile.StrictModel` base): unknown keys and values of the
wrong type are each a :class:`CasimError` naming the file, the line and the
key (:func:`schema_error`). What the keys mean against a scenario is checked
by :mod:`casim.sweep.spec`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from ..columns import NAME_RULE, name_problem
from ..errors import CasimError
from ..scenario import top_keys
from ..strictfile import StrictModel, first_error

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


class DesignSpec(StrictModel):
    """How the design points are made; which options apply depends on the method."""

    method: Literal["grid", "lhs", "sobol", "morris", "csv"]
    n: Annotated[
        int | None, Field(ge=1, description="lhs: points; sobol: base sample (a power of 2); morris: trajectories")
    ] = None
    seed: Annotated[
        int | None, Field(ge=0, description="seed of the design's own randomness (default: the sweep's seed)")
    ] = None
    levels: Annotated[int | None, Field(ge=2, description="grid: levels of each range")] = None
    file: str | None = Field(
        default=None, description="csv: the design file, one row a design point (path relative to the sweep file)"
    )
    second_order: bool | None = Field(
        default=None, description="sobol: also sample for second-order indices (default true)"
    )
    scramble: bool | None = Field(default=None, description="sobol: scramble the Sobol' sequence (default true)")
    num_levels: Annotated[int | None, Field(ge=2, description="morris: grid levels, even (default 4)")] = None
    optimal_trajectories: Annotated[
        int | None, Field(ge=2, description="morris: keep this many optimal trajectories")
    ] = None
    local_optimization: bool | None = None


class PosteriorSpec(StrictModel):
    """Which posterior a sweep draws its uncertain parameters from, and how many of its draws."""

    file: str = Field(
        default="shipped",
        description="'shipped' (the UN fit in casim), or a posterior folder or draws.parquet (relative to the file)",
    )
    draws: Annotated[
        int | None, Field(ge=1, description="draws per design point, chosen reproducibly from the seed (default: all)")
    ] = None


class SweepFile(StrictModel):
    """The schema of a casim sweep file."""

    schema_: Literal[1] = Field(alias="schema", description="schema version; 1")
    name: str | None = Field(default=None, description=f"default: the file's stem; {NAME_RULE}")
    description: str = ""
    scenario: str = Field(description="the scenario file the sweep starts from (relative to the sweep file)")
    set: dict[str, Any] = Field(default_factory=dict, description="fixed overrides of the scenario, as --set")
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="dotted path -> [low, high] or {values: [...]}"
    )
    design: DesignSpec
    replicates: Annotated[int, Field(ge=1)] = 1
    seed: Annotated[int | None, Field(ge=0, description="base seed (default: the scenario's)")] = None
    keep: Any = Field(default="trajectories", description="'trajectories' or {dates: [2026Q4, 2030Q4]}")
    chunk: Annotated[
        int | None, Field(ge=1, le=MAX_CHUNK_RUNS, description="runs per stored chunk (default: from the run count)")
    ] = None
    posterior: PosteriorSpec | None = Field(
        default=None,
        description="run every design point over posterior draws: {file: shipped, draws: 50} (default: point values)",
    )

    @field_validator("name")
    @classmethod
    def _valid_name(cls, v):
        bad = None if v is None else name_problem(v)
        if bad:
            raise ValueError(bad)
        return v

    @field_validator("schema_", mode="before")
    @classmethod
    def _not_bool(cls, v):
        if isinstance(v, bool):  # True == 1 would pass Literal[1]
            raise ValueError("must be the number 1")
        return v


# sections only a scenario file has: a file with them and no 'scenario' is a scenario file given to `casim sweep`
SCENARIO_KEYS = ("powers", "shocks", "states", "region", "model", "start", "end", "extends")


def json_schema() -> dict:
    """JSON Schema of sweep files, for editors (``casim schema --sweep``)."""
    schema = SweepFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "casim sweep"
    return schema


def schema_error(err: ValidationError, origins: dict, source: str) -> CasimError:
    """A sweep file's failed validation as one line naming the file, the line and the key.

    A scenario file given as a sweep file is named as one, with the commands that take it.
    """
    keys = top_keys(err)
    found = [k for k in SCENARIO_KEYS if k in keys]
    if "scenario" not in keys and found:
        return CasimError(
            f"this is a scenario file (it has {', '.join(map(repr, found))} and no 'scenario'), not a sweep file: "
            f"run it with `casim run {source}`, or sweep it from a sweep file that names it in 'scenario:' "
            "(`casim schema --sweep` prints the keys of one)",
            where=source,
        )
    return first_error(err, origins, source, root=SweepFile, reads=f"sweep schema {SCHEMA_VERSION}")
