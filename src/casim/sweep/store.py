"""The sweep store: a folder with ``manifest.json``, ``design.parquet`` and ``chunks/part-NNNNNN.parquet``.

Chunks are written as they finish, each through a temporary file renamed into
place, so a chunk is complete if and only if its final file exists; a killed
sweep loses at most the chunks in flight. ``chunks/`` is a Parquet dataset that
pandas and pyarrow read directly (temporary files start with a dot, which
both ignore). The manifest records the provenance and the sweep file's hash,
which ``--resume`` checks before it runs what is missing.
"""

from __future__ import annotations

import errno
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CasimError
from ..results import atomic_write

FORMAT = "casim-sweep-store"
FORMAT_VERSION = 1
CHUNKS = "chunks"
MANIFEST = "manifest.json"
DESIGN = "design.parquet"
_PART = re.compile(r"^part-(\d{6,})\.parquet$")


def chunk_name(index: int) -> str:
    return f"part-{index:06d}.parquet"


def _oserror(e: OSError, where: Path) -> CasimError:
    reason = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
    return CasimError(f"cannot write the sweep store: {reason}", where=str(where))


def _write_bytes(f, data: bytes) -> None:
    f.write(data)


def read_manifest(root: Path) -> dict | None:
    path = Path(root) / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CasimError(f"unreadable manifest ({e.__class__.__name__})", where=str(path)) from None


def is_store(root: str | Path) -> bool:
    """Whether a folder holds a sweep store."""
    m = read_manifest(Path(root)) if Path(root).is_dir() else None
    return bool(m) and m.get("store", {}).get("format") == FORMAT


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
        return [self.chunks_dir / chunk_name(i) for i in sorted(self.done())]

    def write_chunk(self, index: int, data: bytes) -> Path:
        """Write one chunk's Parquet bytes atomically (temp file, then rename)."""
        final = self.chunks_dir / chunk_name(index)
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=self.chunks_dir)
            os.fchmod(fd, 0o644)  # mkstemp makes 0600; chunks are results to share
            with os.fdopen(fd, "wb") as f:
                _write_bytes(f, data)
            os.replace(tmp, final)
        except OSError as e:
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            raise _oserror(e, final) from None
        return final

    def clean(self) -> int:
        """Remove temporary files left by a killed sweep; returns how many."""
        n = 0
        for name in os.listdir(self.chunks_dir):
            if name.startswith(".") and name.endswith(".tmp"):
                (self.chunks_dir / name).unlink(missing_ok=True)
                n += 1
        return n

    def save_manifest(self) -> None:
        try:
            atomic_write(self.root / MANIFEST, lambda p: Path(p).write_text(json.dumps(self.manifest, indent=2, default=_json)))
        except OSError as e:
            raise _oserror(e, self.root / MANIFEST) from None

    def read(self, columns: list[str] | None = None, partial: bool = False) -> pd.DataFrame:
        return read(self.root, columns=columns, partial=partial)


def _json(o):
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
    manifest = read_manifest(root)
    if manifest is None or manifest.get("store", {}).get("format") != FORMAT:
        raise CasimError("not a sweep store (no sweep manifest.json here)", where=str(root))
    if not (Path(root) / CHUNKS).is_dir():
        raise CasimError("the sweep store has no chunks/ folder", where=str(root))
    return Store(Path(root), manifest)


def resume_command(manifest: dict, out: Path) -> str:
    src = manifest.get("sweep", {}).get("file") or "SWEEP.yaml"
    return f"casim sweep {src} --out {out} --resume"


def read(root: str | Path, columns: list[str] | None = None, partial: bool = False) -> pd.DataFrame:
    """The results of a sweep store as one table, in run order.

    An incomplete store is an error unless ``partial`` is true (then the
    complete chunks are read).
    """
    import pyarrow.dataset as ds

    store = open_existing(Path(root))
    files = store.files()
    missing = store.n_chunks - len(files)
    if missing and not partial:
        raise CasimError(
            f"the sweep is incomplete ({len(files)} of {store.n_chunks} chunks); finish it with "
            f"`{resume_command(store.manifest, store.root)}` or read it with partial=True",
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
    last = store.manifest["keep"]["dates"][-1] if store.manifest["keep"] != "trajectories" else store.manifest["scenario"]["end"]
    sums: dict[str, np.ndarray] = {}
    dominant: dict[str, np.ndarray] = {}
    counts: dict[str, int] = {}
    for f in store.files():
        t = pq.read_table(f, columns=["date", "state", *powers], filters=[("date", "=", last)]).to_pandas()
        shares = t[powers].to_numpy()
        winner = shares.argmax(axis=1)
        for s, idx in t.groupby("state", observed=True, sort=False).indices.items():
            sums[s] = sums.get(s, 0) + shares[idx].sum(axis=0)
            dominant[s] = dominant.get(s, 0) + np.bincount(winner[idx], minlength=len(powers))
            counts[s] = counts.get(s, 0) + len(idx)
    rows = {}
    for s in sums:
        row = dict(zip(powers, sums[s] / counts[s], strict=True))
        row.update({f"{p} dominant %": 100.0 * dominant[s][j] / counts[s] for j, p in enumerate(powers)})
        rows[s] = row
    return last, pd.DataFrame.from_dict(rows, orient="index")


def now() -> float:
    return time.time()
