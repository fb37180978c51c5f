"""The sweep store: ``manifest.json``, ``design.parquet``, ``chunks.jsonl`` and ``chunks/part-NNNNNN.parquet``.

Chunks are written as they finish, each through a temporary file that reaches
the disk and is then renamed into place (:func:`casim.results.atomic_write`);
just before the rename a line of ``chunks.jsonl`` records the chunk's index,
size and SHA-256 (hashed from the bytes in memory). A chunk counts as
stored only if its file exists and matches its record, so a killed sweep loses
at most the chunks in flight, and a chunk truncated, emptied or altered later
is found (:meth:`Store.check`): ``--resume`` recomputes it and reading the
store refuses it. A file in ``chunks/`` that is not a chunk of the design is
refused by both. ``chunks/`` is a Parquet dataset that pandas and pyarrow read
directly (temporary files start with a dot, which both ignore). The manifest
records the provenance and the sweep file's hash, which ``--resume`` checks
before it runs what is missing; one writer at a time holds the folder's lock
(:func:`casim.folders.writer_lock`, taken by the runner).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shlex
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CasimError
from ..results import atomic_write
from . import checksums
from . import summary as summaries

FORMAT = "casim-sweep-store"
FORMAT_VERSION = 2  # 2: chunks.jsonl records each chunk's size and SHA-256
CHUNKS = "chunks"
MANIFEST = "manifest.json"
DESIGN = "design.parquet"
LEDGER = checksums.LEDGER
_PART = re.compile(r"^part-(\d{6,})\.parquet$")


def chunk_name(index: int) -> str:
    """The file name of chunk ``index``."""
    return f"part-{index:06d}.parquet"


def chunk_index(path: Path) -> int:
    """The index of the chunk file at ``path`` (a name that is not a chunk's is a CasimError)."""
    m = _PART.match(Path(path).name)
    if m is None:
        raise CasimError("not a chunk file of a sweep store", where=str(path))
    return int(m.group(1))


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


@dataclass(frozen=True)
class Check:
    """What :meth:`Store.check` found in ``chunks/``, against ``chunks.jsonl`` and the design's chunk count.

    ``good``: chunks whose file matches its record; ``damaged``: chunk files whose size or SHA-256 differs from
    their record, or that have no record (each with the reason); ``strays``: files that are not chunks of this
    design (another index, another name).
    """

    good: frozenset[int]
    damaged: dict[int, str]
    strays: tuple[str, ...]

    def refuse_strays(self, store: Store) -> None:
        """A store whose chunk files do not match its design is refused: the extra files would be read as runs."""
        if self.strays:
            shown = ", ".join(self.strays[:3]) + (f" and {len(self.strays) - 3:,} more" if len(self.strays) > 3 else "")
            last = chunk_name(store.n_chunks - 1)
            raise CasimError(
                f"chunks/ holds {len(self.strays):,} file(s) that are not chunks of this sweep ({shown}); its design "
                f"has {store.n_chunks:,} chunk(s), {chunk_name(0)} to {last}: move the others out of the store",
                where=str(store.root),
            )


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

    def check(self, trusted: Collection[int] = ()) -> Check:
        """Compare every file in ``chunks/`` with its record (size, then SHA-256) and with the design's chunk count.

        Chunks in ``trusted`` (written by this process, hashed from the bytes it wrote) are compared by size only.
        """
        records = checksums.read_records(self.root)
        legacy = self.manifest["store"].get("version") == 1  # before chunks.jsonl: its chunks cannot be checked
        good: set[int] = set()
        damaged: dict[int, str] = {}
        strays: list[str] = []
        try:
            names = sorted(n for n in os.listdir(self.chunks_dir) if not n.startswith("."))
        except OSError as e:
            raise CasimError(f"cannot read the chunks: {e.strerror or e}", where=str(self.chunks_dir)) from None
        for name in names:
            m = _PART.match(name)
            index = int(m.group(1)) if m else -1
            if not m or chunk_name(index) != name or index >= self.n_chunks:
                strays.append(name)
                continue
            rec = records.get(index)
            try:
                path = self.chunks_dir / name
                why = None if rec is None and legacy else checksums.mismatch(path, rec, hash=index not in trusted)
            except OSError as e:
                why = f"it cannot be read ({e.strerror or e})"
            if why is None:
                good.add(index)
            else:
                damaged[index] = why
        return Check(frozenset(good), damaged, tuple(strays))

    def done(self) -> set[int]:
        """Indices of the complete chunks: their file exists and matches its record."""
        return set(self.check().good)

    def files(self) -> list[Path]:
        """The complete chunk files, in chunk order."""
        return [self.chunks_dir / chunk_name(i) for i in sorted(self.done())]

    def write_chunk(self, index: int, data: bytes) -> Path:
        """Write one chunk's Parquet bytes atomically: a temporary file, its size and SHA-256 recorded, fsync, rename.

        A failed write leaves no file; a record without its file (a kill before the rename) is a chunk not stored.
        """
        final = self.chunks_dir / chunk_name(index)

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:
                _write_bytes(f, data)
            checksums.append_record(self.root, index, data)  # before the rename: a chunk in place has its record

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
    chunks = manifest.get("chunks")
    count = chunks.get("count") if isinstance(chunks, dict) else None
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise CasimError("the manifest's chunks.count is not a whole number of at least 1", where=str(root))
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


def verified(store: Store, partial: bool = False, trusted: Collection[int] = ()) -> list[Path]:
    """The chunk files of a store, each checked against its record (``trusted`` ones by size: see
    :meth:`Store.check`); refuses strays, damage and (unless ``partial``) missing chunks, naming the command that
    finishes the store."""
    check = store.check(trusted)
    check.refuse_strays(store)
    cmd = resume_command(store.manifest.get("sweep", {}).get("file"), store.root)
    if check.damaged:
        index, why = min(check.damaged.items())
        more = f" (and {len(check.damaged) - 1:,} more)" if len(check.damaged) > 1 else ""
        raise CasimError(
            f"chunk {chunk_name(index)}{more} is not the one the sweep wrote: {why}; recompute it with `{cmd}`",
            where=str(store.root),
        )
    missing = store.n_chunks - len(check.good)
    if missing and not partial:
        raise CasimError(
            f"the sweep is incomplete ({len(check.good)} of {store.n_chunks} chunks); "
            f"finish it with `{cmd}` or read it with partial=True",
            where=str(store.root),
        )
    if not check.good:
        raise CasimError("the sweep store has no complete chunk yet", where=str(store.root))
    return [store.chunks_dir / chunk_name(i) for i in sorted(check.good)]


def read_store(root: str | Path, columns: list[str] | None = None, partial: bool = False) -> pd.DataFrame:
    """The results of a sweep store as one table, in run order.

    Every chunk file is checked against its recorded size and SHA-256 first;
    a damaged chunk or a file that is not a chunk of the design is an error,
    and so is an incomplete store unless ``partial`` is true (then the
    complete chunks are read).
    """
    import pyarrow.dataset as ds

    files = verified(open_existing(Path(root)), partial)
    table = ds.dataset([str(f) for f in files], format="parquet").to_table(columns=columns)
    return table.to_pandas()


def summarise(root: str | Path) -> tuple[str, pd.DataFrame]:
    """Mean shares at the last kept date and how often each power is the dominant partner, per state.

    Streams over the complete chunks, each checked first (only the last date's rows of a few columns are read at
    a time).
    """
    store = open_existing(Path(root))
    return summary_of(store, summaries.Totals(), verified(store, partial=True))


def summary_after_run(root: str | Path, totals: summaries.Totals, tallied: Collection[int]) -> tuple[str, pd.DataFrame]:
    """:func:`summarise` of a store a runner just wrote, from the ``totals`` of the chunks it ``tallied``: only the
    chunks it did not make (stored before a resume) are read, and only they are hashed again."""
    store = open_existing(Path(root))
    files = verified(store, partial=True, trusted=tallied)
    return summary_of(store, totals.copy(), [f for f in files if chunk_index(f) not in tallied])


def summary_of(store: Store, totals: summaries.Totals, files: Iterable[Path] = ()) -> tuple[str, pd.DataFrame]:
    """The summary date and table of a store: ``totals`` with the chunk ``files`` read and added to them."""
    import pyarrow.parquet as pq

    powers = store.manifest["scenario"]["powers"]
    keep = store.manifest["keep"]
    last = summaries.date_of(None if keep == "trajectories" else keep["dates"], store.manifest["scenario"]["end"])
    for f in files:
        rows = pq.read_table(f, columns=["date", "state", *powers], filters=[("date", "=", last)]).to_pandas()
        totals.add(summaries.tally(rows, powers))
    return last, totals.table(powers)
