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

from . import dynamics
from ._version import __version__
from .errors import CasimError
from .scenario import Scenario

CORE_COLUMNS = ("scenario", "run", "replicate", "seed", "step", "date", "state")
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
    cols: dict[str, object] = {
        # categoricals built from codes: far cheaper than from repeated strings
        # pandas-stubs type categories as an Index only; pandas takes any list-like (as its docs say)
        "scenario": pd.Categorical.from_codes(np.zeros(R * per_row, dtype=np.int8), [scenario.name]),  # type: ignore[call-overload]
        "run": np.repeat(runs.astype(np.int64), per_row),
        "replicate": np.repeat(replicates.astype(np.int64), per_row),
        "seed": np.repeat(np.asarray(seeds, dtype=np.int64), per_row),
        "step": np.tile(np.repeat(np.arange(T1, dtype=np.int64), S), R),
        "date": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(T1, dtype=np.int16), S), R), dates, ordered=True),  # type: ignore[call-overload]
        "state": pd.Categorical.from_codes(np.tile(np.arange(S, dtype=np.int8), R * T1), list(scenario.states)),  # type: ignore[call-overload]
    }
    flat = trajectories.reshape(R * T1 * S, P)
    for j, p in enumerate(scenario.powers):
        cols[p] = flat[:, j]
    cols["hedging"] = dynamics.hedging(flat)
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
    """Provenance of a results table: enough to reproduce it."""
    return Manifest(
        {
            "casim_version": __version__,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(finished)),
            "scenario": scenario.to_dict(),
            "scenario_file_sha256": scenario.sources[0][1] if scenario.sources else None,
            "scenario_files_sha256": dict(scenario.sources),  # the file and every file it extends
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


def atomic_write(path: Path, write) -> None:
    """Call ``write(temp_path)`` for a temporary file beside ``path``, then rename it into place.

    A reader never sees a half-written file, and a failed write leaves none;
    the data reach the disk before the rename, so a crash cannot leave an
    empty file under the final name. The file gets ordinary permissions
    (mkstemp's are owner-only).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.fchmod(fd, 0o666 & ~umask)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
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


def write(df: pd.DataFrame, meta: dict, out: str | Path, fmt: str = "parquet") -> Path:
    """Write ``results.parquet`` (or ``.csv``) and ``manifest.json`` into ``out``; the manifest last."""
    out = Path(out)
    if fmt not in ("parquet", "csv"):
        raise CasimError(f"unknown format {fmt!r}; valid: parquet, csv")
    df = df.copy(deep=False)
    df.attrs = {}  # provenance goes to manifest.json, not into the table's metadata
    try:
        out.mkdir(parents=True, exist_ok=True)
        target = out / f"results.{fmt}"
        for other in ("parquet", "csv"):  # a table of the other format left by an earlier run is stale now
            if other != fmt:
                (out / f"results.{other}").unlink(missing_ok=True)
        if fmt == "parquet":
            atomic_write(target, lambda p: df.to_parquet(p, engine="pyarrow", index=False))
        else:
            atomic_write(target, lambda p: df.to_csv(p, index=False))
        meta = {**meta, "results": target.name, "rows": len(df)}
        atomic_write(out / "manifest.json", lambda p: Path(p).write_text(json.dumps(meta, indent=2, default=str)))
    except OSError as e:
        raise CasimError(f"cannot write results: {e.strerror or e}", where=str(out)) from None
    return target
