"""Mesa agents: the five Central Asian states and the powers that pull them."""

from __future__ import annotations

import numpy as np
from mesa import Agent

from . import dynamics


class CentralAsianState(Agent):
    """A state holding an alignment (shares toward each power, summing to 1)."""

    def __init__(self, model, index: int, code: str):
        super().__init__(model)
        self.index = index
        self.code = code
        self.params = dynamics.state_view(model.params, index, model.parameter_space.state_fields)
        n = len(model.spec.powers)
        self.alignment = np.full(n, 1.0 / n)
        self.target = self.alignment
        self.static: dict = {}
        self.version = -1

    @property
    def hedging(self) -> float:
        return float(dynamics.hedging(self.alignment))

    def decide(self, snapshot: np.ndarray, spinup: bool = False) -> None:
        """Choose a target from the snapshot every state sees (synchronous update)."""
        m = self.model
        if self.version != m.version:  # parameters changed (a shock): recompute what depends on them
            self.static = dynamics.static_terms(self.params, m.parameter_space.masks)
            self.version = m.version
        static = self.static
        powers = m.agents_by_type[Power]
        engagement = np.array([pw.engagement[self.index, 0] for pw in powers])
        coercion = np.array([pw.coercion[self.index, 0] for pw in powers])
        u = dynamics.utility(static, snapshot, engagement, coercion)
        shock = None if spinup else m.rng.standard_normal(len(powers))
        self.target = dynamics.choose(u, shock, static)

    def commit(self, spinup: bool = False) -> None:
        self.alignment = dynamics.commit(self.alignment, self.target, self.static, spinup)


class Power(Agent):
    """An outside power: its levers live in the model's parameter arrays; it remembers its responses."""

    def __init__(self, model, index: int, name: str):
        super().__init__(model)
        self.index = index
        self.name = name
        n_states = len(model.spec.states)
        self.engagement = np.zeros((n_states, 1))  # per state: boost to its economic levers
        self.coercion = np.zeros((n_states, 1))  # per state: coercion added to its standing level
        self.terms: dict = {}
        self.version = -1

    def respond(self) -> None:
        """Engage states drifting toward it (where stable enough), coerce those drifting away."""
        m, j = self.model, [self.index]
        if self.version != m.version:
            self.terms = dynamics.response_terms(m.params)  # [states, powers]
            self.version = m.version
        terms = self.terms
        drift = m.committed[:, j] - m.reference[:, j]
        self.engagement = dynamics.respond(self.engagement, drift, terms["engage"][:, j], terms["keep"])
        self.coercion = dynamics.respond(self.coercion, -drift, terms["retain"][j], terms["keep"])
