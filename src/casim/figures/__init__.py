"""Figures of results tables: each ``*_figure`` function returns a matplotlib Figure (notebooks and the CLI share them).

One module per family: :mod:`.style` (colours, labels, saving, panel layouts),
:mod:`.trajectories` (trajectories, compare), :mod:`.simplex` (ternary, stacked),
:mod:`.differences` (differences from a baseline), :mod:`.sweeps` (sweep map
and line, discovery), :mod:`.sensitivity` (Sobol, Morris, tornado) and
:mod:`.votes` (votes, vote path, posterior). This package re-exports their
public names and holds :data:`FIGURE_KINDS`, the figure kinds of ``casim plot
--kind``, drawn by :func:`render_figure`, and which kinds fit which results
(:func:`input_of`, :func:`kinds_for`, :func:`check_fit`).

Each power casim knows has one fixed colour (Okabe-Ito, safe for colour-blind
readers) in every figure, and other powers distinct ones within a table
(:func:`palette`); vote outcomes have colours of their own. Powers go by their
display names (:func:`power_name`). Titles name the scenario (and a sweep's
figures the sweep); axes carry units. Figures are built
with :class:`matplotlib.figure.Figure` directly, not pyplot, so they need no
GUI backend and leave no global state behind.

Importing this package imports neither matplotlib nor the analysis: each name
below is loaded from its module on first use, so ``casim`` can build its
command line (which lists :data:`FIGURE_KINDS`) without them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import _lazy

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .differences import differences_figure
    from .sensitivity import sensitivity_figure, tornado_figure
    from .simplex import stacked_figure, ternary_figure
    from .skill import skill_figure
    from .style import (
        FALLBACK_COLOURS,
        HEDGING_COLOUR,
        OUTCOME_COLOURS,
        POSTERIOR_COLOURS,
        POWER_COLOURS,
        colour,
        palette,
        power_name,
        save,
    )
    from .sweeps import (
        discovery_figure,
        sweep_figure,
        sweep_line_figure,
        sweep_map_figure,
    )
    from .trajectories import compare_figure, trajectories_figure
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
            "power_name",
            "save",
        ],
        "style",
    ),
    **dict.fromkeys(["compare_figure", "trajectories_figure"], "trajectories"),
    **dict.fromkeys(["stacked_figure", "ternary_figure"], "simplex"),
    "differences_figure": "differences",
    "skill_figure": "skill",
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

# what each kind of results table is called in an error, and why a kind of another table does not fit it
_INPUTS = {
    "scenario": "one scenario's run table",
    "comparison": "a comparison table (several scenarios)",
    "sweep": "a sweep's results",
}
_NEEDS = {
    "scenario": "one scenario's runs over time",
    "comparison": "a table of two or more scenarios (write one with `casim compare`)",
    "sweep": "a sweep's design points and its manifest (write one with `casim sweep`)",
}


def input_of(df: pd.DataFrame, manifest: Mapping | None = None) -> str:
    """What a results table is: ``"sweep"`` (its manifest is a sweep's, or its rows carry a design ``point``),
    ``"comparison"`` (two or more scenarios) or ``"scenario"`` (one scenario's runs)."""
    from ..analysis.summary import scenarios_of

    if (manifest or {}).get("kind") == "sweep" or "point" in df.columns:
        return "sweep"
    return "comparison" if len(scenarios_of(df)) > 1 else "scenario"


def kinds_for(table: str) -> list[str]:
    """The figure kinds that fit a table (:func:`input_of`): its own, then for a comparison one scenario's kinds too
    (drawn for the scenario ``--scenario`` names)."""
    also = ["scenario"] if table == "comparison" else []
    return [k for fits in (table, *also) for k, v in FIGURE_KINDS.items() if v.fits == fits]


def check_fit(kind: str, df: pd.DataFrame, manifest: Mapping | None = None, where: str | None = None) -> str:
    """``kind`` if it fits the table (:func:`kinds_for`), else a one-line error naming the kinds that do."""
    from ..analysis.summary import check_choice
    from ..errors import CasimError

    check_choice("figure kind", kind, tuple(FIGURE_KINDS))
    table = input_of(df, manifest)
    fits = kinds_for(table)
    if kind not in fits:
        raise CasimError(
            f"--kind {kind} does not fit {_INPUTS[table]}: it needs {_NEEDS[FIGURE_KINDS[kind].fits]}; "
            f"kinds that fit this table: {', '.join(fits)}",
            where=where,
        )
    return kind


def render_figure(
    kind: str,
    df: pd.DataFrame,
    state: str | None = None,
    problem: Mapping | None = None,
    design: Mapping | None = None,
    outcome: str | None = None,
    partner: str | None = None,
    scenario: str | None = None,
    manifest: Mapping | None = None,
    zoom: bool = False,
    where: str | None = None,
    band: str = "all",
) -> Figure:
    """The figure of one ``kind`` (:data:`FIGURE_KINDS`) for a results table and its ``manifest``.

    A kind that does not fit the table (:func:`check_fit`) is an error (naming ``where``, the results read).
    ``problem``/``design`` default to the manifest's (sweep kinds); the
    manifest also gives the sweep's name for its titles and the scenario's
    shocks for trajectories. ``scenario`` picks one scenario of a table that
    holds several (``compare`` and ``differences``: the baseline, by default
    the first). ``zoom`` zooms the ternary figure on the data. ``band`` is the fan's band of trajectories and
    compare: ``all`` (the runs' spread: parameters and noise over posterior draws) or ``noise`` (the spread within
    a draw).
    """
    from ..analysis import compare as _compare
    from ..analysis import discovery as _discovery
    from ..analysis import sensitivity as _sensitivity
    from ..analysis.summary import check_choice, one_scenario, outcomes_of, scenarios_of, states_of
    from ..errors import CasimError
    from .sweeps import discovery_target
    from .trajectories import shocks_in

    manifest = manifest or {}
    check_fit(kind, df, manifest, where)
    if band != "all" and kind not in ("trajectories", "compare"):
        raise CasimError(f"--band {band} applies to the trajectories and compare figures, not {kind}")
    problem = manifest.get("problem") if problem is None else problem
    design = manifest.get("design") if design is None else design
    sweep = manifest.get("name") if manifest.get("kind") == "sweep" else None
    draw = FIGURE_KINDS[kind].draw
    states = None if state is None else [state]
    if FIGURE_KINDS[kind].fits == "comparison":
        if kind == "compare":
            return draw(df, states, baseline=scenario, band=band)
        diff = _compare.differences(df, baseline=scenario)
        if state is not None:
            diff = diff[diff["state"] == check_choice("state", state, states_of(df))]
        modelled = {
            name: m["scenario"]["powers"]
            for name, m in (manifest.get("scenarios") or {}).items()
            if isinstance(m, Mapping) and isinstance(m.get("scenario"), Mapping) and "powers" in m["scenario"]
        }
        return draw(
            diff,
            None if outcome is None else [check_choice("outcome", outcome, outcomes_of(df))],
            modelled=modelled or None,
        )
    df = one_scenario(df, scenario)
    if kind == "trajectories":
        return draw(df, states, shocks=shocks_in(manifest, scenarios_of(df)[0]), band=band)
    if kind == "ternary":
        return draw(df, states, zoom=zoom)
    if kind == "sweep":
        return draw(df, state, outcome=outcome or "dominant", problem=problem, sweep=sweep)
    if kind == "sensitivity":
        idx = _sensitivity.from_manifest(
            df,
            {"problem": problem, "design": design, "seed": manifest.get("seed")},  # the sweep's bootstrap seed
            states,
            None if outcome is None else [outcome],
        )
        return draw(idx, scenario=scenarios_of(df)[0], sweep=sweep)
    state, partner = discovery_target(df, state, partner)
    box = _discovery.discover(df, state, partner, problem=problem)
    return draw(df, box, sweep=sweep)


# each public name is loaded from its module on first use (see the module docstring)
__getattr__, __dir__ = _lazy.exports(__name__, _EXPORTS, globals())


__all__ = [
    "FALLBACK_COLOURS",
    "FIGURE_KINDS",
    "HEDGING_COLOUR",
    "OUTCOME_COLOURS",
    "POSTERIOR_BINS",
    "POSTERIOR_COLOURS",
    "POWER_COLOURS",
    "FigureKind",
    "check_fit",
    "colour",
    "compare_figure",
    "differences_figure",
    "discovery_figure",
    "palette",
    "identification_figure",
    "input_of",
    "kinds_for",
    "posterior_figure",
    "power_name",
    "render_figure",
    "save",
    "sensitivity_figure",
    "skill_figure",
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
