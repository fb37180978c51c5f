"""The Mesa model of one scenario run."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from mesa import DataCollector, Model

from . import dynamics, schedule
from .agents import CentralAsianState, Power
from .scenario import Scenario


def share(agent: CentralAsianState, index: int) -> float:
    """Reporter: the agent's share toward one power."""
    return float(agent.alignment[index])


def hedging(agent: CentralAsianState) -> float:
    """Reporter: the agent's hedging index."""
    return agent.hedging


class CentralAsia(Model):
    """Five states weighing the powers' pressure, one quarter a step.

    ``values`` overrides parameters (and shock values ``shocks.<id>.<path>``)
    of the scenario for this run; ``rng`` seeds the model's Generator, the
    only source of randomness.
    """

    def __init__(self, scenario: Scenario, values: Mapping[str, float] | None = None, rng=None):
        super().__init__(rng=rng)
        self.spec = scenario
        self.space = scenario.space
        resolved = dict(scenario.values)
        resolved.update({k: v for k, v in (values or {}).items() if not k.startswith("shocks.")})
        self.params = self.space.arrays(resolved)
        self.version = 0  # bumped whenever a shock rewrites a parameter
        self.timeline = schedule.timelines(scenario, values)
        self.changes = schedule.changes(self.timeline)

        self.states = [CentralAsianState(self, i, s) for i, s in enumerate(scenario.states)]
        self.powers = [Power(self, j, p) for j, p in enumerate(scenario.powers)]
        for _ in range(int(resolved["model.spinup"])):
            before = self.alignments()
            self._advance(spinup=True)
            if dynamics.settled(before, self.alignments()):
                break
        self.reference = self.alignments()
        self.committed = self.reference  # the alignments the powers last responded to
        self.quarter = 0

        reporters = {p: [share, [j]] for j, p in enumerate(scenario.powers)}
        reporters["hedging"] = hedging
        self.datacollector = DataCollector(agenttype_reporters={CentralAsianState: reporters})
        self.datacollector.collect(self)

    def alignments(self) -> np.ndarray:
        """Every state's alignment, ``(states, powers)``."""
        return np.stack([s.alignment for s in self.states])

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
                self.space.write(self.params, path, self.timeline[path][t])
            self.version += 1
        self._advance()
        self.committed = self.alignments()  # what the powers respond to
        self.agents_by_type[Power].do("respond")
        self.datacollector.collect(self)
