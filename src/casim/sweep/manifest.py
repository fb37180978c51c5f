"""The manifest a new sweep store starts with: what the sweep is, how it is planned, and its provenance.

``manifest.json`` records the sweep file and its hash, the resolved scenario,
the seeds, the design, the parameters, the chunking, the columns and the
package versions; the runner adds a session per invocation and the status.
A resume compares it with the manifest made now (:mod:`casim.sweep.resume`).
"""

from __future__ import annotations

import time
from pathlib import Path

from .. import results
from .._version import __version__
from . import design as designs
from . import store as stores
from .plan import Plan
from .spec import Sweep

SEEDS = (
    "run i uses casim.seeding.run_seed(seed, i): child i of numpy SeedSequence(seed); run i is replicate "
    "i % replicates of design point i // replicates; per-run seeds are in the table"
)
POSTERIOR_SEEDS = (
    "run i is replicate r = i % replicates of draw (i // replicates) % draws of design point i // (draws x "
    "replicates); its seed is casim.seeding.run_seed(seed, r), child r of numpy SeedSequence(seed): the same under "
    "every point and draw (common random numbers, as casim.uncertainty); per-run seeds are in the table"
)
POSTERIOR_RUNS = (
    "run i is replicate i % replicates of draw rows[(i // replicates) % draws] of design point "
    "i // (draws * replicates); the 'draw' column is the draw's row in the posterior's draws file"
)


def posterior_record(sweep: Sweep) -> dict | None:
    """What the manifest records of the posterior a sweep draws from (None without one)."""
    if sweep.posterior is None or sweep.posterior_rows is None:
        return None
    rows = sweep.posterior_rows
    return {
        "file": results.portable(sweep.posterior.source),
        "sha256": sweep.posterior.sha256(),
        "draws": len(rows),
        "rows": [int(r) for r in rows],
        "runs": POSTERIOR_RUNS,
    }


def new_manifest(sweep: Sweep, design: designs.Design, plan: Plan, engine: str) -> dict:
    """The manifest of a store about to run ``sweep`` as ``plan`` on ``engine`` (status "running", no sessions yet)."""
    post = posterior_record(sweep)
    manifest = {
        "store": {"format": stores.FORMAT, "version": stores.FORMAT_VERSION},
        "kind": "sweep",
        "casim_version": __version__,
        "name": sweep.name,
        "description": sweep.description,
        "status": "running",
        "sweep": {
            "file": sweep.source,
            "path": str(Path(sweep.source).resolve()) if sweep.source else None,
            "sha256": sweep.source_hash,
            "spec": sweep.raw,
        },
        "notes": list(sweep.notes),
        "scenario": sweep.scenario.to_dict(),
        "scenario_file_sha256": sweep.scenario.source_hash,
        "seed": sweep.seed,
        "seeds": SEEDS if post is None else POSTERIOR_SEEDS,
        "replicates": sweep.replicates,
        "engine": engine,
        "design": {
            "method": design.method,
            "points": design.points,
            "seed": sweep.design_seed,
            "options": design.options,
            "file": stores.DESIGN,
            "csv": sweep.csv_source,
            "note": "design.parquet: column 'point' and the design matrix X (SALib sample order and coordinates); "
            "results carry the decoded values",
        },
        "problem": design.problem,
        "parameters": {p.path: p.describe() for p in sweep.params},
        "keep": "trajectories" if sweep.keep is None else {"dates": list(sweep.keep)},
        "runs": plan.runs,
        "chunks": {
            "size": plan.chunk,
            "count": plan.n_chunks,
            "folder": stores.CHUNKS,
            "pattern": "part-NNNNNN.parquet",
            "checksums": stores.LEDGER,  # one JSON line per chunk written: {"chunk", "bytes", "sha256"}
        },
        "columns": {
            "core": list(results.CORE_COLUMNS) + list(sweep.scenario.powers) + ["hedging"],
            "summary": ["dominant"] if sweep.keep is not None else [],
            "design": ["point", *(["draw"] if post is not None else []), *(p.path for p in sweep.params)],
        },
        "versions": results.versions(),
        "timing": {"started": time.time(), "finished": None, "seconds": None},
        "sessions": [],
    }
    if post is not None:  # absent without a posterior: such a store's manifest is as it always was
        manifest["posterior"] = post
    return manifest
