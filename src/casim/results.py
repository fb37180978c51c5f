"""The tidy results table, its manifest, and writing both atomically."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from . import columns, dynamics, folders, yamlfile
from ._version import __version__
from .errors import CasimError
from .scenario import Scenario

CORE_COLUMNS = columns.CORE_COLUMNS  # the one list of column names: casim.columns
PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "PyYAML", "SALib", "dask", "distributed", "matplotlib")


class Labels(Protocol):
    """What :func:`table` reads of a scenario: its name, states, powers and dates."""

    @property
    def name(self) -> str: ...

    @property
    def states(self) -> tuple[str, ...]: ...

    @property
    def powers(self) -> tuple[str, ...]: ...

    def dates(self) -> list[str]: ...


def table(
    scenario: Labels,
    trajectories: np.ndarray,
    seeds: np.ndarray,
    runs: np.ndarray | None = None,
    replicates: np.ndarray | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per run, step and state from trajectories ``(runs, steps + 1, states, powers)``.

    ``extra`` adds per-run columns (a sweep's parameter values).
    """
    R, T1, S, P = trajectories.shape
    runs = np.arange(R) if runs is None else np.asarray(runs)
    replicates = runs if replicates is None else np.asarray(replicates)
    per_row = T1 * S
    dates = scenario.dates()
    date_codes = np.tile(np.repeat(np.arange(T1, dtype=np.int16), S), R)
    cols: dict[str, object] = {
        # categoricals built from codes: far cheaper than from repeated strings
        # pandas-stubs type categories as an Index only; pandas takes any list-like (as its docs say)
        columns.SCENARIO: pd.Categorical.from_codes(np.zeros(R * per_row, dtype=np.int8), [scenario.name]),  # type: ignore[call-overload]
        columns.RUN: np.repeat(runs.astype(np.int64), per_row),
        columns.REPLICATE: np.repeat(replicates.astype(np.int64), per_row),
        columns.SEED: np.repeat(np.asarray(seeds, dtype=np.int64), per_row),
        columns.STEP: np.tile(np.repeat(np.arange(T1, dtype=np.int64), S), R),
        columns.DATE: pd.Categorical.from_codes(date_codes, dates, ordered=True),  # type: ignore[call-overload]
        columns.STATE: pd.Categorical.from_codes(np.tile(np.arange(S, dtype=np.int8), R * T1), list(scenario.states)),  # type: ignore[call-overload]
    }
    flat = trajectories.reshape(R * T1 * S, P)
    taken = {*cols, *scenario.powers, columns.HEDGING}
    clash = sorted(set(scenario.powers) & columns.RESERVED) or sorted(set(extra or {}) & taken)
    if clash:  # scenario files refuse such power names; this keeps any other caller from overwriting a column
        raise CasimError(f"column {clash[0]!r} would be written twice; reserved: {', '.join(sorted(columns.RESERVED))}")
    for j, p in enumerate(scenario.powers):
        cols[p] = flat[:, j]
    cols[columns.HEDGING] = dynamics.hedging(flat)
    for name, v in (extra or {}).items():
        cols[name] = np.repeat(np.asarray(v), per_row)
    return pd.DataFrame(cols)


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0], "platform": platform.platform(), "casim": __version__}
    for pkg in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[pkg] = metadata.version(pkg)
    return out


class Manifest(Mapping):
    """A read-only provenance record. It lives in ``DataFrame.attrs``, which pandas
    deep-copies on every operation; being immutable, it copies as itself."""

    def __init__(self, data: dict):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __deepcopy__(self, memo) -> Manifest:
        return self

    def __repr__(self) -> str:
        return f"Manifest({self._data!r})"


def manifest(
    scenario: Scenario, *, seed: int, replicates: int, engine: str, started: float, finished: float, **extra
) -> Manifest:
    """Provenance of a results table: enough to reproduce it.

    File paths are stored relative to the working directory when the file lies
    under it (absolute otherwise), each with its SHA-256; ``--set`` overrides
    are stored with the typed values they resolved to (``0.8``, not ``"0.8"``).
    """
    described = scenario.to_dict()
    described["source"] = _portable(described["source"])
    described["files"] = {_portable(f): digest for f, digest in described["files"].items()}
    described["overrides"] = [[key, _resolved(scenario, key, value)] for key, value in scenario.overrides]
    return Manifest(
        {
            "casim_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(finished)),
            "scenario": described,
            "scenario_file_sha256": scenario.sources[0][1] if scenario.sources else None,
            "scenario_files_sha256": described["files"],  # the file and every file it extends
            "seed": seed,
            "replicates": replicates,
            "seeds": (
                "run i uses casim.seeding.run_seed(seed, i): child i of numpy SeedSequence(seed); "
                "per-run seeds are in the table"
            ),
            "engine": engine,
            "timing": {"started": started, "finished": finished, "seconds": round(finished - started, 6)},
            "versions": versions(),
            **extra,
        }
    )


def _portable(path: str | None) -> str | None:
    """A file path for a manifest: relative to the working directory if the file lies under it, else as it is."""
    if path is None or not Path(path).is_absolute():
        return path
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def _resolved(scenario: Scenario, key: str, value: object) -> object:
    """The typed value a ``--set KEY=VALUE`` override resolved to (JSON-ready)."""
    if key in scenario.values:
        v = scenario.values[key]
        return list(v) if isinstance(v, tuple) else v
    return yamlfile.value(value) if isinstance(value, str) else value  # e.g. a shock's value: read as the file reads it


def atomic_write(path: Path, write) -> None:
    """Call ``write(temp_path)`` for a temporary file beside ``path``, then rename it into place.

    A reader never sees a half-written file, and a failed write leaves none;
    the data reach the disk before the rename, so a crash cannot leave an
    empty file under the final name (nor lose the rename). The file gets ordinary permissions
    (mkstemp's are owner-only).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.fchmod(fd, folders.ordinary(0o666))
    os.close(fd)
    try:
        write(tmp)
        folders.sync(Path(tmp))
        os.replace(tmp, path)
        folders.sync(path.parent)  # the rename itself reaches the disk
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as CSV atomically (temporary file, then rename); ``.csv`` is added to a name without a suffix."""
    path = Path(path)
    if not path.suffix:
        path = path.with_name(path.name + ".csv")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))
    except OSError as e:
        raise CasimError(f"cannot write table: {e.strerror or e}", where=str(path)) from None
    return path


FORMATS = ("parquet", "csv")


def write(
    df: pd.DataFrame,
    meta: Mapping,
    out: str | Path,
    fmt: str = "parquet",
    *,
    kind: str = "run",
    overwrite: bool = False,
) -> Path:
    """Write ``out`` as a whole: ``results.parquet`` (or ``.csv``) and ``manifest.json``, swapped in together
    (:func:`casim.folders.replacing`), so the table and the manifest always match.

    The manifest records ``kind`` ("run" or "compare"), the table's name and its
    rows. A folder holding other results is refused unless ``overwrite``; one
    holding files casim did not write, always. Returns the table's final path.
    """
    out = Path(out)
    if fmt not in FORMATS:
        raise CasimError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    _, what = folders.label({**meta, "kind": kind})
    with folders.replacing(out, kind, what, overwrite) as new:
        fill(new, df, meta, fmt, kind)
    return out / f"results.{fmt}"


def fill(folder: Path, df: pd.DataFrame, meta: Mapping, fmt: str = "parquet", kind: str = "run") -> Path:
    """Write the table and then its manifest into ``folder``, a new folder that :func:`casim.folders.replacing`
    will swap in; returns the table's path. Use :func:`write` unless the folder must be locked for longer."""
    if fmt not in FORMATS:
        raise CasimError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
    df = df.copy(deep=False)
    df.attrs = {}  # provenance goes to manifest.json, not into the table's metadata
    target = Path(folder) / f"results.{fmt}"
    if fmt == "parquet":
        df.to_parquet(target, engine="pyarrow", index=False)
    else:
        df.to_csv(target, index=False)
    meta = {**meta, "kind": kind, "results": target.name, "rows": len(df)}
    (Path(folder) / "manifest.json").write_text(json.dumps(meta, indent=2, default=str))
    return target
