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
from .style import (
    BAND,
    SHARE_UNIT,
    date_axis,
    palette,
    panel_grid,
    power_legend,
    power_name,
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


def shocks_in(manifest: Mapping | None, scenario: str) -> list[Mapping]:
    """The resolved shocks of ``scenario`` in a results manifest (a run's, or a comparison's entry for it); [] if the
    manifest does not hold them."""
    manifest = manifest or {}
    own = (manifest.get("scenarios") or {}).get(scenario)
    for m in (own, manifest):
        if isinstance(m, Mapping) and isinstance(m.get("scenario"), Mapping):
            shocks = m["scenario"].get("shocks")
            if isinstance(shocks, list) and m["scenario"].get("name", scenario) == scenario:
                return [s for s in shocks if isinstance(s, Mapping)]
    return []


def shock_starts(df: pd.DataFrame, shocks: Sequence[Mapping]) -> dict[str, list[str]]:
    """The quarter each shock starts (its ``step``'s date in the table) and the shocks starting then, by id."""
    dates = df.groupby("step", sort=True)["date"].first().astype(str)
    out: dict[str, list[str]] = {}
    for sh in shocks:
        step = sh.get("step")
        if isinstance(step, int) and step in dates.index:
            ids = out.setdefault(str(dates.loc[step]), [])
            name = str(sh.get("id") or "shock")
            if name not in ids:
                ids.append(name)
    return dict(sorted(out.items()))


SHOCK_COLOUR = "#333333"  # the dotted line where a shock starts, and its name


def _mark_shocks(ax, starts: Mapping[str, Sequence[str]], state: str) -> None:
    """A dotted line where each shock starts, named at the top of the panel (several at one date: their count)."""
    for date, ids in starts.items():
        at = quarter_starts([date])[0]
        ax.axvline(at, color=SHOCK_COLOUR, linestyle=":", linewidth=1.0, zorder=1.5, gid=f"{state}:shock:{date}")
        label = ", ".join(ids) if len(ids) <= 2 else f"{len(ids)} shocks"
        ax.text(
            at,
            0.98,
            f"{label} ",
            transform=ax.get_xaxis_transform(),
            rotation=90,
            ha="right",
            va="top",
            fontsize=6.5,
            color=SHOCK_COLOUR,
            bbox={"facecolor": "white", "alpha": 0.7, "linewidth": 0, "pad": 0.5},
            gid=f"{state}:shock-label:{date}",
        )


def _dates(df: pd.DataFrame) -> np.ndarray:
    """The table's quarters in step order, as the first day of each (the x values of every panel)."""
    return quarter_starts(df.groupby("step", sort=True)["date"].first().astype(str))


BAND_LABEL = "band: 90% of runs (5th-95th percentile)"


def trajectories_figure(
    df: pd.DataFrame,
    states: Sequence[str] | str | None = None,
    scenario: str | None = None,
    shocks: Sequence[Mapping] | None = None,
) -> Figure:
    """Each state's share toward each power over time: median and 5-95% band across replicates, with a dotted line
    where each shock starts.

    ``shocks`` are the resolved scenario's (``manifest["scenario"]["shocks"]``:
    each with ``id`` and ``step``); by default those of the manifest in
    ``df.attrs`` (a table from :func:`casim.run`).
    """
    df = one_scenario(df, scenario)
    name = scenarios_of(df)[0]
    powers = powers_of(df)
    states = _states(df, states)
    if shocks is None:
        shocks = shocks_in(df.attrs.get("manifest"), name)
    starts = shock_starts(df, shocks)
    b = bands(df)
    n = df["run"].nunique()
    pal = palette(powers)
    x = _dates(df)
    fig, axes = panel_grid(len(states), 3)
    for ax, s in zip(axes, states, strict=True):
        _band_panel(ax, b[b["state"] == s], powers, s, name, pal)
        _mark_shocks(ax, starts, s)
        date_axis(ax, x)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.set_ylabel(SHARE_UNIT)
    if "draw" in df.columns:  # runs over posterior draws: the band holds the parameters' uncertainty and the noise
        d = df["draw"].nunique()
        runs = f"{n} runs, {d} posterior draws x {n // d} replicates; band: 90% of runs, parameters and noise"
    else:
        runs = f"{n} runs; band: 90% of runs"
    fig.suptitle(f"{name}: alignment toward each power (line: median of {runs})")
    extra: list = [Patch(facecolor="#BBBBBB", alpha=0.6, label=BAND_LABEL)]
    if starts:
        extra.append(Line2D([], [], color=SHOCK_COLOUR, linestyle=":", label="a shock starts (named at the top)"))
    power_legend(fig, powers, pal, extra)
    return fig


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
    states = _states(df, states)
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
    states = _states(df, states)
    pal = palette(powers)
    fig, axes = panel_grid(len(states), 3)
    x = _dates(df)
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
    fig.suptitle(
        f"Scenarios compared with {baseline}: {', '.join(order[1:]) or '(none)'} (line: median; band: 90% of runs)"
    )
    power_legend(fig, powers, pal, [Patch(facecolor="#BBBBBB", alpha=0.6, label=BAND_LABEL)])
    return fig
