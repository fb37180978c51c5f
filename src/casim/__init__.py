"""casim: agent-based scenarios of Central Asian alignment between Russia, the West and China."""

from ._version import __version__ as __version__
from .api import run, simulate, summary
from .errors import CasimError
from .outputs import read_results
from .scenario import Scenario, load_scenario, scenario_from_dict
from .sweep import run_sweep

__all__ = [
    "CasimError",
    "Scenario",
    "load_scenario",
    "read_results",
    "run",
    "run_sweep",
    "scenario_from_dict",
    "simulate",
    "summary",
]
