"""The skill table as a figure: the measurement model against the simple forecasts, target by target."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..errors import CasimError
from ..heldout import FORECASTS, LABELS, TARGETS
from .style import framed_panels

# the model filled and large; each simple forecast its own hollow marker
FORECAST_MARKERS = {"model": "o", "persistence": "s", "as_russia": "^", "all_abstain_tkm_absent": "D"}
FORECAST_COLOURS = {
    "model": "#332288",
    "persistence": "#117733",
    "as_russia": "#882255",
    "all_abstain_tkm_absent": "#999933",
}
SCORES = {
    "log_loss": "log loss (nats per vote; lower is better)",
    "accuracy": "accuracy (share of votes; higher is better)",
}


def skill_figure(table: pd.DataFrame) -> Figure:
    """Log loss and accuracy of every forecast on every vote target of the skill table (``casim validate``).

    ``table`` is :func:`casim.heldout.skill_table`'s: one row per ``(part, period, target, forecast)``.
    The ideal-point rows (RMSE, not votes) are left out. One line of the figure per target and period,
    the model's dot filled and the simple forecasts' hollow.
    """
    votes = table[table["target"] != "ideal_points"]
    if votes.empty:
        raise CasimError("the skill table has no vote targets to draw")
    groups = list(votes.groupby(["part", "period", "target"], sort=False))
    fig, sub = framed_panels(11.0, 1.0 + 0.55 * len(groups))
    axes = sub.subplots(1, len(SCORES), sharey=True, squeeze=False)[0]
    y = np.arange(len(groups))[::-1]
    names = [f"{TARGETS.get(str(t), t)}, {per} ({part})" for (part, per, t), _ in groups]
    for ax, (score, label) in zip(axes, SCORES.items(), strict=True):
        for yi, (key, g) in zip(y, groups, strict=True):
            for forecast in FORECASTS:
                row = g[g["forecast"] == forecast]
                if row.empty:
                    continue
                model = forecast == "model"
                ax.plot(
                    float(row[score].iloc[0]),
                    yi,
                    marker=FORECAST_MARKERS[forecast],
                    markersize=9 if model else 7,
                    markerfacecolor=FORECAST_COLOURS[forecast] if model else "white",
                    markeredgecolor=FORECAST_COLOURS[forecast],
                    markeredgewidth=1.5,
                    linestyle="none",
                    gid=f"{score}:{key[1]}:{key[2]}:{forecast}",
                )
        ax.set_xlabel(label)
        ax.grid(axis="x", alpha=0.3)
        ax.set_yticks(y, names, fontsize=8)
    axes[1].set_xlim(-0.02, 1.02)
    fig.suptitle("Skill of the measurement model (UN record) against simple forecasts, by target")
    fig.legend(
        handles=[
            Line2D(
                [],
                [],
                marker=FORECAST_MARKERS[f],
                linestyle="none",
                markerfacecolor=FORECAST_COLOURS[f] if f == "model" else "white",
                markeredgecolor=FORECAST_COLOURS[f],
                label=LABELS[f],
            )
            for f in FORECASTS
        ],
        loc="outside lower center",
        ncols=len(FORECASTS),
        frameon=False,
    )
    return fig


__all__ = ["skill_figure"]
