"""Figures of the vote model and its calibration: projected votes per text and state, the vote path over time, and the
calibration's posteriors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..analysis.summary import quarter_starts
from ..analysis.votes import PROBABILITIES
from ..errors import CasimError
from ..votes import OUTCOMES
from .style import (
    OUTCOME_COLOURS,
    POSTERIOR_COLOURS,
    framed_panels,
    panel_grid,
    state_title,
)

POSTERIOR_BINS = 25
SPREAD_LABEL = "90% range over posterior draws (from the segment's start)"
RECORDED_MARKER: dict[str, Any] = {
    "marker": "D",
    "markersize": 6,
    "markerfacecolor": "white",
    "markeredgecolor": "black",
    "markeredgewidth": 1.2,
    "color": "black",
}


def _recorded(observed) -> tuple[dict[tuple[str, str], str], dict[str, str]]:
    """Recorded votes ``{(text id, state): vote}`` and each text's quarter, from resolutions or such a mapping."""
    if observed is None:
        return {}, {}
    if isinstance(observed, Mapping):
        return dict(observed), {}
    votes_ = {(r.id, s): v for r in observed for s, v in (r.observed or {}).items()}
    return votes_, {r.id: r.quarter for r in observed}


def _vote_legend(fig: Figure, marked: bool, spread: bool = False) -> None:
    """The outcome swatches (and the recorded-vote marker, the spread's line) below the panels."""
    handles: list[Artist] = [
        Patch(facecolor=OUTCOME_COLOURS[o], edgecolor="#999999", linewidth=0.5, label=o) for o in OUTCOMES
    ]
    if marked:
        handles.append(Line2D([], [], **RECORDED_MARKER, label="recorded vote"))
    if spread:
        handles.append(Line2D([], [], color="black", linewidth=1.0, label=SPREAD_LABEL))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False)


def votes_figure(table: pd.DataFrame, observed=None, scenario: str | None = None) -> Figure:
    """Projected vote probabilities per text and state (stacked, one colour per outcome), each recorded vote marked.

    ``table`` is :func:`casim.projection.project_votes` (or ``run_votes``);
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
    labels = [
        f"{r} {s}" if several else state_title(s) for r, s in zip(table["resolution"], table["state"], strict=True)
    ]
    probs = table[list(PROBABILITIES)].to_numpy(float)
    spread = all(f"{p}_q05" in table.columns and f"{p}_q95" in table.columns for p in PROBABILITIES)
    fig = Figure(figsize=(9.5 if spread else 7.5, 1.5 + 0.28 * len(table)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for j, o in enumerate(OUTCOMES):
        ax.barh(y, probs[:, j], left=left, height=0.75, color=OUTCOME_COLOURS[o], label=o, gid=f"vote:{o}")
        if spread:  # the outcome's 90% range over posterior draws, measured from its segment's left end
            lo = table[f"p_{o}_q05"].to_numpy(float)
            hi = table[f"p_{o}_q95"].to_numpy(float)
            end = np.minimum(left + hi, 1.0)
            ax.hlines(y + (j - 1.5) * 0.12, left + lo, end, color="black", linewidth=1.0, gid=f"spread:{o}")
        left += probs[:, j]
    mx, my = [], []
    for i, key in enumerate(zip(table["resolution"], table["state"], strict=True)):
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
    _vote_legend(fig, bool(mx), spread)
    return fig


def vote_path_figure(path: pd.DataFrame, observed=None) -> Figure:
    """Each state's projected vote on one kind of text had it come up in each quarter
    (:func:`casim.analysis.votes.vote_path`).

    ``observed`` resolutions of that kind are marked at their date (dotted
    line) with the state's recorded vote (marker in the middle of its band).
    """
    scenario, kind, runs = (path.attrs.get(k) for k in ("scenario", "kind", "runs"))
    states = list(pd.unique(path["state"]))
    texts = [r for r in (observed or ()) if kind is None or r.kind == kind]
    fig, axes = panel_grid(len(states), len(states), size=(3.0, 2.8))
    marked = False
    for ax, s in zip(axes, states, strict=True):
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
    fig.suptitle(
        f"{about}projected vote on a {kind or 'UN'} text in each quarter (mean over {runs} runs)"
        + (f"; dotted: {dates}" if dates else "")
    )
    _vote_legend(fig, marked)
    return fig


def posterior_figure(accepted: pd.DataFrame, summary: Mapping) -> Figure:
    """The calibration's posteriors: per fitted parameter its uniform prior (band), the accepted draws (histogram) and
    the shipped value (line).

    ``accepted`` and ``summary`` are ``accepted.csv`` and ``summary.json`` of
    ``casim calibrate``. Histograms of parameters the calibration identified
    (posterior clearly narrower than the prior) are coloured.
    """
    rows = list(summary.get("parameters") or [])
    if not rows:
        raise CasimError("not a calibration summary: no 'parameters' (read summary.json of casim calibrate)")
    names = [str(v.get("name", k)) for k, v in (summary.get("scenarios") or {}).items()]
    on = f" on {' and '.join(names)}" if names else ""
    title = (
        f"Calibration{on}: {summary.get('accepted', len(accepted))} of {summary.get('draws', '?')} draws accepted; "
        "posterior of each parameter"
    )
    panels = [
        (r["parameter"], float(r["prior_low"]), float(r["prior_high"]), bool(r.get("identified")), float(r["shipped"]))
        for r in rows
    ]
    labels = ("uniform prior range", "accepted draws", "shipped value", "accepted draws (count)")
    return _prior_posterior_panels(accepted, panels, title, labels)


def identification_figure(draws: pd.DataFrame, table: pd.DataFrame) -> Figure:
    """What the UN fit identified: per parameter its prior's range (band), the posterior draws (histogram, coloured
    where identified) and the posterior mean (line).

    ``draws`` and ``table`` are ``draws.parquet`` and ``identification.csv`` of
    the shipped posterior (:mod:`casim.posterior`); a uniform prior's band is its
    range, a normal prior's its central 90%.
    """
    cols = [table[c].to_numpy() for c in ("parameter", "prior_low", "prior_high", "identified", "posterior_mean")]
    panels = [(str(p), float(lo), float(hi), bool(i), float(v)) for p, lo, hi, i, v in zip(*cols, strict=True)]
    n_id = int(table["identified"].sum())
    title = (
        f"UN fit, 2014-2021: {len(draws)} posterior draws; {n_id} of {len(table)} parameters identified "
        "(90% posterior interval under half the prior's)"
    )
    labels = ("prior range (uniform) or central 90% (normal)", "posterior draws", "posterior mean", "draws (count)")
    return _prior_posterior_panels(draws, panels, title, labels)


def _prior_posterior_panels(samples: pd.DataFrame, panels, title: str, labels: tuple[str, str, str, str]) -> Figure:
    """One panel per ``(name, prior low, prior high, identified, value)``: prior band, histogram of ``samples[name]``
    over the band, a line at ``value``; a shared legend with ``labels`` (prior, draws, value, y axis)."""
    missing = [p[0] for p in panels if p[0] not in samples.columns]
    if missing:
        raise CasimError(f"the accepted draws have no column for {', '.join(missing)}")
    ncols = min(len(panels), 7)
    nrows = -(-len(panels) // ncols)
    fig, sub = framed_panels(2.5 * ncols, 1.9 * nrows + 1.3)
    axes = sub.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (name, lo, hi, identified, value) in zip(axes, panels, strict=False):
        ax.axvspan(lo, hi, color=POSTERIOR_COLOURS["prior"], linewidth=0, gid=f"{name}:prior")
        fill = POSTERIOR_COLOURS["identified" if identified else "not identified"]
        ax.hist(samples[name].to_numpy(float), bins=POSTERIOR_BINS, range=(lo, hi), color=fill, gid=f"{name}:posterior")
        ax.axvline(value, color="black", linewidth=1.2, gid=f"{name}:shipped")
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    sub.supxlabel("parameter value (each panel spans its prior range)", gid="xlabel")
    sub.supylabel(labels[3])
    fig.suptitle(title)
    prior, drawn, value, _ = labels
    fig.legend(
        handles=[
            Patch(facecolor=POSTERIOR_COLOURS["prior"], label=prior),
            Patch(facecolor=POSTERIOR_COLOURS["identified"], label=f"{drawn} (identified)"),
            Patch(facecolor=POSTERIOR_COLOURS["not identified"], label=f"{drawn} (not identified)"),
            Line2D([], [], color="black", label=value),
        ],
        loc="outside lower center",
        ncols=4,
        frameon=False,
    )
    return fig
