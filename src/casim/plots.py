"""Figures of results tables: each function returns a matplotlib Figure (notebooks and the CLI share them).

Each power casim knows has one fixed colour (Okabe-Ito, safe for colour-blind
readers) in every figure, and other powers distinct ones within a table
(:func:`palette`); vote outcomes have colours of their own. Titles name the
scenario; axes carry units. Figures are built
with :class:`matplotlib.figure.Figure` directly, not pyplot, so they need no
GUI backend and leave no global state behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import mpltern  # noqa: F401  (registers the "ternary" projection)
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from . import calibration
from .analysis import compare as _compare
from .analysis import discovery as _discovery
from .analysis import response as _response
from .analysis import sensitivity as _sensitivity
from .analysis.summary import (
    bands,
    check_choice,
    horizon,
    mean_path,
    one_scenario,
    outcomes_of,
    powers_of,
    quarter_starts,
    scenarios_of,
    states_of,
)
from .analysis.votes import PROBABILITIES
from .errors import CasimError
from .observables import OUTCOMES

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
POWER_COLOURS: dict[str, str] = {
    "russia": "#D55E00",  # vermillion
    "west": "#0072B2",  # blue
    "china": "#009E73",  # bluish green
    "turkey": "#CC79A7",  # reddish purple
    "iran": "#E69F00",  # orange
}
# Powers casim does not know take these in order of first appearance among a table's powers: Okabe-Ito's
# sky blue and black, then Tol's "muted" olive, rose and teal (Tol 2021, SRON/EPS/TN/09-002), all colour-blind
# safe; Okabe-Ito's yellow is left out (too faint as a line on white). A sixth new power reuses the first.
FALLBACK_COLOURS = ("#56B4E9", "#000000", "#999933", "#CC6677", "#44AA99")
HEDGING_COLOUR = "#7F7F7F"
# Vote outcomes, from Tol's "muted" palette (indigo, wine, sand, pale grey): hues no power uses, so a vote
# is not read as a power.
OUTCOME_COLOURS: dict[str, str] = {"yes": "#332288", "no": "#882255", "abstain": "#DDCC77", "absent": "#DDDDDD"}
POSTERIOR_COLOURS: dict[str, str] = {"identified": "#332288", "not identified": "#999999", "prior": "#E8E8E8"}
POSTERIOR_BINS = 25
RECORDED_MARKER = {"marker": "D", "markersize": 6, "markerfacecolor": "white", "markeredgecolor": "black", "markeredgewidth": 1.2, "color": "black"}
KINDS = ("trajectories", "ternary", "compare", "differences", "sweep", "sensitivity", "discovery")
SHARE_UNIT = "share of alignment (fraction, 0-1)"
HEDGING_UNIT = "hedging index (normalised entropy, 0-1)"
BAND = 0.25  # opacity of the 5-95% bands
_STATE_NAMES = calibration.load().state_names


def palette(powers: Iterable[str]) -> dict[str, str]:
    """The colour of each power in one figure, and of hedging.

    The five powers casim knows keep their fixed colours; any other power takes
    the next fallback colour in order of first appearance in ``powers`` (pass
    the table's powers), so new powers in one table never share a colour.
    """
    out = {"hedging": HEDGING_COLOUR}
    k = 0
    for p in dict.fromkeys(powers):
        if p in out:
            continue
        if p in POWER_COLOURS:
            out[p] = POWER_COLOURS[p]
        else:
            out[p] = FALLBACK_COLOURS[k % len(FALLBACK_COLOURS)]
            k += 1
    return out


def colour(power: str, powers: Iterable[str] = ()) -> str:
    """The colour of ``power`` in a figure of a table with ``powers`` (see :func:`palette`)."""
    return palette([*powers, power])[power]


def outcome_label(outcome: str) -> str:
    """Axis label of an outcome, with its unit."""
    if outcome == "hedging":
        return HEDGING_UNIT
    if outcome == "dominant":
        return "dominant partner"
    return f"{outcome} {SHARE_UNIT}"


def parameter_label(path: str) -> str:
    """Axis label of a parameter (casim's levers, exposures and weights are dimensionless)."""
    return f"{path} (dimensionless)"


def state_title(state: str) -> str:
    """A state's panel title: its name and ISO code ("Kazakhstan (KAZ)"), or the code alone if casim has no name for it."""
    name = _STATE_NAMES.get(state)
    return f"{name} ({state})" if name else state


def save(fig: Figure, path: str | Path, dpi: int = 150) -> list[Path]:
    """Write ``fig`` as PNG and SVG (``path`` with either suffix, or none); returns the files written."""
    path = Path(path)
    if path.suffix.lower() in (".png", ".svg"):
        path = path.with_suffix("")
    elif path.suffix:
        raise CasimError(f"figures are saved as .png and .svg, not {path.suffix}", where=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = []
        for ext in (".png", ".svg"):
            target = path.with_name(path.name + ext)
            fig.savefig(target, dpi=dpi, bbox_inches="tight")
            written.append(target)
    except OSError as e:
        raise CasimError(f"cannot write figure: {e.strerror or e}", where=str(path)) from None
    return written


def _grid(n: int, ncols: int, size: tuple[float, float] = (4.0, 3.0), layout: str | None = "constrained", **kw) -> tuple[Figure, list]:
    """A figure with ``n`` panels of ``size`` inches in rows of ``ncols`` (``kw`` go to every ``add_subplot``)."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows + 0.6), layout=layout)
    axes = [fig.add_subplot(nrows, ncols, i + 1, **kw) for i in range(n)]
    return fig, axes


def _legend(fig: Figure, powers: Sequence[str], pal: Mapping[str, str], extra: Sequence = ()) -> None:
    """One legend below the panels: a swatch per power in its colour, then ``extra`` handles."""
    handles = [Patch(facecolor=pal[p], label=p) for p in powers] + list(extra)
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 6), frameon=False)


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
        ax.fill_between(x, r["low"].to_numpy(), r["high"].to_numpy(), color=pal[p], alpha=BAND, linewidth=0, gid=f"{scenario}:{state}:{p}:band")
        ax.plot(x, r["median"].to_numpy(), color=pal[p], linewidth=1.8, label=p, gid=f"{scenario}:{state}:{p}:median")
    ax.set_ylim(0, 1)


def trajectories(df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None) -> Figure:
    """Each state's share toward each power over time: median and 5-95% band across replicates."""
    df = one_scenario(df, scenario)
    name = scenarios_of(df)[0]
    powers = powers_of(df)
    states = _states(df, states)
    b = bands(df)
    n = df["run"].nunique()
    pal = palette(powers)
    fig, axes = _grid(len(states), 3)
    for ax, s in zip(axes, states):
        _band_panel(ax, b[b["state"] == s], powers, s, name, pal)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.set_ylabel(SHARE_UNIT)
    fig.suptitle(f"{name}: alignment toward each power (median and 5-95% of {n} runs)")
    _legend(fig, powers, pal, [Patch(facecolor="#BBBBBB", alpha=0.6, label="5-95% band")])
    return fig


def ternary(df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None) -> Figure:
    """Each state's mean path across the simplex of three powers, start and horizon marked, the replicate cloud at the horizon.

    With more (or fewer) than three powers a simplex cannot be drawn, so this
    returns :func:`stacked` instead.
    """
    df = one_scenario(df, scenario)
    powers = powers_of(df)
    if len(powers) != 3:
        return stacked(df, states)
    name = scenarios_of(df)[0]
    pal = palette(powers)
    states = _states(df, states)
    last = horizon(df)
    t, l, r = powers  # top, left, right corners
    # mpltern's automatic title and label placement is slow under a layout engine: place them by hand
    fig, axes = _grid(len(states), 3, size=(4.2, 4.0), layout=None, projection="ternary")
    rows = -(-len(states) // 3)
    fig.subplots_adjust(left=0.07, right=0.93, bottom=0.1 / rows + 0.05, top=1 - 0.26 / rows, wspace=0.6, hspace=0.85)
    start_date, end_date = str(df.loc[df["step"].idxmin(), "date"]), str(last["date"].iloc[0])
    for ax, s in zip(axes, states):
        cloud = last[last["state"].astype(str) == s]
        ax.scatter(cloud[t], cloud[l], cloud[r], s=7, color="#777777", alpha=0.6, linewidths=0, gid=f"{s}:cloud")
        path = mean_path(df, s)
        ax.plot(path[t], path[l], path[r], color="black", linewidth=1.5, gid=f"{s}:path")
        ax.scatter(path[t].iloc[:1], path[l].iloc[:1], path[r].iloc[:1], marker="o", s=40, facecolor="white", edgecolor="black", zorder=3, gid=f"{s}:start")
        ax.scatter(path[t].iloc[-1:], path[l].iloc[-1:], path[r].iloc[-1:], marker="*", s=120, color="black", zorder=3, gid=f"{s}:horizon")
        ax.set_tlabel(f"{t} share", color=pal[t])
        ax.set_llabel(f"{l} share", color=pal[l])
        ax.set_rlabel(f"{r} share", color=pal[r])
        ax.taxis.set_tick_params(colors=pal[t])
        ax.laxis.set_tick_params(colors=pal[l])
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


def stacked(df: pd.DataFrame, states: Sequence[str] | str | None = None, scenario: str | None = None) -> Figure:
    """Each state's mean shares toward every power over time, stacked to 1 (for any number of powers)."""
    df = one_scenario(df, scenario)
    name = scenarios_of(df)[0]
    powers = powers_of(df)
    states = _states(df, states)
    pal = palette(powers)
    fig, axes = _grid(len(states), 3)
    dates = df.groupby("step", sort=True)["date"].first().astype(str)
    for ax, s in zip(axes, states):
        path = mean_path(df, s)
        ax.stackplot(quarter_starts(dates.loc[path.index]), *[path[p].to_numpy() for p in powers], colors=[pal[p] for p in powers], labels=powers, gid=f"{s}:stack")
        ax.set_ylim(0, 1)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.set_ylabel(f"mean {SHARE_UNIT}")
    fig.suptitle(f"{name}: mean alignment toward each of {len(powers)} powers (stacked)")
    _legend(fig, powers, pal)
    return fig


def compare(df: pd.DataFrame, states: Sequence[str] | str | None = None, baseline: str | None = None) -> Figure:
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
    _legend(fig, powers, pal, [Patch(facecolor="#BBBBBB", alpha=0.6, label="5-95% band")])
    return fig


def differences(diff: pd.DataFrame, outcomes: Sequence[str] | None = None) -> Figure:
    """Differences from the baseline at the horizon with their confidence intervals, one panel per state."""
    if diff.empty:
        raise CasimError("no differences to plot")
    if outcomes is None:  # leave out powers neither side models (their share is 0 throughout)
        held = diff.groupby("outcome", sort=False)[["baseline_mean", "scenario_mean"]].apply(lambda g: bool((g.to_numpy() != 0).any()))
        outcomes = [o for o in pd.unique(diff["outcome"]) if held[o]]
    states = list(pd.unique(diff["state"]))
    scen = list(pd.unique(diff["scenario"]))
    pal = palette(pd.unique(diff["outcome"]))
    xlabel = "difference from baseline\n(share of alignment, 0-1 scale)"
    if "hedging" in outcomes:
        xlabel = "difference from baseline\n(share or hedging index, 0-1 scale)"
    fig, axes = _grid(len(states), 3, size=(4.0, 0.8 + 0.16 * len(scen) * len(outcomes)))
    width = 0.8 / len(outcomes)
    for ax, s in zip(axes, states):
        d = diff[diff["state"] == s]
        for k, o in enumerate(outcomes):
            r = d[d["outcome"] == o].set_index("scenario").reindex(scen)
            y = np.arange(len(scen)) + (k - (len(outcomes) - 1) / 2) * width
            err = np.vstack([r["difference"] - r["ci_low"], r["ci_high"] - r["difference"]])
            ax.errorbar(r["difference"], y, xerr=err, fmt="o", color=pal[o], markersize=4, capsize=2, label=o, gid=f"{s}:{o}:diff")
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
    _legend(fig, [o for o in outcomes if o != "hedging"], pal, [Patch(facecolor=HEDGING_COLOUR, label="hedging")] if "hedging" in outcomes else [])
    return fig


def sweep_map(
    df: pd.DataFrame, x: str, y: str, state: str, outcome: str = "dominant", bins: int = 10, problem: Mapping | None = None
) -> Figure:
    """Heatmap of an outcome at the horizon over two swept parameters: the dominant partner or a mean share."""
    grid = _response.response_grid(df, x, y, state, outcome, bins, problem)
    name = scenarios_of(df)[0]
    date = str(horizon(df)["date"].iloc[0])
    fig = Figure(figsize=(6.4, 5.0), layout="constrained")
    ax = fig.add_subplot()
    xs, ys = grid.columns.to_numpy(float), grid.index.to_numpy(float)
    xe, ye = _edges(xs), _edges(ys)
    if outcome == "dominant":
        powers = powers_of(df)
        pal = palette(powers)
        codes = np.vectorize(lambda v: powers.index(v) if isinstance(v, str) else np.nan, otypes=[float])(grid.to_numpy())
        cmap = mcolors.ListedColormap([pal[p] for p in powers])
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(codes), cmap=cmap, vmin=-0.5, vmax=len(powers) - 0.5, gid="map")
        agree = grid.attrs["agreement"].to_numpy(float)
        for (iy, ix), a in np.ndenumerate(agree):
            if np.isfinite(a):
                ax.text(xs[ix], ys[iy], f"{a:.0%}", ha="center", va="center", fontsize=7, color="white")
        present = [p for p in powers if p in set(grid.to_numpy().ravel())]
        ax.legend(handles=[Patch(facecolor=pal[p], label=p) for p in present], title="most frequent dominant partner\n(% of runs in cell)", loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        what = "dominant partner"
    else:
        mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(grid.to_numpy(float)), cmap="viridis", vmin=0, vmax=1, gid="map")
        fig.colorbar(mesh, ax=ax, label=f"mean {outcome_label(outcome)}")
        what = f"mean {outcome} share" if outcome != "hedging" else "mean hedging"
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(parameter_label(y))
    ax.set_title(f"{name}: {state_title(state)} {what} at {date}")
    return fig


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges around sorted cell centres (halfway between neighbours; a single centre gets a cell of width 1)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[:-1] + centres[1:]) / 2
    return np.concatenate([[centres[0] - (mid[0] - centres[0])], mid, [centres[-1] + (centres[-1] - mid[-1])]])


def sweep_line(
    df: pd.DataFrame, x: str, state: str, outcomes: Sequence[str] | None = None, bins: int = 10, problem: Mapping | None = None
) -> Figure:
    """Mean share toward each power (and its 5-95% range over runs) against one swept parameter."""
    outcomes = powers_of(df) if outcomes is None else list(outcomes)
    pal = palette(powers_of(df))
    name = scenarios_of(df)[0]
    date = str(horizon(df)["date"].iloc[0])
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for o in outcomes:
        line = _response.response_line(df, x, state, o, bins, problem=problem)
        ax.fill_between(line[x], line["low"], line["high"], color=pal[o], alpha=BAND, linewidth=0, gid=f"{o}:band")
        ax.plot(line[x], line["mean"], color=pal[o], marker="o", markersize=3, label=o, gid=f"{o}:mean")
    ax.set_ylim(0, 1)
    ax.set_xlabel(parameter_label(x))
    ax.set_ylabel(SHARE_UNIT if all(o != "hedging" for o in outcomes) else "share or hedging index (0-1)")
    ax.set_title(f"{name}: {state_title(state)} at {date} against {x}\n(mean and 5-95% over runs; other parameters vary)")
    ax.legend(frameon=False)
    return fig


def sweep(df: pd.DataFrame, state: str | None = None, x: str | None = None, y: str | None = None, outcome: str = "dominant", problem: Mapping | None = None, bins: int = 10) -> Figure:
    """The sweep response: a map over the first two swept parameters (or ``x`` and ``y``), or a line over the only one."""
    params = _response.swept_parameters(df, problem)
    state = state or states_of(df)[0]
    x = x or params[0]
    if y is None and len(params) > 1:
        y = next(p for p in params if p != x)
    if y is None:
        return sweep_line(df, x, state, None if outcome == "dominant" else [outcome], bins, problem)
    return sweep_map(df, x, y, state, outcome, bins, problem)


def _framed(width: float, height: float) -> tuple[Figure, object]:
    """A figure whose panels go in one subfigure, so the panels' common axis label (the subfigure's) and the legend below (the figure's) each get their own room.

    Constrained layout puts a figure's own ``supxlabel`` and an "outside lower"
    legend in the same bottom margin, on top of each other.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subfigures(1, 1)


def _index_panels(idx: pd.DataFrame, states: Sequence[str] | None, bars: Sequence[tuple[str, str | None, float, str]], xlabel: str, title: str) -> Figure:
    """Horizontal bars of index columns, one panel per outcome (rows) and state (columns), first parameter on top."""
    states = list(pd.unique(idx["state"])) if states is None else list(states)
    outcomes = list(pd.unique(idx["outcome"]))
    params = list(pd.unique(idx["parameter"]))
    pal = palette([*idx.attrs.get("powers", ()), *outcomes])
    fig, panels = _framed(max(2.9 * len(states), 6.0), 0.6 + 0.32 * len(params) * len(outcomes) + 0.5 * len(outcomes))
    axes = panels.subplots(len(outcomes), len(states), sharex=True, sharey=True, squeeze=False)
    height = 0.8 / len(bars)
    for i, o in enumerate(outcomes):
        for j, s in enumerate(states):
            ax = axes[i][j]
            d = idx[(idx["state"] == s) & (idx["outcome"] == o)].set_index("parameter").reindex(params)
            for k, (col, conf, alpha, label) in enumerate(bars):
                ypos = np.arange(len(params)) + (k - (len(bars) - 1) / 2) * height
                err = d[conf].to_numpy(float) if conf else None
                ax.barh(ypos, d[col].to_numpy(float), height=height, xerr=err, color=pal[o], alpha=alpha, error_kw={"elinewidth": 0.8, "capsize": 1.5}, label=label, gid=f"{s}:{o}:{col}")
            ax.set_yticks(np.arange(len(params)), params)
            ax.axvline(0, color="black", linewidth=0.6)
            if i == 0:
                ax.set_title(state_title(s))
            if j == 0:
                ax.set_ylabel(f"{o}\n(parameter)")
    axes[0][0].invert_yaxis()  # once: every panel shares this y axis, and each call flips it
    panels.supxlabel(xlabel, gid="xlabel")
    fig.suptitle(title)
    fig.legend(handles=[Patch(facecolor="#444444", alpha=a, label=lab) for _, _, a, lab in bars], loc="outside lower center", ncols=len(bars), frameon=False)
    return fig


def sensitivity(indices: pd.DataFrame, states: Sequence[str] | None = None, scenario: str | None = None) -> Figure:
    """Bar charts of Sobol S1/ST (with confidence intervals) or Morris μ*/σ, per state (columns) and outcome (rows)."""
    scenario = scenario or indices.attrs.get("scenario")
    about = f"{scenario}: " if scenario else ""
    if {"S1", "ST"} <= set(indices.columns):
        bars = [("S1", "S1_conf", 0.45, "first order S1"), ("ST", "ST_conf", 1.0, "total order ST")]
        return _index_panels(indices, states, bars, "Sobol index (fraction of output variance)", f"{about}Sobol indices of outcomes at the horizon (bars: 95% bootstrap intervals)")
    if {"mu_star", "sigma"} <= set(indices.columns):
        bars = [("mu_star", "mu_star_conf", 1.0, "μ* (mean |elementary effect|)"), ("sigma", None, 0.45, "σ (spread: interactions, non-linearity)")]
        return _index_panels(indices, states, bars, "elementary effect (outcome units per parameter range)", f"{about}Morris screening of outcomes at the horizon")
    raise CasimError("not an indices table: needs S1/ST (Sobol) or mu_star/sigma (Morris) columns")


def tornado(table: pd.DataFrame) -> Figure:
    """Tornado chart: the outcome at each parameter's low and high value, widest swing at the top."""
    state, outcome, scen = (table.attrs.get(k, "") for k in ("state", "outcome", "scenario"))
    fig = Figure(figsize=(6.8, 1.2 + 0.4 * len(table)), layout="constrained")
    ax = fig.add_subplot()
    base = float(table["base"].iloc[0])
    ypos = np.arange(len(table))
    c = colour(outcome, table.attrs.get("powers", ()))
    ax.barh(ypos, table["at_low"] - base, left=base, color=c, alpha=0.45, label="parameter at its low value", gid="low")
    ax.barh(ypos, table["at_high"] - base, left=base, color=c, alpha=1.0, label="parameter at its high value", gid="high")
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(ypos, [f"{p}\n[{lo:.3g}, {hi:.3g}]" for p, lo, hi in zip(table["parameter"], table["low"], table["high"])])
    ax.invert_yaxis()
    ax.set_xlabel(f"{state} {outcome_label(outcome)} at the horizon (mean over runs)")
    ax.set_title(f"{scen}: {state} {outcome} when one parameter moves to its low or high value\n(line: the scenario as given)")
    ax.legend(frameon=False, loc="best")
    return fig


def discovery(df: pd.DataFrame, box: _discovery.Box) -> Figure:
    """The runs over the box's two most restricted parameters with the box drawn, every parameter's range in the box, and PRIM's trajectory.

    Runs that share a point of the plane (a grid's replicates) are drawn as one
    marker coloured by the share of them that end with the partner dominant,
    its area growing with their number, so no run hides another.
    """
    name = scenarios_of(df)[0]
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
    style = {"c": points["share"], "cmap": cmap, "vmin": 0, "vmax": 1, "s": area, "edgecolors": "#555555", "linewidths": 0.3, "gid": "points"}
    px = shown[0]
    if len(shown) == 2:
        py = shown[1]
        dots = ax.scatter(points[px], points[py], **style)
        (x0, x1), (y0, y1) = box.limits.loc[px, ["low", "high"]], box.limits.loc[py, ["low", "high"]]
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="black", linewidth=1.5, gid="box"))
        ax.set_ylabel(parameter_label(py))
    else:
        dots = ax.scatter(points[px], points["share"], **style)
        ax.axvspan(*box.limits.loc[px, ["low", "high"]], color="black", alpha=0.1, gid="box")
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(f"share of runs with {box.partner} dominant (0-1)")
    ax.set_xlabel(parameter_label(px))
    fig.colorbar(dots, ax=ax, label=f"share of the point's runs with {box.partner} dominant (0-1)")
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
        ax.plot([lo, hi], [k, k], color=pal[box.partner] if lim.loc[p, "restricted"] else "#999999", linewidth=6, solid_capstyle="butt", gid=f"range:{p}")
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
            ax.plot(t["coverage"].iloc[sel], t["density"].iloc[sel], marker="o", markersize=9, color=pal[box.partner], gid="selected")
        ax.set_xlabel("coverage (fraction of runs of interest in the box)")
        ax.set_ylabel("density (fraction of runs in the box of interest)")
        ax.set_title("PRIM peeling trajectory")
    fig.suptitle(f"{name}: where {state_title(box.state)} ends with {box.partner} dominant ({box.method.upper()}, {box.runs} runs)")
    return fig


def discovery_target(df: pd.DataFrame, state: str | None = None, partner: str | None = None) -> tuple[str, str]:
    """The state and partner to explain: the pair whose share of runs at the horizon is nearest one half (the most open question)."""
    best: tuple[float, str, str] | None = None
    for s in [state] if state else states_of(df):
        freq = _response.per_run(df, s, "dominant", [])["dominant"].value_counts(normalize=True)
        for p, f in freq.items():
            if (partner is None or p == partner) and (best is None or abs(f - 0.5) < best[0]):
                best = (abs(f - 0.5), s, str(p))
    if best is None:
        return state or states_of(df)[0], partner or powers_of(df)[0]
    return best[1], best[2]


def _recorded(observed) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """Recorded votes ``{(text id, state): vote}`` and each text's quarter, from resolutions or such a mapping."""
    if observed is None:
        return {}, {}
    if isinstance(observed, Mapping):
        return dict(observed), {}
    votes_ = {(r.id, s): v for r in observed for s, v in (r.observed or {}).items()}
    return votes_, {r.id: r.quarter for r in observed}


def _vote_legend(fig: Figure, marked: bool) -> None:
    """The outcome swatches (and the recorded-vote marker) below the panels."""
    handles = [Patch(facecolor=OUTCOME_COLOURS[o], edgecolor="#999999", linewidth=0.5, label=o) for o in OUTCOMES]
    if marked:
        handles.append(Line2D([], [], **RECORDED_MARKER, label="recorded vote"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)


def votes(table: pd.DataFrame, observed=None, scenario: str | None = None) -> Figure:
    """Projected vote probabilities per text and state (stacked, one colour per outcome), each recorded vote marked.

    ``table`` is :func:`casim.observables.project_votes` (or ``votes``);
    ``observed`` the resolutions (their recorded votes and dates) or a mapping
    ``{(text id, state): vote}``. The marker sits in the middle of the
    recorded outcome's segment, so a projection that agrees puts it on the
    widest one.
    """
    missing = [c for c in ("resolution", "state", *PROBABILITIES) if c not in table.columns]
    if missing:
        raise CasimError(f"not a projected-votes table: missing column(s) {', '.join(missing)}")
    scenario = scenario or table.attrs.get("scenario")
    recorded, quarters = _recorded(observed)
    texts = list(pd.unique(table["resolution"]))
    several = len(texts) > 1
    labels = [f"{r} {s}" if several else state_title(s) for r, s in zip(table["resolution"], table["state"])]
    probs = table[list(PROBABILITIES)].to_numpy(float)
    fig = Figure(figsize=(7.5, 1.5 + 0.28 * len(table)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for j, o in enumerate(OUTCOMES):
        ax.barh(y, probs[:, j], left=left, height=0.75, color=OUTCOME_COLOURS[o], label=o, gid=f"vote:{o}")
        left += probs[:, j]
    mx, my = [], []
    for i, key in enumerate(zip(table["resolution"], table["state"])):
        vote = recorded.get(key)
        if vote is not None:
            k = OUTCOMES.index(vote)
            mx.append(probs[i, :k].sum() + probs[i, k] / 2)
            my.append(i)
    if mx:
        ax.plot(mx, my, linestyle="", **RECORDED_MARKER, gid="recorded")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability of each vote (fraction, 0-1; mean over runs)")
    ax.set_ylabel("text and state" if several else "state")
    named = [f"{t} ({quarters[t]})" if t in quarters else t for t in texts]
    what = ", ".join(named) if len(named) <= 3 else f"{len(named)} texts ({named[0]} to {named[-1]})"
    fig.suptitle(f"{scenario + ': ' if scenario else ''}projected vote on {what}")
    _vote_legend(fig, bool(mx))
    return fig


def vote_path(path: pd.DataFrame, observed=None) -> Figure:
    """Each state's projected vote on one kind of text had it come up in each quarter (:func:`casim.analysis.votes.vote_path`).

    ``observed`` resolutions of that kind are marked at their date (dotted
    line) with the state's recorded vote (marker in the middle of its band).
    """
    scenario, kind, runs = (path.attrs.get(k) for k in ("scenario", "kind", "runs"))
    states = list(pd.unique(path["state"]))
    texts = [r for r in (observed or ()) if kind is None or r.kind == kind]
    fig, axes = _grid(len(states), len(states), size=(3.0, 2.8))
    marked = False
    for ax, s in zip(axes, states):
        rows = path[path["state"] == s]
        x = quarter_starts(rows["date"])
        probs = rows[list(PROBABILITIES)].to_numpy(float)
        ax.stackplot(x, probs.T, colors=[OUTCOME_COLOURS[o] for o in OUTCOMES], labels=OUTCOMES, gid=f"{s}:votes")
        for r in texts:
            if r.quarter not in set(rows["date"]):
                continue
            at = quarter_starts([r.quarter])[0]
            ax.axvline(at, color="black", linewidth=0.8, linestyle=":", gid=f"{s}:{r.id}:date")
            vote = (r.observed or {}).get(s)
            if vote is not None:
                p = probs[list(rows["date"]).index(r.quarter)]
                k = OUTCOMES.index(vote)
                ax.plot([at], [p[:k].sum() + p[k] / 2], linestyle="", **RECORDED_MARKER, gid=f"{s}:{r.id}:recorded")
                marked = True
        ax.set_ylim(0, 1)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.tick_params(axis="x", labelrotation=45)
    axes[0].set_ylabel("probability of each vote (fraction, 0-1)")
    dates = ", ".join(f"{r.id} {r.quarter}" for r in texts)
    about = f"{scenario}: " if scenario else ""
    fig.suptitle(f"{about}projected vote on a {kind or 'UN'} text in each quarter (mean over {runs} runs)" + (f"; dotted: {dates}" if dates else ""))
    _vote_legend(fig, marked)
    return fig


def posterior(accepted: pd.DataFrame, summary: Mapping) -> Figure:
    """The calibration's posteriors: per fitted parameter its uniform prior (band), the accepted draws (histogram) and the shipped value (line).

    ``accepted`` and ``summary`` are ``accepted.csv`` and ``summary.json`` of
    ``casim calibrate``. Histograms of parameters the calibration identified
    (posterior clearly narrower than the prior) are coloured.
    """
    rows = list(summary.get("parameters") or [])
    if not rows:
        raise CasimError("not a calibration summary: no 'parameters' (read summary.json of casim calibrate)")
    missing = [r["parameter"] for r in rows if r["parameter"] not in accepted.columns]
    if missing:
        raise CasimError(f"the accepted draws have no column for {', '.join(missing)}")
    ncols = min(len(rows), 7)
    nrows = -(-len(rows) // ncols)
    fig, panels = _framed(2.5 * ncols, 1.9 * nrows + 1.3)
    axes = panels.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, r in zip(axes, rows):
        name, lo, hi = r["parameter"], float(r["prior_low"]), float(r["prior_high"])
        ax.axvspan(lo, hi, color=POSTERIOR_COLOURS["prior"], linewidth=0, gid=f"{name}:prior")
        fill = POSTERIOR_COLOURS["identified" if r.get("identified") else "not identified"]
        ax.hist(accepted[name].to_numpy(float), bins=POSTERIOR_BINS, range=(lo, hi), color=fill, gid=f"{name}:posterior")
        ax.axvline(float(r["shipped"]), color="black", linewidth=1.2, gid=f"{name}:shipped")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(rows):]:
        ax.set_visible(False)
    panels.supxlabel("parameter value (dimensionless; each panel spans its prior range)", gid="xlabel")
    panels.supylabel("accepted draws (count)")
    names = [str(v.get("name", k)) for k, v in (summary.get("scenarios") or {}).items()]
    on = f" on {' and '.join(names)}" if names else ""
    fig.suptitle(f"Calibration{on}: {summary.get('accepted', len(accepted))} of {summary.get('draws', '?')} draws accepted; posterior of each parameter")
    fig.legend(
        handles=[
            Patch(facecolor=POSTERIOR_COLOURS["prior"], label="uniform prior range"),
            Patch(facecolor=POSTERIOR_COLOURS["identified"], label="accepted draws (identified)"),
            Patch(facecolor=POSTERIOR_COLOURS["not identified"], label="accepted draws (not identified)"),
            Line2D([], [], color="black", label="shipped value"),
        ],
        loc="outside lower center",
        ncols=4,
        frameon=False,
    )
    return fig


def render(
    kind: str,
    df: pd.DataFrame,
    state: str | None = None,
    problem: Mapping | None = None,
    design: Mapping | None = None,
    outcome: str | None = None,
    partner: str | None = None,
    scenario: str | None = None,
) -> Figure:
    """The figure of one ``kind`` for a results table (``problem``/``design`` from a sweep's manifest for sweep kinds).

    ``scenario`` picks one scenario of a table that holds several (``compare``
    and ``differences``: the baseline, by default the first).
    """
    check_choice("figure kind", kind, KINDS)
    states = None if state is None else [state]
    if kind in ("compare", "differences"):
        if len(scenarios_of(df)) < 2:
            raise CasimError(f"the {kind} figure needs a table with two or more scenarios (write one with `casim compare`)")
        if kind == "compare":
            return compare(df, states, baseline=scenario)
        diff = _compare.differences(df, baseline=scenario)
        if state is not None:
            diff = diff[diff["state"] == check_choice("state", state, states_of(df))]
        return differences(diff, None if outcome is None else [check_choice("outcome", outcome, outcomes_of(df))])
    df = one_scenario(df, scenario)
    if kind == "trajectories":
        return trajectories(df, states)
    if kind == "ternary":
        return ternary(df, states)
    if kind == "sweep":
        return sweep(df, state, outcome=outcome or "dominant", problem=problem)
    if kind == "sensitivity":
        idx = _sensitivity.from_manifest(df, {"problem": problem, "design": design}, states, None if outcome is None else [outcome])
        return sensitivity(idx)
    state, partner = discovery_target(df, state, partner)
    box = _discovery.discover(df, state, partner, problem=problem)
    return discovery(df, box)


__all__ = [
    "FALLBACK_COLOURS",
    "KINDS",
    "OUTCOME_COLOURS",
    "POWER_COLOURS",
    "colour",
    "compare",
    "differences",
    "discovery",
    "palette",
    "posterior",
    "render",
    "save",
    "sensitivity",
    "stacked",
    "sweep",
    "sweep_line",
    "sweep_map",
    "ternary",
    "tornado",
    "trajectories",
    "vote_path",
    "votes",
]
