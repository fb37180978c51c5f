"""casim: agent-based scenarios of Central Asian alignment between Russia, the West and China."""

__version__ = "0.1.0"

from .api import run, simulate, summary  # noqa: E402
from .errors import CasimError  # noqa: E402
from .results import read as read_results  # noqa: E402
from .scenario import Scenario, load_scenario, scenario_from_dict  # noqa: E402
from .sweep import sweep  # noqa: E402

__all__ = ["CasimError", "Scenario", "load_scenario", "read_results", "run", "scenario_from_dict", "simulate", "summary", "sweep"]
