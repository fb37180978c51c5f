"""Analysis of results tables: summaries, scenario comparison, sweep response, sensitivity, discovery, robustness,
projected votes.

Every function takes a tidy results table (a pandas DataFrame with casim's
columns) and, for sweeps, the SALib problem dict; none reads a store or runs the
model implicitly (:func:`compare.run_scenarios` and
:func:`sensitivity.one_at_a_time` run it, and say so in their names). The
names below load their modules on first use (PEP 562): a comparison does not
import SALib and scipy, which only sensitivity and discovery need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _lazy

if TYPE_CHECKING:
    from . import robustness
    from .compare import differences, run_scenarios
    from .discovery import Box, discover
    from .inputs import load_results
    from .response import response_grid, response_line
    from .sensitivity import morris, one_at_a_time, sobol, tornado
    from .summary import bands, dominant_partner, horizon, mean_path, powers_of
    from .votes import vote_path

_EXPORTS = {
    # the submodules themselves (casim.analysis.robustness.robustness(df, ...), casim.analysis.summary, ...)
    **{m: f"{m}:" for m in ("compare", "discovery", "headlines", "inputs", "response", "robustness", "sensitivity")},
    **{m: f"{m}:" for m in ("summary", "votes")},
    **dict.fromkeys(["differences", "run_scenarios"], "compare"),
    **dict.fromkeys(["Box", "discover"], "discovery"),
    "load_results": "inputs",
    **dict.fromkeys(["response_grid", "response_line"], "response"),
    **dict.fromkeys(["morris", "one_at_a_time", "sobol", "tornado"], "sensitivity"),
    **dict.fromkeys(["bands", "dominant_partner", "horizon", "mean_path", "powers_of"], "summary"),
    "vote_path": "votes",
}

__all__ = [
    "Box",
    "bands",
    "differences",
    "discover",
    "dominant_partner",
    "horizon",
    "load_results",
    "mean_path",
    "morris",
    "one_at_a_time",
    "powers_of",
    "response_grid",
    "response_line",
    "robustness",
    "run_scenarios",
    "sobol",
    "tornado",
    "vote_path",
]

__getattr__, __dir__ = _lazy.exports(__name__, _EXPORTS, globals())
