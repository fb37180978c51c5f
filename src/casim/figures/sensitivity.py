"""Figures of sensitivity analysis: Sobol and Morris indices per state and outcome, and the one-at-a-time tornado."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..errors import CasimError
from .style import colour, framed_panels, outcome_label, palette, state_title


def _index_panels(
    idx: pd.DataFrame,
    states: Sequence[str] | None,
    bars: Sequence[tuple[str, str | None, float, str]],
    xlabel: str,
    title: str,
) -> Figure:
    """Horizontal bars of index columns, one panel per outcome (rows) and state (columns), first parameter on top."""
    states = list(pd.unique(idx["state"])) if states is None else list(states)
    outcomes = list(pd.unique(idx["outcome"]))
    params = list(pd.unique(idx["parameter"]))
    pal = palette([*idx.attrs.get("powers", ()), *outcomes])
    fig, panels = framed_panels(
        max(2.9 * len(states), 6.0), 0.6 + 0.32 * len(params) * len(outcomes) + 0.5 * len(outcomes)
    )
    axes = panels.subplots(len(outcomes), len(states), sharex=True, sharey=True, squeeze=False)
    height = 0.8 / len(bars)
    for i, o in enumerate(outcomes):
        for j, s in enumerate(states):
            ax = axes[i][j]
            d = idx[(idx["state"] == s) & (idx["outcome"] == o)].set_index("parameter").reindex(params)
            for k, (col, conf, alpha, label) in enumerate(bars):
                ypos = np.arange(len(params)) + (k - (len(bars) - 1) / 2) * height
                err = d[conf].to_numpy(float) if conf else None
                ax.barh(
                    ypos,
                    d[col].to_numpy(float),
                    height=height,
                    xerr=err,
                    color=pal[o],
                    alpha=alpha,
                    error_kw={"elinewidth": 0.8, "capsize": 1.5},
                    label=label,
                    gid=f"{s}:{o}:{col}",
                )
            ax.set_yticks(np.arange(len(params)), params)
            ax.axvline(0, color="black", linewidth=0.6)
            if i == 0:
                ax.set_title(state_title(s))
            if j == 0:
                ax.set_ylabel(f"{o}\n(parameter)")
    axes[0][0].invert_yaxis()  # once: every panel shares this y axis, and each call flips it
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
    indices: pd.DataFrame, states: Sequence[str] | None = None, scenario: str | None = None
) -> Figure:
    """Bar charts of Sobol S1/ST (with confidence intervals) or Morris μ*/σ, per state (columns) and outcome (rows)."""
    scenario = scenario or indices.attrs.get("scenario")
    about = f"{scenario}: " if scenario else ""
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
        f"{scen}: {state} {outcome} when one parameter moves to its low or high value\n(line: the scenario as given)"
    )
    ax.legend(frameon=False, loc="best")
    return fig
