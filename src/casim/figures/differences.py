"""The differences of scenarios from a baseline at the horizon: one panel per state, every panel on one scale, each
difference with its confidence interval, powers a scenario does not model left out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..errors import CasimError
from .style import HEDGING_COLOUR, palette, panel_grid, power_legend, power_name, state_title


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
    fig, axes = panel_grid(len(states), 3, size=(4.0, 0.8 + 0.16 * len(scen) * len(outcomes)))
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
    base = diff["baseline"].iloc[0]
    dates = set(diff["date"]) | set(diff.get("baseline_date", diff["date"]))
    when = f"at {dates.pop()}" if len(dates) == 1 else "at each scenario's horizon"
    which = ", ".join(scen) if len(scen) <= 3 else f"{len(scen)} scenarios"
    draws = int(diff["draws"].max()) if "draws" in diff else 0
    if draws:  # runs over posterior draws: the interval is the parameters' uncertainty with the noise
        runs = int(diff["replicates"].min())
        about = (
            f"dot: median effect over {draws} posterior draws; whiskers: 90% interval over draws, "
            f"paired over {draws} draws x {runs} replicates"
        )
    else:
        paired = "paired by seed" if diff.get("paired", pd.Series([False])).all() else "Welch"
        runs = int(diff["replicates"].min()) if "replicates" in diff else 0
        about = (f"dot: mean difference over {runs} runs" if runs else "dot: mean difference") + (
            f"; whiskers: 95% confidence interval of the mean, {paired}: noise only, parameters at point values"
        )
    fig.suptitle(f"Difference of {which} from {base} {when}\n({about}; one x scale for every state)")
    missing = diff[~drawn & diff["outcome"].isin(outcomes)]
    notes = [
        f"{', '.join(power_name(o) for o in pd.unique(g['outcome']))}: not in {sc}, not drawn"
        for sc, g in missing.groupby("scenario", sort=False)
    ]
    power_legend(
        fig,
        [o for o in outcomes if o != "hedging"],
        pal,
        [Patch(facecolor=HEDGING_COLOUR, label="hedging")] if "hedging" in outcomes else [],
    )
    if notes:  # the legend's title: a place constrained layout makes room for
        fig.legends[-1].set_title("; ".join(notes))
        fig.legends[-1].get_title().set_fontsize(8)
    return fig
