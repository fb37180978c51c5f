"""The Mesa model of one scenario run."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import cast

import numpy as np
from mesa import DataCollector, Model

from . import dynamics, schedule
from .agents import CentralAsianState, Power
from .errors import CasimError, did_you_mean
from .scenario import Scenario, load_scenario


def report_share(agent: CentralAsianState, index: int) -> float:
    """Reporter: the agent's share toward one power."""
    return float(agent.alignment[index])


def report_hedging(agent: CentralAsianState) -> float:
    """Reporter: the agent's hedging index."""
    return agent.hedging


def report_state(agent: CentralAsianState) -> str:
    """Reporter: the agent's state code (KAZ, KGZ, ...), so its rows are found by name, not by agent id."""
    return agent.code


def report_model_share(model: CentralAsia, state: int, power: int) -> float:
    """Model reporter: one state's share toward one power (``KAZ_russia``), a float."""
    return model.reported()[0][state][power]


def report_model_hedging(model: CentralAsia, state: int) -> float:
    """Model reporter: one state's hedging index (``KAZ_hedging``), a float."""
    return model.reported()[1][state]


def model_reporters(scenario: Scenario) -> dict[str, partial]:
    """Model-level reporters ``{state}_{power}`` and ``{state}_hedging``, state by state, powers in order.

    Partials of module-level functions: picklable, and what both Mesa 3.3 and
    3.5 call with the model.
    """
    out: dict[str, partial] = {}
    for i, s in enumerate(scenario.states):
        for j, p in enumerate(scenario.powers):
            out[f"{s}_{p}"] = partial(report_model_share, state=i, power=j)
        out[f"{s}_hedging"] = partial(report_model_hedging, state=i)
    return out


def keyword_paths(scenario: Scenario, overrides: Mapping[str, object]) -> dict[str, object]:
    """Keyword overrides (``west_sanctions=0.8``: a dotted path with ``_`` for ``.``) as dotted paths.

    Dotted paths themselves are accepted too (``**{"west.sanctions": 0.8}``).
    An unknown name is a one-line error with the nearest valid keyword.
    """
    if not overrides:  # the engines' path: no name table to build for every run
        return {}
    paths = set(scenario.space.slots) | set(scenario.values)
    by_keyword = {p.replace(".", "_"): p for p in paths}
    out = {}
    for key, value in overrides.items():
        path = key if key in paths or key.startswith("shocks.") else by_keyword.get(key)
        if path is None:
            raise CasimError(f"unknown model parameter {key!r}{did_you_mean(key, sorted(by_keyword))}")
        out[path] = value
    return out


class CentralAsia(Model):
    """Five states weighing the powers' pressure, one quarter a step.

    ``scenario`` is a :class:`Scenario`, the name of a shipped scenario
    (``"baseline"``) or a scenario file; ``spec`` says the same and wins (Mesa
    3.5 reserves ``scenario`` for its own Scenario objects, which SolaraViz
    passes on reset: give casim's as ``spec`` in ``model_params`` there). Keyword arguments (``**kwargs``: the
    name Mesa 3.3's SolaraViz checks for) change its
    parameters for this run, by dotted path with ``_`` for ``.``
    (``CentralAsia(west_sanctions=0.8, KAZ_stubbornness=0.4, rng=1)``), as
    does ``values`` by dotted path (shock values ``shocks.<id>.<path>``
    included); ``rng`` seeds the model's Generator, the only source of
    randomness.

    Mesa's tools can drive it (docs/integrations.md): the DataCollector has
    model-level reporters ``{state}_{power}`` and ``{state}_hedging`` (floats;
    ``collect_model_vars=False`` leaves them out, as the engine path does not
    need them) and agent-type reporters for the states only (a ``state``
    column with the state code; the powers are not in the agent tables).
    The model runs ``scenario.steps`` quarters; the step after the horizon
    moves nothing, collects nothing and sets ``running`` to False, so
    ``mesa.batch_run`` reports every quarter 0..horizon on Mesa 3.3 (which
    reports the steps below ``model.steps``) as on 3.5, and SolaraViz stops.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        *,
        spec: Scenario | str | Path | None = None,
        values: Mapping[str, object] | None = None,
        collect_model_vars: bool = True,
        rng=None,
        **kwargs,
    ):
        super().__init__(rng=rng)
        if spec is not None:  # Mesa 3.5's SolaraViz resets a model with its own Scenario object as `scenario`
            scenario = spec
        if isinstance(scenario, str | Path):
            scenario = load_scenario(scenario)
        if not isinstance(scenario, Scenario):
            raise CasimError(
                f"CentralAsia takes a casim scenario (a shipped name, a file or casim.Scenario), not a "
                f"{type(scenario).__name__}; in Mesa 3.5's SolaraViz give it as model_params={{'spec': ...}}"
            )
        values = {**(values or {}), **keyword_paths(scenario, kwargs)}
        self.spec = scenario
        self.parameter_space = scenario.space
        resolved = dict(scenario.values)
        resolved.update({k: v for k, v in (values or {}).items() if not k.startswith("shocks.")})
        self.params = self.parameter_space.arrays(resolved)
        self.version = 0  # bumped whenever a shock rewrites a parameter
        self.timeline = schedule.timelines(scenario, values)
        self.changes = schedule.changes(self.timeline)

        for i, s in enumerate(scenario.states):
            CentralAsianState(self, i, s)
        for j, p in enumerate(scenario.powers):
            Power(self, j, p)
        for _ in range(int(cast(int, resolved["model.spinup"]))):  # a whole number: checked by the scenario
            before = self.alignments()
            self._advance(spinup=True)
            if dynamics.settled(before, self.alignments()):
                break
        self.reference = self.alignments()
        self.committed = self.reference  # the alignments the powers last responded to
        self.quarter = 0
        self.horizon = scenario.steps
        self._reported: tuple[int, list[list[float]], list[float]] | None = None

        reporters = {"state": report_state, **{p: [report_share, [j]] for j, p in enumerate(scenario.powers)}}
        reporters["hedging"] = report_hedging
        self.datacollector = DataCollector(
            model_reporters=model_reporters(scenario) if collect_model_vars else None,
            agenttype_reporters={CentralAsianState: reporters},
        )
        self.datacollector.collect(self)

    def alignments(self) -> np.ndarray:
        """Every state's alignment, ``(states, powers)``, in the scenario's order of states."""
        return np.stack([s.alignment for s in self.agents_by_type[CentralAsianState]])

    def reported(self) -> tuple[list[list[float]], list[float]]:
        """This quarter's shares ``[state][power]`` and hedging ``[state]`` as floats, computed once per quarter."""
        if self._reported is None or self._reported[0] != self.quarter:
            self._reported = (self.quarter, self.committed.tolist(), dynamics.hedging(self.committed).tolist())
        return self._reported[1], self._reported[2]

    def _advance(self, spinup: bool = False) -> None:
        snapshot = self.alignments()
        states = self.agents_by_type[CentralAsianState]
        states.do("decide", snapshot, spinup)
        states.do("commit", spinup)

    def step(self) -> None:
        if self.quarter >= self.horizon:  # past the horizon: end the run, move and collect nothing
            self.running = False
            return
        self.quarter += 1  # own counter: how Mesa counts steps differs across versions
        t = self.quarter
        if self.changes and self.changes[t]:
            for path in self.changes[t]:
                self.parameter_space.write(self.params, path, self.timeline[path][t])
            self.version += 1
        self._advance()
        self.committed = self.alignments()  # what the powers respond to
        self.agents_by_type[Power].do("respond")
        self.datacollector.collect(self)
