"""Batch parameter sweeps: sweep files, designs (grid, LHS, Sobol, Morris, CSV), executors and the chunked store.

``casim.sweep(path_or_object, out=...)`` runs one; ``casim.read_results(out)``
reads its store back as one table.
"""

from .design import Design
from .design import make as make_design
from .runner import Outcome, SweepInterrupted, plan_info, sweep
from .spec import Param, Sweep, load_sweep, sweep_from_dict
from .store import read as read_store
from .store import summarise

__all__ = [
    "Design",
    "Outcome",
    "Param",
    "Sweep",
    "SweepInterrupted",
    "load_sweep",
    "make_design",
    "plan_info",
    "read_store",
    "summarise",
    "sweep",
    "sweep_from_dict",
]
