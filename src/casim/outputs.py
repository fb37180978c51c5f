"""Reading what casim wrote: a run's results folder or table, or a sweep store, as one tidy table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import yamlfile
from .errors import CasimError
from .sweep import store as stores

MAX_MANIFEST_BYTES = 16 * 2**20


def _named_in_manifest(folder: Path) -> str | None:
    """The table file a run's manifest.json names, if there is such a manifest (a regular file, read bounded)."""
    try:
        meta = json.loads(yamlfile.read_bytes(folder / "manifest.json", limit=MAX_MANIFEST_BYTES))
    except (CasimError, ValueError):
        return None
    name = meta.get("results") if isinstance(meta, dict) else None
    return name if isinstance(name, str) and "/" not in name else None


def read_results(path: str | Path, partial: bool = False) -> pd.DataFrame:
    """Read a results table written by :func:`casim.results.write` (a folder or the file itself), or a sweep store's
    folder.

    An incomplete sweep store is an error unless ``partial`` is true. A file that is not a table (corrupt, truncated,
    not a regular file) is a one-line error naming it.
    """
    import pyarrow as pa

    path = Path(path)
    try:
        return _read(path, partial)
    except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as e:  # ArrowInvalid is a ValueError
        what = getattr(e, "filename", None) or str(path)
        raise CasimError(f"not a readable results table: {' '.join(str(e).split())[:300]}", where=str(what)) from None


def _read(path: Path, partial: bool) -> pd.DataFrame:
    if path.is_dir() and (path / "chunks").is_dir() and (path / "manifest.json").exists():
        return stores.read_store(path, partial=partial)
    if path.is_dir():
        named = _named_in_manifest(path)
        candidates = [named] if named else ["results.parquet", "results.csv"]
        for name in candidates:
            if (path / name).exists():
                path = path / name
                break
        else:
            raise CasimError(f"no {' or '.join(candidates)} here", where=str(path))
    if not path.exists():
        raise CasimError("file not found", where=str(path))
    if not path.is_file():  # a FIFO or a device would block or never end
        raise CasimError("not a regular file; a results table is a .parquet or .csv file", where=str(path))
    if path.suffix == ".csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)
