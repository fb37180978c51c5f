"""Figures of alignment over time: each state's trajectories (median and bands), and scenarios compared."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import cast

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedFormatter, FixedLocator, FormatStrFormatter, NullFormatter, NullLocator

from ..analysis.summary import (
    bands,
    check_choice,
    one_scenario,
    powers_of,
    quarter_starts,
    scenarios_of,
    states_of,
)
from .style import (
    FAN,
    FAN_SWATCH,
    SHARE_TICKS,
    SHARE_UNIT,
    date_axis,
    fixed_layout,
    gc_paused,
    palette,
    panel_grid,
    power_legend,
    state_title,
)


def chosen_states(df: pd.DataFrame, states: Sequence[str] | str | None) -> list[str]:
    have = states_of(df)
    if states is None:
        return have
    states = [states] if isinstance(states, str) else list(states)
    return [check_choice("state", s, have) for s in states]


def _band_rows(b: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, np.ndarray]]:
    """The rows of a :func:`bands` table by (scenario, state, outcome), each column as an array in step order."""
    cols = {c: b[c].to_numpy() for c in ("low", "high", "low50", "high50", "median")}
    cols["date"] = b["date"].to_numpy(dtype=object)
    step = b["step"].to_numpy()
    out: dict[tuple[str, str, str], dict[str, np.ndarray]] = {}
    for key, at in b.groupby(["scenario", "state", "outcome"], sort=False).indices.items():
        rows = np.asarray(at)[np.argsort(step[at], kind="stable")]
        out[cast(tuple[str, str, str], key)] = {c: v[rows] for c, v in cols.items()}
    return out


def _band_panel(
    ax,
    rows: Mapping[tuple[str, str, str], Mapping[str, np.ndarray]],
    powers: Sequence[str],
    state: str,
    scenario: str,
    pal: Mapping[str, str],
    x: np.ndarray,
) -> None:
    """A fan for each power of one state of one scenario: its 90% band (lighter), its 50% band (darker, over it)
    and its median line (``rows``: :func:`_band_rows`; ``x``: the dates of the scenario's steps)."""
    for p in powers:
        r = rows.get((scenario, state, p))
        if r is None:
            continue
        gid = f"{scenario}:{state}:{p}"
        ax.fill_between(x, r["low"], r["high"], color=pal[p], alpha=FAN[0], linewidth=0, gid=f"{gid}:band")
        ax.fill_between(x, r["low50"], r["high50"], color=pal[p], alpha=FAN[1], linewidth=0, gid=f"{gid}:band50")
        ax.plot(x, r["median"], color=pal[p], linewidth=1.8, label=p, gid=f"{gid}:median")
    ax.set_ylim(0, 1)


BAND_KINDS = ("all", "noise")  # the band= of the fan charts: parameters and noise, or the noise alone


def band_handles(band: str, draws: bool, short: bool = False) -> list[Patch]:
    """The legend's swatches of the fan's two bands (``band``: "all" or "noise"; ``draws``: runs over posterior
    draws); ``short``: "90% band" and "50% band", for a figure whose title says what they hold."""
    of = "of the noise within a draw" if band == "noise" and draws else "of runs"
    labels = (
        ("90% band", "50% band")
        if short
        else (f"band: 90% {of} (5th-95th percentile)", f"band: 50% {of} (25th-75th percentile)")
    )
    return [Patch(facecolor="#BBBBBB", alpha=a, label=label) for a, label in zip(FAN_SWATCH, labels, strict=True)]


def band_kind(band: str, draws: bool) -> str:
    """What the fan's bands hold, for a figure's title: "parameters and noise" (runs over posterior draws), "noise
    only (spread within a draw)", "noise only: parameters at their point values" (band="noise" of runs without
    draws), or "" (the runs of one parameter set, band="all")."""
    if band == "noise":
        return "noise only (spread within a draw)" if draws else "noise only: parameters at their point values"
    return "parameters and noise" if draws else ""


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


def quarter_dates(df: pd.DataFrame) -> np.ndarray:
    """The table's quarters in step order, as the first day of each (the x values of every panel)."""
    return quarter_starts(df.groupby("step", sort=True)["date"].first().astype(str))


@gc_paused()
def trajectories_figure(
    df: pd.DataFrame,
    states: Sequence[str] | str | None = None,
    scenario: str | None = None,
    shocks: Sequence[Mapping] | None = None,
    band: str = "all",
) -> Figure:
    """Each state's share toward each power over time: a fan chart of its median and its 50% and 90% bands across
    runs, with a dotted line where each shock starts.

    ``band``: "all" (the default), the bands of all runs: over posterior draws (a table with a ``draw``
    column) the parameters' uncertainty and the noise; "noise", the bands of the noise alone: of runs over
    draws the spread of each run around its own draw's mean, added to the median (:func:`casim.analysis.bands`
    with ``noise``); of runs without draws the same as "all" (the parameters at their point values). The title
    says which.

    ``shocks`` are the resolved scenario's (``manifest["scenario"]["shocks"]``:
    each with ``id`` and ``step``); by default those of the manifest in
    ``df.attrs`` (a table from :func:`casim.run`).
    """
    band = check_choice("band", band, BAND_KINDS)
    df = one_scenario(df, scenario)
    name = scenarios_of(df)[0]
    powers = powers_of(df)
    states = chosen_states(df, states)
    if shocks is None:
        shocks = shocks_in(df.attrs.get("manifest"), name)
    starts = shock_starts(df, shocks)
    draws = "draw" in df.columns
    rows = _band_rows(bands(df, noise=band == "noise"))
    n = df["run"].nunique()
    pal = palette(powers)
    x = quarter_dates(df)
    fig, axes = panel_grid(len(states), 3)
    for ax, s in zip(axes, states, strict=True):
        _band_panel(ax, rows, powers, s, name, pal, x)
        _mark_shocks(ax, starts, s)
        date_axis(ax, x)
        ax.set_title(state_title(s))
        ax.set_xlabel("date (quarter)")
        ax.set_ylabel(SHARE_UNIT)
    kind = band_kind(band, draws)
    if draws:  # runs over posterior draws: the band holds the parameters' uncertainty and the noise
        d = df["draw"].nunique()
        runs = f"{n} runs, {d} posterior draws x {n // d} replicates; bands: 50% and 90% of runs, {kind}"
    else:
        runs = f"{n} runs; bands: 50% and 90% of runs" + (f", {kind}" if kind else "")
    fig.suptitle(f"{name}: alignment toward each power (line: median of {runs})")
    extra: list = band_handles(band, draws)
    if starts:
        extra.append(Line2D([], [], color=SHOCK_COLOUR, linestyle=":", label="a shock starts (named at the top)"))
    power_legend(fig, powers, pal, extra)
    return fig


def _modelled(df: pd.DataFrame, rows, names: Sequence[str], states: Sequence[str], powers: Sequence[str]) -> dict:
    """Each scenario's powers to draw: those its manifest (a comparison's, in ``df.attrs``) lists, else those with
    a share other than 0 somewhere (:func:`casim.analysis.compare.combine` gives a power a scenario does not model
    share 0)."""
    own = (df.attrs.get("manifest") or {}).get("scenarios") or {}
    out = {}
    for sc in names:
        m = own.get(sc) if isinstance(own, Mapping) else None
        listed = (
            m["scenario"].get("powers") if isinstance(m, Mapping) and isinstance(m.get("scenario"), Mapping) else None
        )
        if isinstance(listed, list):
            out[sc] = [p for p in powers if p in listed]
        else:
            out[sc] = [
                p for p in powers if any(np.any(rows[(sc, s, p)]["high"] != 0) for s in states if (sc, s, p) in rows)
            ]
    return out


def span_ticks(quarters: np.ndarray, most: int = 5, clear: float = 0.0) -> tuple[list[float], list[str]]:
    """Ticks for a date axis spanning ``quarters`` (their first days, sorted): the first day of each year in the
    span (every k-th year, at most ``most``) labelled by the year, or for a span holding fewer than two of them the
    quarters ("2023Q2"); as matplotlib date numbers and labels. None lies within ``clear`` (a fraction of the span)
    of its end, where its label would reach into the next panel's."""
    first, last = quarters[0], quarters[-1]
    edge = mdates.date2num(last) - clear * (mdates.date2num(last) - mdates.date2num(first))
    years = [np.datetime64(f"{y}-01-01") for y in range(int(str(first)[:4]), int(str(last)[:4]) + 1)]
    at = [d for d in years if first <= d and mdates.date2num(d) <= edge]
    if len(at) >= 2:
        at = at[:: -(-len(at) // most)]
        return [float(mdates.date2num(d)) for d in at], [str(d)[:4] for d in at]
    at = [d for d in quarters if mdates.date2num(d) <= edge]
    at = at[:: -(-len(at) // min(most, 3)) or 1]
    return [float(mdates.date2num(d)) for d in at], [f"{str(d)[:4]}Q{(int(str(d)[5:7]) - 1) // 3 + 1}" for d in at]


COMPARE_PANEL = (2.4, 1.75)  # inches of each small multiple of compare_figure
COMPARE_GAP = 0.15  # inches between them
TITLE_CHARS_PER_INCH = 9  # characters of a (12 point) title per inch of width: where it wraps
LEGEND_COLUMN = 1.3  # inches a column of the legend takes at most (a power's name, or a short band label)


@gc_paused()
def compare_figure(
    df: pd.DataFrame, states: Sequence[str] | str | None = None, baseline: str | None = None, band: str = "all"
) -> Figure:
    """Small multiples: one row per scenario, one column per state, a fan of each power (median, 50% and 90%
    bands across runs); a power a scenario does not model is not drawn in its row.

    ``band``: "all" or "noise", as :func:`trajectories_figure` (the title says which).
    """
    band = check_choice("band", band, BAND_KINDS)
    names = scenarios_of(df)
    baseline = names[0] if baseline is None else check_choice("baseline scenario", baseline, names)
    order = [baseline, *[n for n in names if n != baseline]]
    powers = powers_of(df)
    states = chosen_states(df, states)
    pal = palette(powers)
    draws = "draw" in df.columns
    rows = _band_rows(bands(df, noise=band == "noise"))
    modelled = _modelled(df, rows, order, states, powers)
    first = {sc: r["date"] for (sc, _, _), r in reversed(list(rows.items()))}  # each scenario's quarters
    xs = {sc: quarter_starts(d) for sc, d in first.items()}
    span = (min(x[0] for x in xs.values()), max(x[-1] for x in xs.values()))
    kind = band_kind(band, draws)
    # a fixed layout, in inches: constrained layout's passes over dozens of axes take seconds; the title wraps and
    # the legend takes as many columns as fit the width, and the margins make room for them
    (pw, ph), gap = COMPARE_PANEL, COMPARE_GAP
    left, right = 0.85, 0.25
    width = left + len(states) * pw + (len(states) - 1) * gap + right
    chars = max(30, int(TITLE_CHARS_PER_INCH * (width - 0.3)))
    lines = [
        *textwrap.wrap(
            f"Scenarios compared with {baseline}: {', '.join(order[1:]) or '(none)'}", chars, break_on_hyphens=False
        ),
        *textwrap.wrap(
            f"(line: median; bands: 50% and 90% of runs{', ' + kind if kind else ''}; "
            "a power a scenario does not model is not drawn)",
            chars,
            break_on_hyphens=False,
        ),
    ]
    handles = band_handles(band, draws, short=True)
    ncols = max(1, min(len(powers) + len(handles), 6, int((width - 0.3) / LEGEND_COLUMN)))
    legend_rows = -(-(len(powers) + len(handles)) // ncols)
    top = 0.25 + 0.21 * len(lines) + 0.3
    bottom = 0.7 + 0.24 * legend_rows
    height = top + len(order) * ph + (len(order) - 1) * gap + bottom
    fig = Figure(figsize=(width, height))
    grid = {
        "left": left / width,
        "right": 1 - right / width,
        "top": 1 - top / height,
        "bottom": bottom / height,
        "wspace": gap / pw,
        "hspace": gap / ph,
    }
    # shared limits and ticks set by hand: sharex/sharey over dozens of axes makes every update quadratic
    axes = fig.subplots(len(order), len(states), squeeze=False, gridspec_kw=grid)
    quarters = np.unique(np.concatenate(list(xs.values())))
    ticks, texts = span_ticks(quarters, clear=0.2 / pw)  # a label's half width off the right edge
    for i, sc in enumerate(order):
        for j, s in enumerate(states):
            ax = axes[i][j]
            _band_panel(ax, rows, modelled[sc], s, sc, pal, xs[sc])
            ax.set_xlim(span[0], span[1])
            bottom_row = i == len(order) - 1
            # fixed ticks: no locator to run for each of dozens of panels
            ax.xaxis.set_major_locator(FixedLocator(ticks))
            ax.xaxis.set_major_formatter(FixedFormatter(texts) if bottom_row else NullFormatter())
            ax.xaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_locator(FixedLocator(SHARE_TICKS))
            ax.yaxis.set_major_formatter(FormatStrFormatter("%g") if j == 0 else NullFormatter())
            ax.tick_params(axis="x", labelbottom=bottom_row)
            ax.tick_params(axis="y", labelleft=j == 0)
            if i == 0:
                ax.set_title(state_title(s))
            if j == 0:
                ax.set_ylabel(f"{sc}\nshare (0-1)")
            if bottom_row:
                ax.set_xlabel("date (quarter)")
    fig.suptitle("\n".join(lines), y=1 - 0.12 / height, va="top")
    power_legend(fig, powers, pal, handles, ncols=ncols)
    fixed_layout(fig)
    return fig
