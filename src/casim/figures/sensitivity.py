"""Figures of sensitivity analysis: Sobol and Morris indices per state and outcome, and the one-at-a-time tornado."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..errors import CasimError
from .style import colour, framed_panels, outcome_label, outcome_name, palette, state_title


def _index_panels(
    idx: pd.DataFrame,
    states: Sequence[str] | None,
    bars: Sequence[tuple[str, str | None, float, str]],
    xlabel: str,
    title: str,
) -> Figure:
    """Horizontal bars of index columns, one panel per outcome (rows) and state (columns), first parameter on top.

    With one outcome the states wrap into rows of three, and the figure is
    sized to its panels (each at least 1.8 inches tall and 3 wide).
    """
    states = list(pd.unique(idx["state"])) if states is None else list(states)
    outcomes = list(pd.unique(idx["outcome"]))
    params = list(pd.unique(idx["parameter"]))
    pal = palette([*idx.attrs.get("powers", ()), *outcomes])
    ncols = min(3, len(states)) if len(outcomes) == 1 else len(states)
    nrows = -(-len(states) // ncols) if len(outcomes) == 1 else len(outcomes)
    label_width = 0.09 * max(len(str(p)) for p in params) + 0.5  # the first column's parameter names
    panel_height = max(1.8, 0.45 + 0.3 * len(params) * max(1, len(bars) / 2))
    fig, panels = framed_panels(max(6.0, 3.0 * ncols + label_width), panel_height * nrows + 1.4)
    grid = panels.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
    cells = [(o, s) for o in outcomes for s in states]
    axes = grid.ravel()
    for ax in axes[len(cells) :]:
        ax.remove()  # a wrapped last row's empty places
    height = 0.8 / len(bars)
    for n, (o, s) in enumerate(cells):
        ax = axes[n]
        row, col = divmod(n, ncols)
        d = idx[(idx["state"] == s) & (idx["outcome"] == o)].set_index("parameter").reindex(params)
        for k, (column, conf, alpha, label) in enumerate(bars):
            ypos = np.arange(len(params)) + (k - (len(bars) - 1) / 2) * height
            err = d[conf].to_numpy(float) if conf else None
            ax.barh(
                ypos,
                d[column].to_numpy(float),
                height=height,
                xerr=err,
                color=pal[o],
                alpha=alpha,
                error_kw={"elinewidth": 0.8, "capsize": 1.5},
                label=label,
                gid=f"{s}:{o}:{column}",
            )
        ax.set_yticks(np.arange(len(params)), params)
        ax.axvline(0, color="black", linewidth=0.6)
        if len(outcomes) == 1 or row == 0:
            ax.set_title(state_title(s))
        if col == 0:
            ax.set_ylabel(outcome_name(o))
        if len(cells) - n <= ncols:  # the lowest panel of its column: its x tick labels are the column's
            ax.xaxis.set_tick_params(labelbottom=True)
    axes[0].invert_yaxis()  # once: every panel shares this y axis, and each call flips it
    panels.supxlabel(xlabel, gid="xlabel")
    fig.suptitle(title)
    fig.legend(
        handles=[Patch(facecolor="#444444", alpha=a, label=lab) for _, _, a, lab in bars],
        loc="outside lower center",
        ncols=len(bars),
        frameon=False,
    )
    return fig


def sensitivity_figure(
    indices: pd.DataFrame,
    states: Sequence[str] | None = None,
    scenario: str | None = None,
    sweep: str | None = None,
) -> Figure:
    """Bar charts of Sobol S1/ST (with confidence intervals) or Morris μ*/σ, per state (columns) and outcome (rows).

    ``sweep``: the sweep's name (its manifest's ``name``), which the title
    gives with the scenario.
    """
    scenario = scenario or indices.attrs.get("scenario")
    named = f"sweep {sweep} on {scenario}" if sweep and scenario else (sweep or scenario)
    about = f"{named}: " if named else ""
    if {"S1", "ST"} <= set(indices.columns):
        bars: list[tuple[str, str | None, float, str]] = [
            ("S1", "S1_conf", 0.45, "first order S1"),
            ("ST", "ST_conf", 1.0, "total order ST"),
        ]
        return _index_panels(
            indices,
            states,
            bars,
            "Sobol index (fraction of output variance)",
            f"{about}Sobol indices of outcomes at the horizon (bars: 95% bootstrap intervals)",
        )
    if {"mu_star", "sigma"} <= set(indices.columns):
        bars = [
            ("mu_star", "mu_star_conf", 1.0, "μ* (mean |elementary effect|)"),
            ("sigma", None, 0.45, "σ (spread: interactions, non-linearity)"),
        ]
        return _index_panels(
            indices,
            states,
            bars,
            "elementary effect (outcome units per parameter range)",
            f"{about}Morris screening of outcomes at the horizon",
        )
    raise CasimError("not an indices table: needs S1/ST (Sobol) or mu_star/sigma (Morris) columns")


def tornado_figure(table: pd.DataFrame) -> Figure:
    """Tornado chart: the outcome at each parameter's low and high value, widest swing at the top."""
    state, outcome, scen = (table.attrs.get(k, "") for k in ("state", "outcome", "scenario"))
    fig = Figure(figsize=(6.8, 1.2 + 0.4 * len(table)), layout="constrained")
    ax = fig.add_subplot()
    base = float(table["base"].iloc[0])
    ypos = np.arange(len(table))
    c = colour(outcome, table.attrs.get("powers", ()))
    ax.barh(ypos, table["at_low"] - base, left=base, color=c, alpha=0.45, label="parameter at its low value", gid="low")
    ax.barh(
        ypos, table["at_high"] - base, left=base, color=c, alpha=1.0, label="parameter at its high value", gid="high"
    )
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(
        ypos,
        [
            f"{p}\n[{lo:.3g}, {hi:.3g}]"
            for p, lo, hi in zip(table["parameter"], table["low"], table["high"], strict=True)
        ],
    )
    ax.invert_yaxis()
    ax.set_xlabel(f"{state} {outcome_label(outcome)} at the horizon (mean over runs)")
    ax.set_title(
        f"{scen}: {state} {outcome_name(outcome)} when one parameter moves to its low or high value\n"
        "(line: the scenario as given)"
    )
    ax.legend(frameon=False, loc="best")
    return fig
