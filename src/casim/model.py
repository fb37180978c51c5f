"""The Mesa model of one scenario run."""

from __future__ import annotations

from collections.abc import Mapping
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
    (``"baseline"``) or a scenario file. Keyword ``overrides`` change its
    parameters for this run, by dotted path with ``_`` for ``.``
    (``CentralAsia(west_sanctions=0.8, KAZ_stubbornness=0.4, rng=1)``), as
    does ``values`` by dotted path (shock values ``shocks.<id>.<path>``
    included); ``rng`` seeds the model's Generator, the only source of
    randomness.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path = "baseline",
        *,
        values: Mapping[str, object] | None = None,
        rng=None,
        **overrides,
    ):
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        values = {**(values or {}), **keyword_paths(scenario, overrides)}
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

        reporters = {"state": report_state, **{p: [report_share, [j]] for j, p in enumerate(scenario.powers)}}
        reporters["hedging"] = report_hedging
        self.datacollector = DataCollector(agenttype_reporters={CentralAsianState: reporters})
        self.datacollector.collect(self)

    def alignments(self) -> np.ndarray:
        """Every state's alignment, ``(states, powers)``, in the scenario's order of states."""
        return np.stack([s.alignment for s in self.agents_by_type[CentralAsianState]])

    def _advance(self, spinup: bool = False) -> None:
        snapshot = self.alignments()
        states = self.agents_by_type[CentralAsianState]
        states.do("decide", snapshot, spinup)
        states.do("commit", spinup)

    def step(self) -> None:
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
