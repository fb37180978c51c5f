"""Figures of results tables: each ``*_figure`` function returns a matplotlib Figure (notebooks and the CLI share them).

One module per family: :mod:`.style` (colours, labels, saving, panel layouts),
:mod:`.trajectories` (trajectories, ternary, stacked, compare, differences),
:mod:`.sweeps` (sweep map and line, discovery), :mod:`.sensitivity` (Sobol,
Morris, tornado) and :mod:`.votes` (votes, vote path, posterior). This package
re-exports their public names and holds :data:`FIGURE_KINDS`, the figure kinds
of ``casim plot --kind``, drawn by :func:`render_figure`.

Each power casim knows has one fixed colour (Okabe-Ito, safe for colour-blind
readers) in every figure, and other powers distinct ones within a table
(:func:`palette`); vote outcomes have colours of their own. Titles name the
scenario; axes carry units. Figures are built
with :class:`matplotlib.figure.Figure` directly, not pyplot, so they need no
GUI backend and leave no global state behind.

Importing this package imports neither matplotlib nor the analysis: each name
below is loaded from its module on first use, so ``casim`` can build its
command line (which lists :data:`FIGURE_KINDS`) without them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .sensitivity import sensitivity_figure, tornado_figure
    from .style import (
        FALLBACK_COLOURS,
        HEDGING_COLOUR,
        OUTCOME_COLOURS,
        POSTERIOR_COLOURS,
        POWER_COLOURS,
        colour,
        palette,
        save,
    )
    from .sweeps import (
        discovery_figure,
        sweep_figure,
        sweep_line_figure,
        sweep_map_figure,
    )
    from .trajectories import (
        compare_figure,
        differences_figure,
        stacked_figure,
        ternary_figure,
        trajectories_figure,
    )
    from .votes import POSTERIOR_BINS, identification_figure, posterior_figure, vote_path_figure, votes_figure

# each public name and the module of this package that defines it
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        [
            "FALLBACK_COLOURS",
            "HEDGING_COLOUR",
            "OUTCOME_COLOURS",
            "POSTERIOR_COLOURS",
            "POWER_COLOURS",
            "colour",
            "palette",
            "save",
        ],
        "style",
    ),
    **dict.fromkeys(
        ["compare_figure", "differences_figure", "stacked_figure", "ternary_figure", "trajectories_figure"],
        "trajectories",
    ),
    **dict.fromkeys(["discovery_figure", "sweep_figure", "sweep_line_figure", "sweep_map_figure"], "sweeps"),
    **dict.fromkeys(["sensitivity_figure", "tornado_figure"], "sensitivity"),
    **dict.fromkeys(
        ["POSTERIOR_BINS", "identification_figure", "posterior_figure", "vote_path_figure", "votes_figure"], "votes"
    ),
}


@dataclass(frozen=True)
class FigureKind:
    """One figure kind of ``casim plot --kind``: the figure function that draws it and the results table it fits.

    ``fits`` is ``"scenario"`` (one scenario's results: of a table of several,
    the one ``--scenario`` names), ``"comparison"`` (a table of two or more
    scenarios, from ``casim compare``) or ``"sweep"`` (a sweep's results, whose
    manifest gives the swept parameters).
    """

    function: str  # the name of the figure function in this package
    fits: str

    @property
    def draw(self) -> Callable[..., Figure]:
        """The figure function itself (loaded on first use)."""
        return getattr(sys.modules[__name__], self.function)


FIGURE_KINDS: Mapping[str, FigureKind] = {
    "trajectories": FigureKind("trajectories_figure", "scenario"),
    "ternary": FigureKind("ternary_figure", "scenario"),
    "compare": FigureKind("compare_figure", "comparison"),
    "differences": FigureKind("differences_figure", "comparison"),
    "sweep": FigureKind("sweep_figure", "sweep"),
    "sensitivity": FigureKind("sensitivity_figure", "sweep"),
    "discovery": FigureKind("discovery_figure", "sweep"),
}


def render_figure(
    kind: str,
    df: pd.DataFrame,
    state: str | None = None,
    problem: Mapping | None = None,
    design: Mapping | None = None,
    outcome: str | None = None,
    partner: str | None = None,
    scenario: str | None = None,
) -> Figure:
    """The figure of one ``kind`` (:data:`FIGURE_KINDS`) for a results table (``problem``/``design`` from a sweep's
    manifest for sweep kinds).

    ``scenario`` picks one scenario of a table that holds several (``compare``
    and ``differences``: the baseline, by default the first).
    """
    from ..analysis import compare as _compare
    from ..analysis import discovery as _discovery
    from ..analysis import sensitivity as _sensitivity
    from ..analysis.summary import (
        check_choice,
        one_scenario,
        outcomes_of,
        scenarios_of,
        states_of,
    )
    from ..errors import CasimError
    from .sweeps import discovery_target

    check_choice("figure kind", kind, tuple(FIGURE_KINDS))
    draw = FIGURE_KINDS[kind].draw
    states = None if state is None else [state]
    if FIGURE_KINDS[kind].fits == "comparison":
        if len(scenarios_of(df)) < 2:
            raise CasimError(
                f"the {kind} figure needs a table with two or more scenarios (write one with `casim compare`)"
            )
        if kind == "compare":
            return draw(df, states, baseline=scenario)
        diff = _compare.differences(df, baseline=scenario)
        if state is not None:
            diff = diff[diff["state"] == check_choice("state", state, states_of(df))]
        return draw(diff, None if outcome is None else [check_choice("outcome", outcome, outcomes_of(df))])
    df = one_scenario(df, scenario)
    if kind in ("trajectories", "ternary"):
        return draw(df, states)
    if kind == "sweep":
        return draw(df, state, outcome=outcome or "dominant", problem=problem)
    if kind == "sensitivity":
        idx = _sensitivity.from_manifest(
            df, {"problem": problem, "design": design}, states, None if outcome is None else [outcome]
        )
        return draw(idx)
    state, partner = discovery_target(df, state, partner)
    box = _discovery.discover(df, state, partner, problem=problem)
    return draw(df, box)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (see the module docstring)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "FALLBACK_COLOURS",
    "FIGURE_KINDS",
    "HEDGING_COLOUR",
    "OUTCOME_COLOURS",
    "POSTERIOR_BINS",
    "POSTERIOR_COLOURS",
    "POWER_COLOURS",
    "FigureKind",
    "colour",
    "compare_figure",
    "differences_figure",
    "discovery_figure",
    "palette",
    "identification_figure",
    "posterior_figure",
    "render_figure",
    "save",
    "sensitivity_figure",
    "stacked_figure",
    "sweep_figure",
    "sweep_line_figure",
    "sweep_map_figure",
    "ternary_figure",
    "tornado_figure",
    "trajectories_figure",
    "vote_path_figure",
    "votes_figure",
]
