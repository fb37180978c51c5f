"""casim: agent-based scenarios of Central Asian alignment between Russia, the West and China.

The public names below load their modules on first use (PEP 562), so
``import casim`` (and the ``casim`` command's argument parsing) imports
neither pandas nor the model until something is run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _lazy
from ._version import __version__ as __version__

if TYPE_CHECKING:
    from .api import simulate, summary
    from .errors import CasimError
    from .outputs import read_results
    from .scenario import Scenario, load_scenario, scenario_from_dict
    from .sweep import run_sweep
    from .uncertainty import run_scenario as run

# each public name and the module that defines it
_EXPORTS = {
    "run": "uncertainty:run_scenario",  # over the shipped posterior's draws unless posterior=None
    "simulate": "api",
    "summary": "api",
    "CasimError": "errors",
    "read_results": "outputs",
    "Scenario": "scenario",
    "load_scenario": "scenario",
    "scenario_from_dict": "scenario",
    "run_sweep": "sweep",
}

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


__getattr__, __dir__ = _lazy.exports(__name__, _EXPORTS, globals())
