"""The sweep store: a folder with ``manifest.json``, ``design.parquet`` and ``chunks/part-NNNNNN.parquet``.

Chunks are written as they finish, each through a temporary file that reaches
the disk and is then renamed into place (:func:`casim.results.atomic_write`),
so a chunk is complete if and only if its final file exists; a killed sweep
loses at most the chunks in flight. ``chunks/`` is a Parquet dataset that
pandas and pyarrow read directly (temporary files start with a dot, which
both ignore). The manifest records the provenance and the sweep file's hash,
which ``--resume`` checks before it runs what is missing.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CasimError
from ..measures import dominant
from ..results import atomic_write

FORMAT = "casim-sweep-store"
FORMAT_VERSION = 1
CHUNKS = "chunks"
MANIFEST = "manifest.json"
DESIGN = "design.parquet"
_PART = re.compile(r"^part-(\d{6,})\.parquet$")


def chunk_name(index: int) -> str:
    """The file name of chunk ``index``."""
    return f"part-{index:06d}.parquet"


def _oserror(e: OSError, where: Path) -> CasimError:
    reason = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
    return CasimError(f"cannot write the sweep store: {reason}", where=str(where))


def _write_bytes(f, data: bytes) -> None:
    """Write a chunk's bytes to an open file (a seam the tests use to simulate a full disk)."""
    f.write(data)


def read_manifest(root: Path) -> dict | None:
    """The parsed ``manifest.json`` of a folder, or None if it has none; an unreadable one is a CasimError."""
    path = Path(root) / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CasimError(f"unreadable manifest ({e.__class__.__name__})", where=str(path)) from None
    if not isinstance(data, dict):
        raise CasimError("not a casim sweep store manifest (not a JSON object)", where=str(path))
    return data


def _is_store(manifest: dict) -> bool:
    store = manifest.get("store")
    return isinstance(store, dict) and store.get("format") == FORMAT


def existing(out: Path, resume: bool) -> dict | None:
    """Check an output folder without writing to it: the manifest of the store to resume, or None for a new store.

    Refuses a path that is a file, a folder of other results, an existing store
    without ``resume``, a non-empty folder that is not a store, and ``resume``
    where there is no store.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CasimError("the output path is a file, not a folder", where=str(out))
    manifest = read_manifest(out) if out.is_dir() else None
    if manifest is not None:
        if not _is_store(manifest):
            raise CasimError(
                "this folder holds results that are not a sweep store; choose another --out folder", where=str(out)
            )
        if not resume:
            raise CasimError(
                "this folder already holds a sweep store; pass --resume to finish it, or choose another --out folder",
                where=str(out),
            )
        if not (out / CHUNKS).is_dir():
            raise CasimError("the sweep store has no chunks/ folder", where=str(out))
        return manifest
    if resume:
        raise CasimError(f"nothing to resume in {out}: it holds no sweep store; run the sweep without --resume")
    try:
        leftovers = {p.name for p in out.iterdir() if not p.name.startswith(".")} if out.is_dir() else set()
        if leftovers <= {CHUNKS, DESIGN} and not any((out / CHUNKS).glob("part-*")):
            leftovers = set()  # a store whose creation failed before its manifest: start it again
    except OSError as e:
        raise CasimError(f"cannot read the output folder: {e.strerror or e}", where=str(out)) from None
    if leftovers:
        raise CasimError(
            "the output folder is not empty and holds no sweep store; choose an empty or new folder", where=str(out)
        )
    return None


@dataclass
class Store:
    """An open sweep store folder."""

    root: Path
    manifest: dict

    @property
    def chunks_dir(self) -> Path:
        return self.root / CHUNKS

    @property
    def n_chunks(self) -> int:
        return int(self.manifest["chunks"]["count"])

    def done(self) -> set[int]:
        """Indices of the complete chunks (those whose final file exists)."""
        out = set()
        for name in os.listdir(self.chunks_dir):
            m = _PART.match(name)
            if m:
                out.add(int(m.group(1)))
        return out

    def files(self) -> list[Path]:
        """The complete chunk files, in chunk order."""
        return [self.chunks_dir / chunk_name(i) for i in sorted(self.done())]

    def write_chunk(self, index: int, data: bytes) -> Path:
        """Write one chunk's Parquet bytes atomically (temp file, fsync, rename); a failed write leaves no file."""
        final = self.chunks_dir / chunk_name(index)

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                _write_bytes(f, data)

        try:
            atomic_write(final, write)
        except OSError as e:
            raise _oserror(e, final) from None
        return final

    def clean(self) -> int:
        """Remove temporary files left by a killed sweep; returns how many."""
        n = 0
        try:
            for name in os.listdir(self.chunks_dir):
                if name.startswith(".") and name.endswith(".tmp"):
                    (self.chunks_dir / name).unlink(missing_ok=True)
                    n += 1
        except OSError as e:
            raise _oserror(e, self.chunks_dir) from None
        return n

    def save_manifest(self) -> None:
        """Rewrite ``manifest.json`` atomically."""
        try:
            atomic_write(
                self.root / MANIFEST,
                lambda p: Path(p).write_text(json.dumps(self.manifest, indent=2, default=json_default)),
            )
        except OSError as e:
            raise _oserror(e, self.root / MANIFEST) from None


def json_default(o):
    """How the manifest writes what JSON has no type for: numpy numbers and arrays as numbers and lists, the rest as
    text."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def create(root: Path, manifest: dict, design: pd.DataFrame) -> Store:
    """Make a new store: the folders, ``design.parquet``, then the manifest (which marks the folder a store)."""
    root = Path(root)
    try:
        if root.exists() and not root.is_dir():
            raise CasimError("the output path is a file, not a folder", where=str(root))
        root.mkdir(parents=True, exist_ok=True)
        (root / CHUNKS).mkdir(exist_ok=True)
        atomic_write(root / DESIGN, lambda p: design.to_parquet(p, engine="pyarrow", index=False))
    except OSError as e:
        raise _oserror(e, root) from None
    store = Store(root, manifest)
    store.save_manifest()
    return store


def open_existing(root: Path) -> Store:
    """Open the sweep store in ``root`` for reading or resuming; a folder that is not one is a CasimError."""
    manifest = read_manifest(root)
    if manifest is None or not _is_store(manifest):
        raise CasimError("not a sweep store (no sweep manifest.json here)", where=str(root))
    if not (Path(root) / CHUNKS).is_dir():
        raise CasimError("the sweep store has no chunks/ folder", where=str(root))
    return Store(Path(root), manifest)


def resume_command(
    source: str | None, out: Path, *, workers: int = 1, executor: str | None = None, scheduler: str | None = None
) -> str:
    """The shell command that finishes the store ``out`` of the sweep file ``source`` on the same executor."""
    cmd = ["casim", "sweep", source or "SWEEP.yaml", "--out", str(out), "--resume"]
    if workers != 1:
        cmd += ["--workers", str(workers)]
    if executor:
        cmd += ["--executor", executor]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    return shlex.join(cmd)


def read_store(root: str | Path, columns: list[str] | None = None, partial: bool = False) -> pd.DataFrame:
    """The results of a sweep store as one table, in run order.

    An incomplete store is an error unless ``partial`` is true (then the
    complete chunks are read).
    """
    import pyarrow.dataset as ds

    store = open_existing(Path(root))
    files = store.files()
    missing = store.n_chunks - len(files)
    if missing and not partial:
        cmd = resume_command(store.manifest.get("sweep", {}).get("file"), store.root)
        raise CasimError(
            f"the sweep is incomplete ({len(files)} of {store.n_chunks} chunks); "
            f"finish it with `{cmd}` or read it with partial=True",
            where=str(store.root),
        )
    if not files:
        raise CasimError("the sweep store has no complete chunk yet", where=str(store.root))
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=columns)
    return table.to_pandas()


def summarise(root: str | Path) -> tuple[str, pd.DataFrame]:
    """Mean shares at the last kept date and how often each power is the dominant partner, per state.

    Streams over the chunks (only the last date's rows of a few columns are read at a time).
    """
    import pyarrow.parquet as pq

    store = open_existing(Path(root))
    powers = store.manifest["scenario"]["powers"]
    last = (
        store.manifest["keep"]["dates"][-1]
        if store.manifest["keep"] != "trajectories"
        else store.manifest["scenario"]["end"]
    )
    sums: dict[str, np.ndarray] = {}
    wins: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for f in store.files():
        t = pq.read_table(f, columns=["date", "state", *powers], filters=[("date", "=", last)]).to_pandas()
        shares = t[powers].to_numpy()
        winner, _ = dominant(shares)
        for s, idx in t.groupby("state", observed=True, sort=False).indices.items():
            sums[s] = sums.get(s, 0) + shares[idx].sum(axis=0)
            wins[s] = wins.get(s, 0) + np.bincount(winner[idx], minlength=len(powers))
            counts[s] = counts.get(s, 0) + len(idx)
    rows = {}
    for s in sums:
        row = dict(zip(powers, sums[s] / counts[s], strict=True))
        row.update({f"{p} dominant %": 100.0 * wins[s][j] / counts[s] for j, p in enumerate(powers)})
        rows[s] = row
    return last, pd.DataFrame.from_dict(rows, orient="index")
