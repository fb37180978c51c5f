"""Analysis of results tables: summaries, scenario comparison, sweep response, sensitivity, discovery, projected votes.

Every function takes a tidy results table (a pandas DataFrame with casim's
columns) and, for sweeps, the SALib problem dict; none reads a store or runs the
model implicitly (:func:`compare.run_scenarios` and
:func:`sensitivity.one_at_a_time` run it, and say so in their names).
"""

from .compare import differences, run_scenarios
from .discovery import Box, discover
from .inputs import load_results
from .response import response_grid, response_line
from .sensitivity import morris, one_at_a_time, sobol, tornado
from .summary import bands, dominant_partner, horizon, mean_path, powers_of
from .votes import vote_path

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
    "run_scenarios",
    "sobol",
    "tornado",
    "vote_path",
]
