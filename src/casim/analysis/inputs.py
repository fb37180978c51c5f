"""Reading a results folder for analysis: the table and the manifest beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import outputs, yamlfile
from ..errors import CasimError
from .summary import check_table


def load_results(path: str | Path) -> tuple[pd.DataFrame, dict]:
    """The results table at ``path`` (a folder or a file) and its ``manifest.json`` ({} when there is none)."""
    path = Path(path)
    df = outputs.read_results(path)
    check_table(df, where=str(path))
    folder = path if path.is_dir() else path.parent
    m = folder / "manifest.json"
    if not m.exists():
        return df, {}
    try:
        manifest = json.loads(yamlfile.read_bytes(m, limit=outputs.MAX_MANIFEST_BYTES, what="manifest"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CasimError(f"unreadable manifest: {e}", where=str(m)) from None
    return df, manifest if isinstance(manifest, dict) else {}


def figure_path(results: str | Path, kind: str) -> Path:
    """Default place of a figure made from a results folder: ``<folder>/figures/<kind>`` (.png and .svg)."""
    results = Path(results)
    folder = results if results.is_dir() else results.parent
    return folder / "figures" / kind
