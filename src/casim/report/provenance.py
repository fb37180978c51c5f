"""A report's provenance: enough to reproduce it (versions, seeds, the files read and their hashes, the resolved
parameters', the posterior the runs and the votes drew from)."""

from __future__ import annotations

import shlex
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .. import posterior as posterior_
from .._version import __version__
from ..scenario import Scenario
from ..sweep.checksums import sha256_file
from ..sweep.jobs import payload, payload_key

if TYPE_CHECKING:
    from .build import Report


def parameters_hash(scenario: Scenario) -> str:
    """SHA-256 of what a scenario's runs depend on: horizon, powers, every resolved parameter and the shocks."""
    p = payload(scenario)
    return payload_key({k: p[k] for k in ("start", "end", "powers", "values", "shocks")})


def record(report: Report, command: Sequence[str] | None) -> dict:
    """Enough to reproduce the report: versions, seeds, the files read and their hashes, the resolved parameters'."""
    m = report.table.attrs.get("manifest", {})
    scen = m.get("scenarios", {})
    any_run: Mapping = next(iter(scen.values()), {})

    def about(sc: Scenario) -> dict:
        run = scen.get(sc.name, {})
        return {
            "files_sha256": dict(run.get("scenario_files_sha256", dict(sc.sources))),
            "parameters_sha256": parameters_hash(sc),
            "created": run.get("created", ""),
        }

    out: dict = {
        "casim_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": shlex.join(command) if command is not None else "casim.report.build (from Python)",
        "seed": report.seed,
        "replicates": report.replicates,
        "seeds": m.get("seeds", ""),
        "engine": report.settings.engine,
        "scenarios": {sc.name: about(sc) for sc in [report.baseline, *(p.scenario for p in report.parts)]},
        "resolutions": {report.resolutions_file: sha256_file(Path(report.resolutions_file))},
        "versions": dict(any_run.get("versions", {})),
    }
    if report.draws:  # the runs' own posterior: file, hash, draws and rows (common to every scenario)
        out["runs over the posterior"] = dict(report.table.attrs["manifest"]["comparison"]["posterior"])
    if report.resolutions:
        post = posterior_.load()
        out["posterior"] = {
            "file": post.source,
            "sha256": post.sha256(),
            "draws": post.count(report.settings.draws),
            "of": len(post),
            "chosen with seed": report.seed,
        }
    if report.sweep_drivers is not None:
        store = Path(report.sweep_drivers.store)
        man = store / "manifest.json" if store.is_dir() else store.parent / "manifest.json"
        out["sweep"] = {str(store): sha256_file(man) if man.is_file() else ""}
    else:
        out["sensitivity"] = {
            "design": "one at a time: each uncertain parameter alone at its low and high value",
            "replicates per level": report.settings.sensitivity_replicates,
            "seed": report.seed,
        }
    return out
