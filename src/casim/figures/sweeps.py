"""Figures of a sweep: the response over the swept parameters (a map over two, a line over one) and scenario discovery
(a PRIM or CART box)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..analysis import discovery as _discovery
from ..analysis import response as _response
from ..analysis.summary import horizon, powers_of, scenarios_of, states_of
from .style import (
    BAND,
    SHARE_UNIT,
    outcome_label,
    outcome_name,
    palette,
    parameter_label,
    power_name,
    state_title,
)


def sweep_map_figure(
    df: pd.DataFrame,
    x: str,
    y: str,
    state: str,
    outcome: str = "dominant",
    bins: int = 10,
    problem: Mapping | None = None,
    sweep: str | None = None,
) -> Figure:
    """Heatmap of an outcome at the horizon over two swept parameters: the dominant partner or a mean share (its
    colour scale spans the cells' range, which the colour bar gives).

    ``sweep``: the sweep's name (its manifest's ``name``), for the title.
    """
    grid = _response.response_grid(df, x, y, state, outcome, bins, problem)
    name = sweep_title(df, sweep)
    date = str(horizon(df)["date"].iloc[0])
    fig = Figure(figsize=(6.4, 5.0), layout="constrained")
    ax = fig.add_subplot()
    xs, ys = grid.columns.to_numpy(float), grid.index.to_numpy(float)
    xe, ye = _edges(xs), _edges(ys)
    if outcome == "dominant":
        powers = powers_of(df)
        pal = palette(powers)
        codes = np.vectorize(lambda v: powers.index(v) if isinstance(v, str) else np.nan, otypes=[float])(
            grid.to_numpy()
        )
        cmap = mcolors.ListedColormap([pal[p] for p in powers])
        mesh = ax.pcolormesh(
            xe, ye, np.ma.masked_invalid(codes), cmap=cmap, vmin=-0.5, vmax=len(powers) - 0.5, gid="map"
        )
        agree = grid.attrs["agreement"].to_numpy(float)
        for cell, a in np.ndenumerate(agree):
            iy, ix = cast(tuple[int, int], cell)  # a cell of the 2-d grid
            if np.isfinite(a):
                ax.text(xs[ix], ys[iy], f"{a:.0%}", ha="center", va="center", fontsize=7, color="white")
        present = [p for p in powers if p in set(grid.to_numpy().ravel())]
        ax.legend(
            handles=[Patch(facecolor=pal[p], label=power_name(p)) for p in present],
            title="most frequent dominant partner\n(% of runs in cell)",
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            frameon=False,
        )
        what = "dominant partner"
    else:
        values = np.ma.masked_invalid(grid.to_numpy(float))
        lo, hi = float(values.min()), float(values.max())
        if hi - lo < 1e-9:  # one value everywhere: a scale around it
            lo, hi = lo - 0.005, hi + 0.005
        mesh = ax.pcolormesh(xe, ye, values, cmap="viridis", vmin=lo, vmax=hi, gid="map")
        fig.colorbar(mesh, ax=ax, label=f"mean {outcome_label(outcome)}\n(colours span the cells' range)")
        what = f"mean {outcome_name(outcome)}"
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(parameter_label(y))
    ax.set_title(f"{name}: {state_title(state)} {what} at {date}")
    return fig


def sweep_title(df: pd.DataFrame, sweep: str | None) -> str:
    """What a sweep figure's title names: the sweep and the scenario it varies ("sweep levers-sobol on baseline"), or
    the scenario alone when the sweep's name is not known."""
    scenario = scenarios_of(df)[0]
    return f"sweep {sweep} on {scenario}" if sweep else scenario


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted cell centres (halfway between neighbours; a single centre gets a cell of width 1)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[:-1] + centres[1:]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]])


def sweep_line_figure(
    df: pd.DataFrame,
    x: str,
    state: str,
    outcomes: Sequence[str] | None = None,
    bins: int = 10,
    problem: Mapping | None = None,
    sweep: str | None = None,
) -> Figure:
    """Mean share toward each power (and its 5-95% range over runs) against one swept parameter (``sweep``: the
    sweep's name, for the title)."""
    outcomes = powers_of(df) if outcomes is None else list(outcomes)
    pal = palette(powers_of(df))
    name = sweep_title(df, sweep)
    date = str(horizon(df)["date"].iloc[0])
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for o in outcomes:
        line = _response.response_line(df, x, state, o, bins, problem=problem)
        ax.fill_between(line[x], line["low"], line["high"], color=pal[o], alpha=BAND, linewidth=0, gid=f"{o}:band")
        ax.plot(line[x], line["mean"], color=pal[o], marker="o", markersize=3, label=outcome_name(o), gid=f"{o}:mean")
    ax.set_ylim(0, 1)
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(SHARE_UNIT if all(o != "hedging" for o in outcomes) else "share or hedging index (0-1)")
    ax.set_title(f"{name}: {state_title(state)} at {date} against {x}\n(mean and 90% of runs; other parameters vary)")
    ax.legend(frameon=False)
    return fig


def sweep_figure(
    df: pd.DataFrame,
    state: str | None = None,
    x: str | None = None,
    y: str | None = None,
    outcome: str = "dominant",
    problem: Mapping | None = None,
    bins: int = 10,
    sweep: str | None = None,
) -> Figure:
    """The sweep response: a map over the first two swept parameters (or ``x`` and ``y``), or a line over the only
    one (``sweep``: the sweep's name, for the title)."""
    params = _response.swept_parameters(df, problem)
    state = state or states_of(df)[0]
    x = x or params[0]
    if y is None and len(params) > 1:
        y = next(p for p in params if p != x)
    if y is None:
        return sweep_line_figure(df, x, state, None if outcome == "dominant" else [outcome], bins, problem, sweep)
    return sweep_map_figure(df, x, y, state, outcome, bins, problem, sweep)


def discovery_figure(df: pd.DataFrame, box: _discovery.Box, sweep: str | None = None) -> Figure:
    """The runs over the box's two most restricted parameters with the box drawn, every parameter's range in the box,
    and PRIM's trajectory.

    Runs that share a point of the plane (a grid's replicates) are drawn as one
    marker coloured by the share of them that end with the partner dominant,
    its area growing with their number, so no run hides another. ``sweep``:
    the sweep's name, for the title.
    """
    name = sweep_title(df, sweep)
    params = list(box.limits.index)
    shown = box.most_restricted[:2]
    pal = palette(powers_of(df))
    runs = _response.per_run(df, box.state, "dominant", params)
    points = _discovery.hit_shares(df, box.state, box.partner, shown)
    ncols = 3 if box.trajectory is not None else 2
    fig = Figure(figsize=(4.6 * ncols + 0.8, 4.4), layout="constrained")
    axes = fig.subplots(1, ncols)
    ax = axes[0]
    cmap = mcolors.LinearSegmentedColormap.from_list("hits", ["#DDDDDD", pal[box.partner]])
    area = 8 + 40 * points["runs"] / points["runs"].max()
    style = {
        "c": points["share"],
        "cmap": cmap,
        "vmin": 0,
        "vmax": 1,
        "s": area,
        "edgecolors": "#555555",
        "linewidths": 0.3,
        "gid": "points",
    }
    px = shown[0]
    if len(shown) == 2:
        py = shown[1]
        dots = ax.scatter(points[px], points[py], **style)
        # one parameter's row each (the index holds each parameter once)
        x0, x1 = cast(pd.Series, box.limits.loc[px, ["low", "high"]])
        y0, y1 = cast(pd.Series, box.limits.loc[py, ["low", "high"]])
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="black", linewidth=1.5, gid="box"))
        ax.set_ylabel(parameter_label(py))
    else:
        dots = ax.scatter(points[px], points["share"], **style)
        ax.axvspan(*box.limits.loc[px, ["low", "high"]], color="black", alpha=0.1, gid="box")
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(f"share of runs with {power_name(box.partner)} dominant (0-1)")
    ax.set_xlabel(parameter_label(px))
    fig.colorbar(dots, ax=ax, label=f"share of the point's runs with {power_name(box.partner)} dominant (0-1)")
    fig.legend(
        handles=[
            Patch(fill=False, edgecolor="black", linewidth=1.5, label="the box"),
            Line2D([], [], marker="o", linestyle="", color="#999999", label="marker area: runs at the point"),
        ],
        loc="outside lower left",
        ncols=2,
        frameon=False,
    )
    ax.set_title(f"coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f}")
    ax = axes[1]
    lim = box.limits
    full_lo = runs[params].min()
    full_hi = runs[params].max()
    rng = (full_hi - full_lo).where(lambda s: s > 0, 1.0)
    for k, p in enumerate(params):
        lo = (lim.loc[p, "low"] - full_lo[p]) / rng[p]
        hi = (lim.loc[p, "high"] - full_lo[p]) / rng[p]
        ax.plot([0, 1], [k, k], color="#DDDDDD", linewidth=6, solid_capstyle="butt")
        ax.plot(
            [lo, hi],
            [k, k],
            color=pal[box.partner] if lim.loc[p, "restricted"] else "#999999",
            linewidth=6,
            solid_capstyle="butt",
            gid=f"range:{p}",
        )
        ax.text(1.02, k, f"[{lim.loc[p, 'low']:.3g}, {lim.loc[p, 'high']:.3g}]", va="center", fontsize=8)
    ax.set_yticks(np.arange(len(params)), params)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.35)
    ax.set_xlabel("position in the sampled range (fraction, 0-1)")
    ax.set_title("box limits (coloured: restricted)")
    if box.trajectory is not None:
        ax = axes[2]
        t = box.trajectory
        ax.plot(t["coverage"], t["density"], color="#444444", marker=".", gid="trajectory")
        sel = t.attrs.get("selected")
        if sel is not None:
            ax.plot(
                t["coverage"].iloc[sel],
                t["density"].iloc[sel],
                marker="o",
                markersize=9,
                color=pal[box.partner],
                gid="selected",
            )
        ax.set_xlabel("coverage (fraction of runs of interest in the box)")
        ax.set_ylabel("density (fraction of runs in the box of interest)")
        ax.set_title("PRIM peeling trajectory")
    title = (
        f"{name}: where {state_title(box.state)} ends with {power_name(box.partner)} dominant ({box.method.upper()}, "
        f"{box.runs} runs)"
    )
    # a box that says little says so on the figure, not only in the printed description
    fig.suptitle(title if box.warning is None else f"{title}\nwarning: {box.warning}")
    return fig


def discovery_target(df: pd.DataFrame, state: str | None = None, partner: str | None = None) -> tuple[str, str]:
    """The state and partner to explain: the pair whose share of runs at the horizon is nearest one half (the most open
    question)."""
    best: tuple[float, str, str] | None = None
    for s in [state] if state else states_of(df):
        freq = _response.per_run(df, s, "dominant", [])["dominant"].value_counts(normalize=True)
        for p, f in freq.items():
            if (partner is None or p == partner) and (best is None or abs(f - 0.5) < best[0]):
                best = (abs(f - 0.5), s, str(p))
    if best is None:
        return state or states_of(df)[0], partner or powers_of(df)[0]
    return best[1], best[2]
