"""Figures of a state's path across the simplex of three powers (ternary), or its stacked shares for more."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import mpltern  # noqa: F401  (registers the "ternary" projection)
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..analysis.summary import horizon, mean_path, one_scenario, powers_of, scenarios_of
from .style import SHARE_UNIT, date_axis, palette, panel_grid, power_legend, power_name, state_title
from .trajectories import chosen_states, quarter_dates


def _zoomed_minimums(extents: Sequence[np.ndarray], margin: float = 0.15) -> tuple[float, list[np.ndarray]]:
    """One side length for every panel and each panel's lower limits, so each panel's triangle holds its points.

    ``extents`` are each panel's points (rows of three shares). The side is
    the widest panel's data side plus ``margin`` of it (at least 0.02 more),
    at most 1; each panel's triangle is centred on its points and kept inside
    the simplex.
    """
    lows = [pts.min(axis=0) for pts in extents]
    sides = [1.0 - float(lo.sum()) for lo in lows]
    side = min(1.0, max(sides) * (1 + margin) + 0.02)
    out = []
    for lo, own in zip(lows, sides, strict=True):
        mins = lo - (side - own) / 3
        while (mins < 0).any():  # a corner past the simplex: move the triangle back in along the other axes
            short = -mins[mins < 0].sum()
            mins = np.where(mins < 0, 0.0, mins)
            free = mins > 0
            if not free.any():
                break
            mins = np.where(free, mins - short / free.sum(), mins)
        out.append(mins)
    return side, out


def ternary_figure(
    df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None, zoom: bool = False
) -> Figure:
    """Each state's mean path across the simplex of three powers, start (hollow circle, drawn on top) and horizon
    (star) marked, the replicate cloud at the horizon.

    With ``zoom`` every panel shows only the part of the simplex around its
    state's path and cloud, all panels at one scale (the title gives it), so
    a move of a few hundredths is visible; without, the whole simplex. With
    more (or fewer) than three powers a simplex cannot be drawn, so this
    returns :func:`stacked_figure` instead.
    """
    df = one_scenario(df, scenario)
    powers = powers_of(df)
    if len(powers) != 3:
        return stacked_figure(df, states)
    name = scenarios_of(df)[0]
    pal = palette(powers)
    states = chosen_states(df, states)
    last = horizon(df)
    t, lc, r = powers  # top, left, right corners
    # mpltern's automatic title and label placement is slow under a layout engine: place them by hand
    fig, axes = panel_grid(len(states), 3, size=(4.2, 4.0), layout=None, projection="ternary")
    height = fig.get_figheight()
    fig.set_figheight(height + 0.5)  # room for the legend below the last row's bottom axis label
    fig.subplots_adjust(
        left=0.07, right=0.93, bottom=1.25 / (height + 0.5), top=1 - 0.9 / (height + 0.5), wspace=0.6, hspace=0.7
    )
    first = cast(int, df["step"].idxmin())  # a row label of the results table
    start_date, end_date = str(df.loc[first, "date"]), str(last["date"].iloc[0])
    paths = {s: mean_path(df, s) for s in states}
    clouds = {s: last[last["state"].astype(str) == s] for s in states}
    if zoom:
        side, lows = _zoomed_minimums(
            [np.vstack([paths[s][powers].to_numpy(), clouds[s][powers].to_numpy()]) for s in states]
        )
    for k, (ax, s) in enumerate(zip(axes, states, strict=True)):
        cloud, path = clouds[s], paths[s]
        ax.scatter(cloud[t], cloud[lc], cloud[r], s=7, color="#777777", alpha=0.6, linewidths=0, gid=f"{s}:cloud")
        ax.plot(path[t], path[lc], path[r], color="black", linewidth=1.5, gid=f"{s}:path")
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
        # the start over the star: a hollow ring with a white centre, visible even where the path barely moves
        ax.scatter(
            path[t].iloc[:1],
            path[lc].iloc[:1],
            path[r].iloc[:1],
            marker="o",
            s=45,
            facecolor="white",
            edgecolor="black",
            linewidths=1.4,
            zorder=4,
            gid=f"{s}:start",
        )
        if zoom:
            ax.set_ternary_min(*lows[k])
        for axis, p, set_label in (
            (ax.taxis, t, ax.set_tlabel),
            (ax.laxis, lc, ax.set_llabel),
            (ax.raxis, r, ax.set_rlabel),
        ):
            set_label(f"{power_name(p)} share", color=pal[p])
            axis.set_label_position("tick1")  # along its ticks, clear of the tick labels at the corners
            axis.set_tick_params(colors=pal[p])
        ax.set_title(state_title(s), y=1.12, fontweight="bold")
    scale = f"; zoomed: each panel spans {side:.2f} of each share" if zoom else ""
    fig.suptitle(f"{name}: path of the mean alignment, {start_date} to {end_date} (shares, fraction 0-1{scale})")
    fig.legend(
        handles=[
            Line2D([], [], color="black", marker="o", markerfacecolor="white", label=f"start {start_date}"),
            Line2D([], [], color="black", marker="*", markersize=10, linestyle="", label=f"mean at {end_date}"),
            Line2D([], [], color="#999999", marker=".", linestyle="", label=f"each run at {end_date}"),
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, 0.1 / fig.get_figheight()),
        ncols=3,
        frameon=False,
    )
    return fig


def stacked_figure(df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None) -> Figure:
    """Each state's mean shares toward every power over time, stacked to 1 (for any number of powers)."""
    df = one_scenario(df, scenario)
    name = scenarios_of(df)[0]
    powers = powers_of(df)
    states = chosen_states(df, states)
    pal = palette(powers)
    fig, axes = panel_grid(len(states), 3)
    x = quarter_dates(df)
    for ax, s in zip(axes, states, strict=True):
        path = mean_path(df, s)
        ax.stackplot(
            x,
            *[path[p].to_numpy() for p in powers],
            colors=[pal[p] for p in powers],
            labels=powers,
            gid=f"{s}:stack",
        )
        ax.set_ylim(0, 1)
        date_axis(ax, x)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.set_ylabel(f"mean {SHARE_UNIT}")
    fig.suptitle(f"{name}: mean alignment toward each of {len(powers)} powers (stacked)")
    power_legend(fig, powers, pal)
    return fig
