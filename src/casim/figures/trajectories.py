"""Figures of alignment over time: each state's trajectories, its path across the simplex of three powers (or stacked
shares), and scenarios compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import mpltern  # noqa: F401  (registers the "ternary" projection)
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..analysis.summary import (
    bands,
    check_choice,
    horizon,
    mean_path,
    one_scenario,
    powers_of,
    quarter_starts,
    scenarios_of,
    states_of,
)
from ..errors import CasimError
from .style import (
    BAND,
    HEDGING_COLOUR,
    SHARE_UNIT,
    palette,
    panel_grid,
    power_legend,
    state_title,
)


def _states(df: pd.DataFrame, states: Sequence[str] | str | None) -> list[str]:
    have = states_of(df)
    if states is None:
        return have
    states = [states] if isinstance(states, str) else list(states)
    return [check_choice("state", s, have) for s in states]


def _band_panel(ax, b: pd.DataFrame, powers: Sequence[str], state: str, scenario: str, pal: Mapping[str, str]) -> None:
    """Median line and 5-95% band of each power for one state of one scenario."""
    for p in powers:
        r = b[b["outcome"] == p]
        if r.empty:
            continue
        x = quarter_starts(r["date"])
        ax.fill_between(
            x,
            r["low"].to_numpy(),
            r["high"].to_numpy(),
            color=pal[p],
            alpha=BAND,
            linewidth=0,
            gid=f"{scenario}:{state}:{p}:band",
        )
        ax.plot(x, r["median"].to_numpy(), color=pal[p], linewidth=1.8, label=p, gid=f"{scenario}:{state}:{p}:median")
    ax.set_ylim(0, 1)


def trajectories_figure(
    df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None
) -> Figure:
    """Each state's share toward each power over time: median and 5-95% band across replicates."""
    df = one_scenario(df, scenario)
    name = scenarios_of(df)[0]
    powers = powers_of(df)
    states = _states(df, states)
    b = bands(df)
    n = df["run"].nunique()
    pal = palette(powers)
    fig, axes = panel_grid(len(states), 3)
    for ax, s in zip(axes, states, strict=True):
        _band_panel(ax, b[b["state"] == s], powers, s, name, pal)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.set_ylabel(SHARE_UNIT)
    fig.suptitle(f"{name}: alignment toward each power (median and 5-95% of {n} runs)")
    power_legend(fig, powers, pal, [Patch(facecolor="#BBBBBB", alpha=0.6, label="5-95% band")])
    return fig


def ternary_figure(df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None) -> Figure:
    """Each state's mean path across the simplex of three powers, start and horizon marked, the replicate cloud at the
    horizon.

    With more (or fewer) than three powers a simplex cannot be drawn, so this
    returns :func:`stacked_figure` instead.
    """
    df = one_scenario(df, scenario)
    powers = powers_of(df)
    if len(powers) != 3:
        return stacked_figure(df, states)
    name = scenarios_of(df)[0]
    pal = palette(powers)
    states = _states(df, states)
    last = horizon(df)
    t, lc, r = powers  # top, left, right corners
    # mpltern's automatic title and label placement is slow under a layout engine: place them by hand
    fig, axes = panel_grid(len(states), 3, size=(4.2, 4.0), layout=None, projection="ternary")
    rows = -(-len(states) // 3)
    fig.subplots_adjust(left=0.07, right=0.93, bottom=0.1 / rows + 0.05, top=1 - 0.26 / rows, wspace=0.6, hspace=0.85)
    first = cast(int, df["step"].idxmin())  # a row label of the results table
    start_date, end_date = str(df.loc[first, "date"]), str(last["date"].iloc[0])
    for ax, s in zip(axes, states, strict=True):
        cloud = last[last["state"].astype(str) == s]
        ax.scatter(cloud[t], cloud[lc], cloud[r], s=7, color="#777777", alpha=0.6, linewidths=0, gid=f"{s}:cloud")
        path = mean_path(df, s)
        ax.plot(path[t], path[lc], path[r], color="black", linewidth=1.5, gid=f"{s}:path")
        ax.scatter(
            path[t].iloc[:1],
            path[lc].iloc[:1],
            path[r].iloc[:1],
            marker="o",
            s=40,
            facecolor="white",
            edgecolor="black",
            zorder=3,
            gid=f"{s}:start",
        )
        ax.scatter(
            path[t].iloc[-1:],
            path[lc].iloc[-1:],
            path[r].iloc[-1:],
            marker="*",
            s=120,
            color="black",
            zorder=3,
            gid=f"{s}:horizon",
        )
        ax.set_tlabel(f"{t} share", color=pal[t])
        ax.set_llabel(f"{lc} share", color=pal[lc])
        ax.set_rlabel(f"{r} share", color=pal[r])
        ax.taxis.set_tick_params(colors=pal[t])
        ax.laxis.set_tick_params(colors=pal[lc])
        ax.raxis.set_tick_params(colors=pal[r])
        ax.set_title(state_title(s), y=1.2, fontweight="bold")
    fig.suptitle(f"{name}: path of the mean alignment, {start_date} to {end_date} (shares, fraction 0-1)")
    fig.legend(
        handles=[
            Line2D([], [], color="black", marker="o", markerfacecolor="white", label=f"start {start_date}"),
            Line2D([], [], color="black", marker="*", markersize=10, linestyle="", label=f"mean at {end_date}"),
            Line2D([], [], color="#999999", marker=".", linestyle="", label=f"each run at {end_date}"),
        ],
        loc="lower center",
        ncols=3,
        frameon=False,
    )
    return fig


def stacked_figure(df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None) -> Figure:
    """Each state's mean shares toward every power over time, stacked to 1 (for any number of powers)."""
    df = one_scenario(df, scenario)
    name = scenarios_of(df)[0]
    powers = powers_of(df)
    states = _states(df, states)
    pal = palette(powers)
    fig, axes = panel_grid(len(states), 3)
    dates = df.groupby("step", sort=True)["date"].first().astype(str)
    for ax, s in zip(axes, states, strict=True):
        path = mean_path(df, s)
        ax.stackplot(
            quarter_starts(dates.loc[path.index]),
            *[path[p].to_numpy() for p in powers],
            colors=[pal[p] for p in powers],
            labels=powers,
            gid=f"{s}:stack",
        )
        ax.set_ylim(0, 1)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.set_ylabel(f"mean {SHARE_UNIT}")
    fig.suptitle(f"{name}: mean alignment toward each of {len(powers)} powers (stacked)")
    power_legend(fig, powers, pal)
    return fig


def compare_figure(df: pd.DataFrame, states: Sequence[str] | str | None = None, baseline: str | None = None) -> Figure:
    """Small multiples: one row per scenario, one column per state, median and 5-95% band of each power."""
    names = scenarios_of(df)
    baseline = names[0] if baseline is None else check_choice("baseline scenario", baseline, names)
    order = [baseline, *[n for n in names if n != baseline]]
    powers = powers_of(df)
    states = _states(df, states)
    pal = palette(powers)
    b = bands(df)
    fig = Figure(figsize=(2.6 * len(states), 2.0 * len(order) + 1.0), layout="constrained")
    # shared limits set by hand: sharex/sharey over dozens of axes makes every update quadratic
    axes = fig.subplots(len(order), len(states), squeeze=False)
    span = quarter_starts([b["date"].min(), b["date"].max()])
    for i, sc in enumerate(order):
        for j, s in enumerate(states):
            ax = axes[i][j]
            _band_panel(ax, b[(b["scenario"] == sc) & (b["state"] == s)], powers, s, sc, pal)
            ax.set_xlim(span[0], span[1])
            ax.tick_params(axis="x", labelrotation=45, labelbottom=i == len(order) - 1)
            ax.tick_params(axis="y", labelleft=j == 0)
            if i == 0:
                ax.set_title(state_title(s))
            if j == 0:
                ax.set_ylabel(f"{sc}\nshare (0-1)")
            if i == len(order) - 1:
                ax.set_xlabel("date (quarter)")
    fig.suptitle(f"Scenarios compared with {baseline}: {', '.join(order[1:]) or '(none)'} (median and 5-95% band)")
    power_legend(fig, powers, pal, [Patch(facecolor="#BBBBBB", alpha=0.6, label="5-95% band")])
    return fig


def differences_figure(diff: pd.DataFrame, outcomes: Sequence[str] | None = None) -> Figure:
    """Differences from the baseline at the horizon with their confidence intervals, one panel per state."""
    if diff.empty:
        raise CasimError("no differences to plot")
    if outcomes is None:  # leave out powers neither side models (their share is 0 throughout)
        held = diff.groupby("outcome", sort=False)[["baseline_mean", "scenario_mean"]].apply(
            lambda g: bool((g.to_numpy() != 0).any())
        )
        outcomes = [o for o in pd.unique(diff["outcome"]) if held[o]]
    states = list(pd.unique(diff["state"]))
    scen = list(pd.unique(diff["scenario"]))
    pal = palette(pd.unique(diff["outcome"]))
    xlabel = "difference from baseline\n(share of alignment, 0-1 scale)"
    if "hedging" in outcomes:
        xlabel = "difference from baseline\n(share or hedging index, 0-1 scale)"
    fig, axes = panel_grid(len(states), 3, size=(4.0, 0.8 + 0.16 * len(scen) * len(outcomes)))
    width = 0.8 / len(outcomes)
    for ax, s in zip(axes, states, strict=True):
        d = diff[diff["state"] == s]
        for k, o in enumerate(outcomes):
            r = d[d["outcome"] == o].set_index("scenario").reindex(scen)
            y = np.arange(len(scen)) + (k - (len(outcomes) - 1) / 2) * width
            err = np.vstack([r["difference"] - r["ci_low"], r["ci_high"] - r["difference"]])
            ax.errorbar(
                r["difference"],
                y,
                xerr=err,
                fmt="o",
                color=pal[o],
                markersize=4,
                capsize=2,
                label=o,
                gid=f"{s}:{o}:diff",
            )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.set_yticks(np.arange(len(scen)), scen)
        ax.invert_yaxis()
        ax.set_title(state_title(s))
        ax.set_xlabel(xlabel)
    base = diff["baseline"].iloc[0]
    dates = set(diff["date"]) | set(diff.get("baseline_date", diff["date"]))
    when = f"at {dates.pop()}" if len(dates) == 1 else "at each scenario's horizon"
    which = ", ".join(scen) if len(scen) <= 3 else f"{len(scen)} scenarios"
    fig.suptitle(f"Difference of {which} from {base} {when} (mean, 95% interval)")
    power_legend(
        fig,
        [o for o in outcomes if o != "hedging"],
        pal,
        [Patch(facecolor=HEDGING_COLOUR, label="hedging")] if "hedging" in outcomes else [],
    )
    return fig
