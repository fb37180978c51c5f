"""The differences of scenarios from a baseline at the horizon: one panel per state, every panel on one scale, each
difference with its confidence interval, powers a scenario does not model left out."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib import rcParams
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from matplotlib.ticker import MaxNLocator

from ..errors import CasimError
from .style import HEDGING_COLOUR, fixed_layout, gc_paused, palette, power_legend, power_name, state_title


def modelled_rows(diff: pd.DataFrame, modelled: Mapping[str, Sequence[str]] | None = None) -> pd.Series:
    """Which rows of a differences table compare something the scenario models: hedging always, a power only if the
    scenario has it.

    ``modelled`` gives each scenario's powers (a comparison manifest's
    ``scenarios.<name>.scenario.powers``); a scenario it does not list, or
    every scenario without it, is taken to lack a power whose mean share there
    is exactly 0 (the share :func:`casim.analysis.compare.combine` gives a
    power a scenario does not model).
    """
    modelled = modelled or {}
    keep = [
        o == "hedging" or (o in modelled[sc] if sc in modelled else m != 0.0)
        for sc, o, m in zip(diff["scenario"], diff["outcome"], diff["scenario_mean"], strict=True)
    ]
    return pd.Series(keep, index=diff.index, dtype=bool)


@gc_paused()
def differences_figure(
    diff: pd.DataFrame,
    outcomes: Sequence[str] | None = None,
    modelled: Mapping[str, Sequence[str]] | None = None,
) -> Figure:
    """Differences from the baseline at the horizon with their confidence intervals, one panel per state, every panel
    on one x scale.

    A power a scenario does not model is not drawn for that scenario (its
    "difference" would be a share it cannot have); the title names what was
    left out. ``modelled``: each scenario's powers (:func:`modelled_rows`).
    """
    if diff.empty:
        raise CasimError("no differences to plot")
    drawn = modelled_rows(diff, modelled)
    if outcomes is None:
        outcomes = [o for o in pd.unique(diff["outcome"]) if drawn[diff["outcome"] == o].any()]
    states = list(pd.unique(diff["state"]))
    scen = list(pd.unique(diff["scenario"]))
    pal = palette(pd.unique(diff["outcome"]))
    shown = diff[drawn & diff["outcome"].isin(outcomes)]
    if shown.empty:
        raise CasimError("no differences to plot: no scenario models the outcomes asked for")
    # one symmetric scale for every panel, so a small effect looks small beside a large one
    reach = float(np.nanmax(np.abs(shown[["difference", "ci_low", "ci_high"]].to_numpy(float))))
    lim = 1.1 * reach if reach > 0 else 0.01
    xlabel = "difference from baseline\n(share of alignment, 0-1 scale)"
    if "hedging" in outcomes:
        xlabel = "difference from baseline\n(share or hedging index, 0-1 scale)"
    base = diff["baseline"].iloc[0]
    dates = set(diff["date"]) | set(diff.get("baseline_date", diff["date"]))
    when = f"at {dates.pop()}" if len(dates) == 1 else "at each scenario's horizon"
    which = ", ".join(scen) if len(scen) <= 3 else f"{len(scen)} scenarios"
    title = [f"Difference of {which} from {base} {when}", f"({_about(diff)}; one x scale for every state)"]
    notes = left_out(diff[~drawn & diff["outcome"].isin(outcomes)])
    handles = [Patch(facecolor=HEDGING_COLOUR, label="hedging")] if "hedging" in outcomes else []
    fig, axes, title, notes, ncols = _laid_out_panels(
        len(states), [str(sc) for sc in scen], 0.16 * len(scen) * len(outcomes), title, notes, len(outcomes)
    )
    width = 0.8 / len(outcomes)
    for ax, s in zip(axes, states, strict=True):
        d = shown[shown["state"] == s]
        for k, o in enumerate(outcomes):
            r = d[d["outcome"] == o].set_index("scenario")
            if r.empty:
                continue
            y = np.array([scen.index(sc) for sc in r.index]) + (k - (len(outcomes) - 1) / 2) * width
            err = np.vstack([r["difference"] - r["ci_low"], r["ci_high"] - r["difference"]])
            ax.errorbar(
                r["difference"],
                y,
                xerr=err,
                fmt="o",
                color=pal[o],
                markersize=3,
                elinewidth=1.6,
                capsize=3.5,
                capthick=1.2,
                label=o,
                gid=f"{s}:{o}:diff",
            )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlim(-lim, lim)
        ax.xaxis.set_major_locator(MaxNLocator(5, symmetric=True))
        ax.set_yticks(np.arange(len(scen)), scen)
        ax.set_ylim(len(scen) - 0.5, -0.5)  # first scenario on top
        ax.set_title(state_title(s))
        ax.set_xlabel(xlabel)
    fig.suptitle("\n".join(title), y=1 - 0.1 / fig.get_figheight(), va="top")
    power_legend(fig, [o for o in outcomes if o != "hedging"], pal, handles, ncols=ncols)
    if notes:  # the legend's title, above its swatches
        fig.legends[-1].set_title("\n".join(notes))
        fig.legends[-1].get_title().set_fontsize(NOTE_SIZE)
    fixed_layout(fig)
    return fig


def _about(diff: pd.DataFrame) -> str:
    """What the dots and whiskers of :func:`differences_figure` are."""
    draws = int(diff["draws"].max()) if "draws" in diff else 0
    if draws:  # runs over posterior draws: the interval is the parameters' uncertainty with the noise
        runs = int(diff["replicates"].min())
        return (
            f"dot: median effect over {draws} posterior draws; whiskers: 90% interval over draws, "
            f"paired over {draws} draws x {runs} replicates"
        )
    paired = "paired by seed" if diff.get("paired", pd.Series([False])).all() else "Welch"
    runs = int(diff["replicates"].min()) if "replicates" in diff else 0
    return (f"dot: mean difference over {runs} runs" if runs else "dot: mean difference") + (
        f"; whiskers: 95% confidence interval of the mean, {paired}: noise only, parameters at point values"
    )


PLOT_WIDTH = 2.6  # inches of each panel's plotting area
TITLE_CHARS_PER_INCH = 9  # characters of the (12 point) title per inch of the figure's width: where it wraps
LEGEND_COLUMN = 1.1  # inches a column of the legend takes at most (an outcome's name)


def _laid_out_panels(n: int, labels: list[str], plot_height: float, title: list[str], notes: list[str], items: int):
    """The figure and its ``n`` panels laid out by hand (in rows of three), in inches: room on the left of each
    panel for the longest of its y tick ``labels`` (measured), above for the wrapped ``title`` lines and the panel
    titles, below for the x labels and the legend (``items`` swatches, under the wrapped ``notes``).

    Returns the figure, its axes, the title's and the notes' lines, and the legend's number of columns.
    """
    size = FontProperties(size=rcParams["ytick.labelsize"])
    measure = TextToPath()
    label = max(measure.get_text_width_height_descent(t, size, ismath=False)[0] for t in labels) / 72
    ncols = max(1, min(3, n))
    nrows = -(-n // ncols)
    ph = max(1.0, plot_height)
    left, gap, right = label + 0.25, label + 0.4, 0.35
    width = left + ncols * PLOT_WIDTH + (ncols - 1) * gap + right
    chars = int(TITLE_CHARS_PER_INCH * (width - 0.3))
    title = [line for part in title for line in textwrap.wrap(part, chars, break_on_hyphens=False)]
    notes = [
        line
        for note in notes
        for line in textwrap.wrap(note, int(NOTE_CHARS_PER_INCH * (width - 0.3)), break_on_hyphens=False)
    ]
    legend_cols = max(1, min(items, 6, int((width - 0.3) / LEGEND_COLUMN)))
    top = 0.25 + 0.22 * len(title) + 0.35
    bottom = 0.8 + 0.25 * -(-items // legend_cols) + 0.15 * len(notes) + 0.15
    vgap = 1.15  # the x tick labels and the two-line x label of one row, the titles of the next
    height = top + nrows * ph + (nrows - 1) * vgap + bottom
    fig = Figure(figsize=(width, height))
    grid = fig.add_gridspec(
        nrows,
        ncols,
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=gap / PLOT_WIDTH,
        hspace=vgap / ph,
    )
    axes = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]
    return fig, axes, title, notes, legend_cols


NOTE_SIZE = 8  # points, of the note naming the powers left out
NOTE_CHARS_PER_INCH = 15  # characters of that note per inch of the figure's width: where it wraps


def left_out(missing: pd.DataFrame) -> list[str]:
    """The note on the powers not drawn: one line per set of powers, naming every scenario that lacks them
    ("Gulf, Turkey, Iran: not in a, b, c; not drawn"), in order of first appearance."""
    by_powers: dict[tuple[str, ...], list[str]] = {}
    for sc, g in missing.groupby("scenario", sort=False):
        by_powers.setdefault(tuple(power_name(o) for o in pd.unique(g["outcome"])), []).append(str(sc))
    return [f"{', '.join(p)}: not in {', '.join(names)}; not drawn" for p, names in by_powers.items()]
