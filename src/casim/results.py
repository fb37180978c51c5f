"""The tidy results table, its manifest, and writing both atomically, whole or streamed batch by batch."""

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
from typing import Any, TextIO

import numpy as np
import pandas as pd

from . import columns, dynamics, folders, yamlfile
from ._version import __version__
from .errors import CasimError
from .scenario import Scenario
from .tidy import Labels, Layout

CORE_COLUMNS = columns.CORE_COLUMNS  # the one list of column names: casim.columns
PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "pydantic", "PyYAML", "SALib", "dask", "distributed", "matplotlib")


def table(
    scenario: Labels,
    trajectories: np.ndarray,
    seeds: np.ndarray,
    runs: np.ndarray | None = None,
    replicates: np.ndarray | None = None,
    extra: dict[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """One row per run, step and state from trajectories ``(runs, steps + 1, states, powers)``.

    ``extra`` adds per-run columns (a sweep's parameter values). Built by :class:`Layout`.
    """
    R = len(trajectories)
    runs = np.arange(R) if runs is None else np.asarray(runs)
    replicates = runs if replicates is None else np.asarray(replicates)
    layout = Layout(scenario, extra=tuple(extra or ()))
    cols = layout.empty(R, extra)
    layout.fill(cols, 0, trajectories, seeds, runs, replicates, extra)
    return layout.frame(cols)


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
    described["source"] = portable(described["source"])
    described["files"] = {portable(f): digest for f, digest in described["files"].items()}
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


def portable(path: str | None) -> str | None:
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
        categorical = [c for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)]
        df.to_parquet(target, engine="pyarrow", index=False, **parquet_options(df.columns, categorical))
    else:
        df.to_csv(target, index=False)
    write_manifest(folder, {**meta, "kind": kind, "results": target.name, "rows": len(df)})
    return target


def write_manifest(folder: Path, meta: Mapping) -> Path:
    """``folder/manifest.json``: written after the table it describes."""
    path = Path(folder) / "manifest.json"
    path.write_text(json.dumps(meta, indent=2, default=str))
    return path


def parquet_options(names, categorical=()) -> dict:
    """pyarrow's Parquet options for a results table of columns ``names``: the label columns
    (casim.columns.CORE_COLUMNS and any other ``categorical`` one) are dictionary-encoded, the others not.

    A label's values repeat within a row group; the shares and the hedging
    index hardly do, so a dictionary for them is built and thrown away
    (pyarrow's default dictionary-encodes every column: 2.7x the time of these
    options, benchmarks/bench_table.py). Statistics stay on for every column:
    turning them off for the shares saved under 5% of the write, within the noise.
    """
    labels = [n for n in names if n in CORE_COLUMNS or n in categorical]
    return {"use_dictionary": labels, "compression": "snappy"}


class Horizon:
    """The mean shares and hedging per state at the horizon, accumulated run by run: what :func:`casim.api.summary`
    gives for the whole table, without keeping it."""

    def __init__(self, layout: Layout):
        self.layout = layout
        self.states = layout.categories[columns.STATE][0]
        self.sums = np.zeros((len(self.states), len(layout.powers) + 1))
        self.runs = 0

    def add(self, trajectories: np.ndarray) -> None:
        last = trajectories[:, -1]  # (runs, states, powers)
        self.sums[:, :-1] += last.sum(axis=0)
        self.sums[:, -1] += dynamics.hedging(last).sum(axis=0)
        self.runs += len(trajectories)

    def frame(self) -> pd.DataFrame:
        index = pd.CategoricalIndex(self.states, categories=self.states, name=columns.STATE)
        return pd.DataFrame(self.sums / self.runs, index=index, columns=[*self.layout.powers, columns.HEDGING])


class Stream:
    """A results table written into ``folder`` batch by batch, then its manifest: ``casim run`` without holding
    the trajectories or the table of every run.

    Parquet goes through :class:`pyarrow.parquet.ParquetWriter`, one row group per batch; CSV through pandas'
    ``to_csv`` batch by batch (the same text as writing the whole table at once). ``folder`` is the new folder
    :func:`casim.folders.replacing` swaps in, so a reader never sees the table half-written.
    """

    def __init__(self, folder: Path, layout: Layout, fmt: str = "parquet"):
        if fmt not in FORMATS:
            raise CasimError(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}")
        self.layout, self.fmt = layout, fmt
        self.path = Path(folder) / f"results.{fmt}"
        self.horizon = Horizon(layout)
        self.rows = 0
        self._writer: Any = None  # a pyarrow.parquet.ParquetWriter once the first batch is written
        self._csv: TextIO | None = None

    def add(
        self,
        trajectories: np.ndarray,
        seeds: np.ndarray,
        runs: np.ndarray,
        replicates: np.ndarray | None = None,
        extra: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        """Write the rows of these runs (replicate = run unless given: one scenario's replicates; ``extra``: per-run
        values of the layout's extra columns)."""
        cols = self.layout.empty(len(trajectories), extra)
        self.layout.fill(cols, 0, trajectories, seeds, runs, runs if replicates is None else replicates, extra)
        self.horizon.add(trajectories)
        if self.fmt == "parquet":
            batch = self.layout.arrow(cols)
            if self._writer is None:
                import pyarrow.parquet as pq

                options = parquet_options(self.layout.names, self.layout.categories)
                self._writer = pq.ParquetWriter(self.path, batch.schema, **options)
            self._writer.write_batch(batch, row_group_size=batch.num_rows)
        else:
            if self._csv is None:
                self._csv = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115 (closed by close)
            self.layout.frame(cols).to_csv(self._csv, header=self.rows == 0, index=False)
        self.rows += len(trajectories) * self.layout.per_run

    def finish(self, meta: Mapping, kind: str = "run") -> Path:
        """Close the table, then write the manifest (recording the rows); returns the table's path."""
        self.close()
        write_manifest(self.path.parent, {**meta, "kind": kind, "results": self.path.name, "rows": self.rows})
        return self.path

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._csv is not None:
            self._csv.close()
            self._csv = None

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
