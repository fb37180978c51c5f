"""The shipped posterior of the UN fit: its draws as model values and measurement coefficients.

``casim/data/posterior/draws.parquet`` holds the emcee draws of
:mod:`casim.fit` (model parameters by dotted path, ``doctrine.<d>.<name>``
for one value per doctrine, and the measurement coefficients of
:mod:`casim.measurement`); ``manifest.json`` beside it records how they were
made. :func:`subset` picks draws reproducibly from a seed.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from . import measurement, shipped, sources
from .errors import CasimError
from .scenario import Scenario, load_scenario

MEASUREMENT = measurement.IDEAL_COEFFICIENTS + measurement.VOTE_COEFFICIENTS


@dataclass(frozen=True)
class Posterior:
    """Posterior draws: ``draws`` one row per draw, ``source`` the file they came from, ``digest`` the SHA-256 of
    the bytes they were read from (None: made in memory; :meth:`sha256` then hashes the file)."""

    draws: pd.DataFrame
    source: str
    manifest: dict
    digest: str | None = None

    def __len__(self) -> int:
        return len(self.draws)

    def model_values(self, states) -> dict[str, np.ndarray]:
        """Per-draw values of the model parameters by dotted path (doctrine values written to each state)."""
        cols = [c for c in self.draws.columns if c not in MEASUREMENT and c != "log_prob"]
        return sources.expand_doctrines({c: self.draws[c].to_numpy() for c in cols}, states)

    def check_scenario(self, scenario: Scenario) -> None:
        """A one-line error where the draws would silently replace what the scenario asks for: a ``--set`` of a
        parameter the posterior draws, a value of one in the scenario's files other than the calibration data's
        default and the shipped baseline's (the calibrations the posterior replaces), or a shock on one."""
        drawn = self.model_values(scenario.states)
        clash = [key for key, _ in scenario.overrides if key in drawn]
        if clash:
            raise CasimError(
                f"--set {clash[0]}: the posterior draws this parameter; drop the --set, or run the point values "
                "with --posterior none"
            )
        shocked = [sh.path for sh in scenario.shocks if sh.path in drawn]
        if shocked:
            raise CasimError(
                f"a shock changes {shocked[0]}, which the posterior draws: run the scenario with --posterior none",
                where=scenario.source,
            )
        # a value the scenario's files set: neither the calibration data's default nor the shipped baseline's pin
        base = _baseline_values()
        default = scenario.space.defaults
        own = [k for k in drawn if k in base and scenario.values[k] not in (base[k], default.get(k, base[k]))]
        if own:
            raise CasimError(
                f"{own[0]}: the scenario sets this parameter to {scenario.values[own[0]]:g} (the shipped "
                f"baseline: {base[own[0]]:g}), and the posterior draws it; run the scenario with --posterior none, "
                "or drop the value",
                where=scenario.source,
            )

    def coefficients(self) -> dict[str, np.ndarray]:
        """Per-draw measurement coefficients (``b``, ``lam``, ``sigma`` and the vote model's)."""
        return {c: self.draws[c].to_numpy() for c in MEASUREMENT}

    def count(self, n: int | None) -> int:
        """How many draws :meth:`rows` keeps of ``n`` asked for (all when ``n`` is None or at least their number)."""
        return len(self) if n is None else min(n, len(self))

    def rows(self, n: int | None, seed: int) -> np.ndarray:
        """The rows :meth:`subset` keeps: ``n`` chosen without replacement from ``SeedSequence(seed)``, in order
        (all when ``n`` is None or at least the number of draws)."""
        if n is None or n >= len(self):
            return np.arange(len(self))
        if n < 1:
            raise CasimError(f"--draws must be at least 1 (got {n})")
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        return np.sort(rng.choice(len(self), size=n, replace=False))

    def subset(self, n: int | None, seed: int) -> Posterior:
        """``n`` draws chosen without replacement from ``SeedSequence(seed)`` (all, in order, when ``n`` is None)."""
        if n is None or n >= len(self):
            return self
        rows = self.rows(n, seed)
        return Posterior(self.draws.iloc[rows].reset_index(drop=True), self.source, self.manifest, self.digest)

    def sha256(self) -> str:
        """The SHA-256 of the draws file as it was read (what a manifest records of the posterior a run used)."""
        return self.digest or hashlib.sha256(Path(self.source).read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def _baseline_values() -> dict:
    """The shipped baseline's resolved values (the pins :meth:`Posterior.check_scenario` lets through), read once."""
    return dict(load_scenario(shipped.scenario_file("baseline")).values)


def shipped_folder() -> Path:
    """The folder of the shipped posterior (package data)."""
    return Path(str(resources.files("casim").joinpath("data", "posterior")))


def resolve(spec: Posterior | str | Path | None) -> Posterior | None:
    """The posterior ``spec`` names: None for None or 'none' (the parameters' point values), the shipped fit for
    'shipped', a :class:`Posterior` as it is, else the folder or draws file given (:func:`load`)."""
    if spec is None or isinstance(spec, Posterior):
        return spec
    if str(spec) in ("none", ""):
        return None
    return load(None if str(spec) == "shipped" else str(spec))


def load(path: str | None = None) -> Posterior:
    """The posterior in ``path`` (a folder with draws.parquet and manifest.json), or the shipped one.

    The draws file is read (0.1 ms) and hashed on every call, and parsed once per content: a file rewritten at the
    same path is never answered from a stale copy, and the hash a manifest records is that of the draws used."""
    folder = shipped_folder() if path is None else Path(path)
    draws_file = folder / "draws.parquet" if folder.is_dir() else folder
    if not draws_file.is_file():
        raise CasimError("no posterior draws here (expected a folder with draws.parquet)", where=str(folder))
    data = draws_file.read_bytes()
    manifest_file = draws_file.parent / "manifest.json"
    manifest = manifest_file.read_text() if manifest_file.is_file() else "{}"
    return _parse(str(draws_file), hashlib.sha256(data).hexdigest(), data, manifest)


@lru_cache(maxsize=4)
def _parse(draws_file: str, digest: str, data: bytes, manifest: str) -> Posterior:
    """The posterior of one content of the files (cached on all four: the same bytes parse to the same draws)."""
    try:
        draws = pd.read_parquet(io.BytesIO(data))
    except Exception as e:  # pyarrow raises several kinds for a file that is not Parquet
        raise CasimError(f"unreadable posterior draws: {e}", where=draws_file) from None
    missing = [c for c in MEASUREMENT if c not in draws.columns]
    if missing:
        raise CasimError(f"not a casim posterior: no column {missing[0]!r}", where=draws_file)
    try:
        meta = json.loads(manifest)
    except ValueError as e:
        raise CasimError(f"unreadable manifest.json beside the draws: {e}", where=draws_file) from None
    return Posterior(draws, draws_file, meta, digest)
