"""EMA Workbench adapter: a casim scenario as an EMA model, evaluated in batches by the ensemble engine.

``casim.ema.model("baseline")`` declares the experiment (uncertainties and
levers from the scenario's parameter space with its bounds, outcomes the
horizon shares and hedging per state); ``BatchEvaluator`` hands the whole
design to :func:`casim.api.simulate` at once::

    from ema_workbench.analysis import prim
    m = casim.ema.model("baseline")
    with casim.ema.BatchEvaluator(m) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=1000)

Needs the ``ema`` extra (``pip install "casim[ema]"``; ema_workbench installs
on Python 3.12 and newer). Experiment ``i`` (EMA's row ``i``) is run ``i *
replicates + r`` of a sweep with the same seed: seeds
``casim.seeding.run_seed(seed, i * replicates + r)``, so the numbers equal
``casim sweep`` on the same design (docs/integrations.md).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from . import api, dynamics
from .errors import CasimError, did_you_mean
from .scenario import Scenario, load_scenario
from .seeding import run_seeds

try:
    with warnings.catch_warnings():  # ema_workbench warns on import that its optional ipyparallel evaluator is absent
        warnings.filterwarnings("ignore", "ipyparallel not installed", UserWarning)
        from ema_workbench import Model, RealParameter, ScalarOutcome
        from ema_workbench.em_framework.evaluators import BaseEvaluator
except ImportError as e:  # pragma: no cover - exercised where ema_workbench is absent
    raise ImportError(
        'casim.ema needs the EMA Workbench: pip install "casim[ema]" (ema_workbench installs on Python >= 3.12)'
    ) from e

__all__ = ["BatchEvaluator", "CasimModel", "LEVERS", "default_parameters", "model", "outcome_names"]

# The powers' policy instruments (set by a government); every other parameter with a prior range is an uncertainty.
LEVERS = ("coercion", "sanctions", "engage", "retain")


def keyword(path: str) -> str:
    """The EMA (and Mesa keyword) name of a dotted path: ``west.sanctions`` -> ``west_sanctions``."""
    return path.replace(".", "_")


def outcome_names(scenario: Scenario) -> list[str]:
    """``{state}_{power}`` and ``{state}_hedging``, state by state: the Mesa model's model-level reporters."""
    return [f"{s}_{p}" for s in scenario.states for p in (*scenario.powers, "hedging")]


def default_parameters(scenario: Scenario) -> tuple[list[str], list[str]]:
    """(uncertainties, levers): every float parameter with a prior range, ``pole`` switches excluded.

    Levers are the powers' instruments (:data:`LEVERS`); the rest (stigma,
    doctrines, model and region parameters, channel weights) are uncertainties.
    """
    space = scenario.space
    uncertainties: list[str] = []
    levers: list[str] = []
    for path, slot in space.slots.items():
        if slot.kind != "float" or path.endswith(".pole") or space.prior_range(path) is None:
            continue
        head, _, name = path.partition(".")
        (levers if head in scenario.powers and name in LEVERS else uncertainties).append(path)
    return uncertainties, levers


def _bounds(scenario: Scenario, path: str, given: Sequence[float] | None) -> tuple[float, float]:
    """A parameter's range: as given, else its prior range, else its hard bounds if finite."""
    space = scenario.space
    shocks = {sh.key: sh.path for sh in scenario.shocks}
    base = shocks.get(path, path)
    slot = space.slots.get(base)
    if slot is None or slot.kind != "float":
        valid = [k for k, sl in space.slots.items() if sl.kind == "float"] + list(shocks)
        raise CasimError(f"not a float parameter of {scenario.name}: {path!r}{did_you_mean(path, valid)}")
    lo, hi = (float(given[0]), float(given[1])) if given is not None else (space.prior_range(base) or slot.bounds)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise CasimError(f"{path} has no prior range: give one, e.g. {{{path!r}: (0.0, 1.0)}}")
    if not slot.bounds[0] <= lo < hi <= slot.bounds[1]:
        raise CasimError(
            f"{path}: range [{lo}, {hi}] must be increasing and within [{slot.bounds[0]}, {slot.bounds[1]}]"
        )
    return lo, hi


def _parameters(scenario: Scenario, spec: Iterable[str] | Mapping[str, Sequence[float]]) -> list[RealParameter]:
    ranges: Mapping[str, Sequence[float] | None] = spec if isinstance(spec, Mapping) else dict.fromkeys(spec)
    return [RealParameter(keyword(p), *_bounds(scenario, p, r), variable_name=p) for p, r in ranges.items()]


def _unbatched(**params):
    raise CasimError(
        "a casim.ema model runs through casim.ema.BatchEvaluator (it gives each experiment its seeds "
        "and the whole design to the ensemble engine): perform_experiments(m, n, evaluator=BatchEvaluator(m))"
    )


class CasimModel(Model):
    """An EMA model of one casim scenario; its experiments run through :class:`BatchEvaluator`."""

    def __init__(self, name: str, scenario: Scenario, seed: int, replicates: int):
        super().__init__(name, function=_unbatched)
        self.scenario = scenario
        self.seed = seed
        self.replicates = replicates


def model(
    scenario: Scenario | str | Path = "baseline",
    uncertainties: Iterable[str] | Mapping[str, Sequence[float]] | None = None,
    levers: Iterable[str] | Mapping[str, Sequence[float]] | None = None,
    *,
    replicates: int = 1,
    seed: int | None = None,
) -> CasimModel:
    """An EMA model of a scenario.

    ``uncertainties`` and ``levers`` are dotted paths (a list: each over its
    prior range, or its hard bounds where finite) or ``{path: (low, high)}``;
    shock magnitudes are ``shocks.<id>.<path>``. By default they are
    :func:`default_parameters`. EMA names are the paths with ``_`` for ``.``
    (``west_sanctions``), as the Mesa model's keywords. Outcomes: each state's
    share toward each power and its hedging index at the horizon, the mean
    over ``replicates`` runs; ``seed`` defaults to the scenario's.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if replicates < 1:
        raise CasimError(f"replicates must be at least 1 (got {replicates})")
    default_u, default_l = default_parameters(scenario)
    name = re.sub(r"\W", "_", scenario.name)
    m = CasimModel(
        name if name.isidentifier() else f"casim_{name}",
        scenario,
        scenario.seed if seed is None else int(seed),
        int(replicates),
    )
    m.uncertainties = _parameters(scenario, default_u if uncertainties is None else uncertainties)
    m.levers = _parameters(scenario, default_l if levers is None else levers)
    m.outcomes = [ScalarOutcome(n) for n in outcome_names(scenario)]
    return m


def horizon_outcomes(scenario: Scenario, traj: np.ndarray, replicates: int) -> dict[str, np.ndarray]:
    """Outcome arrays (one value per experiment) from trajectories ``(experiments * replicates, T + 1, S, P)``."""
    last = traj[:, -1]
    n, S, P = last.shape[0] // replicates, len(scenario.states), len(scenario.powers)
    shares = last.reshape(n, replicates, S, P).mean(1)
    hedging = dynamics.hedging(last).reshape(n, replicates, S).mean(1)
    out = {}
    for i, s in enumerate(scenario.states):
        for j, p in enumerate(scenario.powers):
            out[f"{s}_{p}"] = shares[:, i, j]
        out[f"{s}_hedging"] = hedging[:, i]
    return out


def run_design(m: CasimModel, design: Mapping[str, np.ndarray], ids: np.ndarray) -> dict[str, np.ndarray]:
    """Run experiments ``ids`` with per-experiment values ``{path: array}`` as one ensemble batch."""
    r = m.replicates
    runs = (np.asarray(ids, dtype=np.int64)[:, None] * r + np.arange(r)).ravel()
    all_seeds = run_seeds(m.seed, int(runs.max()) + 1) if len(runs) else np.empty(0, np.int64)
    values = {path: np.repeat(np.asarray(v, dtype=float), r) for path, v in design.items()}
    traj = api.simulate(m.scenario, all_seeds[runs], values)
    return horizon_outcomes(m.scenario, traj, r)


class BatchEvaluator(BaseEvaluator):
    """An EMA evaluator that runs all experiments of a casim model as one ensemble batch per model.

    Experiment ``i`` gets the seeds of runs ``i * replicates + r`` of the
    model's seed (as ``casim sweep``), whatever the order EMA hands them over.
    """

    def initialize(self):
        """Nothing to start: the ensemble engine runs in this process."""

    def finalize(self):
        """Nothing to stop."""

    def evaluate_experiments(self, experiments, callback: Callable, **kwargs):
        """Group the experiments by model, run each group at once, report each experiment's outcomes."""
        models = {m.name: m for m in self._msis}
        by_model: dict[str, list] = {}
        for exp in experiments:
            by_model.setdefault(exp.model_name, []).append(exp)
        for name, exps in by_model.items():
            m = models[name]
            if not isinstance(m, CasimModel):
                raise CasimError(f"BatchEvaluator runs casim.ema models only, not {type(m).__name__} {name!r}")
            constants = {c.variable_name[0]: c.value for c in m.constants}
            design = {}
            for par in [*m.uncertainties, *m.levers]:
                sample = [exp.scenario if par.name in exp.scenario else exp.policy for exp in exps]
                if any(par.name not in s for s in sample):  # not sampled: the scenario's own value
                    continue
                design[par.variable_name[0]] = np.array([s[par.name] for s in sample], dtype=float)
            design.update({p: np.full(len(exps), float(v)) for p, v in constants.items()})
            ids = np.array([exp.experiment_id for exp in exps], dtype=np.int64)
            results = run_design(m, design, ids)
            for k, exp in enumerate(exps):
                callback(exp, {o: float(v[k]) for o, v in results.items()})
