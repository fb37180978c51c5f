"""The resume check: refuse to finish a store with anything other than the sweep that started it.

A resumed sweep's results must be the same bit for bit as an uninterrupted
one, so :func:`check_resumable` compares the store's manifest and design with
the ones made now: the sweep file's hash, the versions of the packages that
decide the numbers and the design (:data:`PINNED`), the posterior draws (the
draws file's hash and the rows), the engine, the scenario, the design and the
chunking. Each mismatch is a :class:`CasimError` saying what changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..errors import CasimError
from . import store as stores
from .spec import Sweep

# Packages whose version change would change a resumed sweep's numbers or design: a resume refuses them.
PINNED = ("casim", "numpy", "SALib")


def check_resumable(old: dict, sweep: Sweep, new: dict, design: pd.DataFrame, out: Path) -> None:
    """Refuse to resume a store that another sweep, a changed sweep file, design, engine or casim/numpy/SALib made."""
    where = str(out)
    raw_sweep = old.get("sweep")
    old_sweep: dict = raw_sweep if isinstance(raw_sweep, dict) else {}
    old_file, old_path = old_sweep.get("file"), old_sweep.get("path")
    if old_sweep.get("sha256") != sweep.source_hash:
        same_file = old_path and sweep.source and Path(old_path) == Path(sweep.source).resolve()
        if same_file:
            raise CasimError(
                f"the sweep file {sweep.source} changed since this store was started; restore it or write to a new "
                "--out folder",
                where=where,
            )
        raise CasimError(
            f"this store was made by another sweep ({old_file or 'a Python object'}); choose another --out folder",
            where=where,
        )
    raw_versions = old.get("versions")
    old_versions: dict = raw_versions if isinstance(raw_versions, dict) else {}
    old_versions = {**old_versions, "casim": old.get("casim_version", old_versions.get("casim"))}
    for pkg in PINNED:
        was, now = old_versions.get(pkg), new["versions"].get(pkg)
        if was is not None and was != now:
            raise CasimError(
                f"this store was started with {pkg} {was} and this is {pkg} {now}: a resumed sweep would mix the two; "
                f"finish it with {pkg} {was} or write to a new --out folder",
                where=where,
            )
    _check_posterior(old.get("posterior"), new.get("posterior"), where)
    if old.get("engine") != new["engine"]:
        raise CasimError(
            f"this store was started with --engine {old.get('engine')}; resume it with the same engine", where=where
        )
    for key, what in (("scenario", "the scenario it starts from"), ("design", "its design")):
        a, b = (
            json.loads(json.dumps(old.get(key), default=stores.json_default)),
            json.loads(json.dumps(new.get(key), default=stores.json_default)),
        )
        # paths may be spelt differently from another working directory; the hashes decide
        a = {k: v for k, v in (a or {}).items() if k not in ("source", "csv")}
        b = {k: v for k, v in (b or {}).items() if k not in ("source", "csv")}
        if a != b:
            raise CasimError(f"{what} changed since this store was started; write to a new --out folder", where=where)
    if old.get("chunks", {}).get("size") != new["chunks"]["size"] or old.get("runs") != new["runs"]:
        raise CasimError(
            "the sweep's chunking changed since this store was started; write to a new --out folder", where=where
        )
    try:
        stored = pd.read_parquet(out / stores.DESIGN)
    except (OSError, ValueError) as e:
        raise CasimError(
            f"cannot read the store's design ({e.__class__.__name__})", where=str(out / stores.DESIGN)
        ) from None
    if not stored.equals(design):
        raise CasimError(
            "the design made now differs from the one stored in design.parquet (has SALib, numpy or the design file "
            "changed?); write to a new --out folder",
            where=where,
        )


def _check_posterior(old, new, where: str) -> None:
    """Refuse a store made over another posterior, other draws, or none (or, without one now, over one)."""
    old = old if isinstance(old, dict) else None
    if old is None and new is None:
        return
    if old is None or new is None:
        was = "over posterior draws" if old is not None else "with the parameters' point values (no posterior)"
        raise CasimError(
            f"this store was started {was}; resume it with the same sweep or write to a new --out folder", where=where
        )
    if old.get("sha256") != new["sha256"]:
        raise CasimError(
            f"this store was started over another posterior ({old.get('file')}, sha256 {str(old.get('sha256'))[:12]}) "
            f"than {new['file']} (sha256 {new['sha256'][:12]}); resume it with the same posterior or write to a new "
            "--out folder",
            where=where,
        )
    if old.get("rows") != new["rows"]:
        raise CasimError(
            f"this store was started over other posterior draws ({old.get('draws')} draws, rows differ from the "
            f"{new['draws']} chosen now); resume it with the same draws and seed or write to a new --out folder",
            where=where,
        )
