"""Quarter arithmetic: quarter labels ("2024Q1"), calendar dates, and a scenario's model steps."""

from __future__ import annotations

import datetime as _dt
import re
from typing import TYPE_CHECKING

from .errors import CasimError

if TYPE_CHECKING:  # a scenario only supplies start, steps and name here; scenario.py imports this module
    from .scenario import Scenario

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def parse_quarter(text: object, *, where: str | None = None) -> int:
    """The quarter index (year * 4 + quarter - 1) of a label such as ``2024Q1``."""
    m = _QUARTER.match(str(text).strip())
    if not m:
        raise CasimError(f"{text!r} is not a quarter date; write it like 2024Q1", where=where)
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def quarter_label(index: int) -> str:
    """The label of a quarter index: the inverse of :func:`parse_quarter`."""
    return f"{index // 4}Q{index % 4 + 1}"


def labels(start: str, steps: int) -> list[str]:
    """Labels of steps 0..steps from a start quarter."""
    q0 = parse_quarter(start)
    return [quarter_label(q0 + t) for t in range(steps + 1)]


def quarter_of(date: _dt.date) -> str:
    """The label of the quarter holding a calendar date (2022-03-31 -> "2022Q1", 2022-04-01 -> "2022Q2")."""
    return quarter_label(date.year * 4 + (date.month - 1) // 3)


def in_horizon(scenario: Scenario, quarter: str) -> bool:
    """Whether a quarter label falls within a scenario's horizon (start..end)."""
    return 0 <= parse_quarter(quarter) - parse_quarter(scenario.start) <= scenario.steps


def step_at(scenario: Scenario, quarter: str, what: str, where: str | None = None) -> int:
    """The model step of a quarter label in a scenario; a one-line error naming ``what`` if outside its horizon.

    Step 0 is the scenario's start quarter, step ``scenario.steps`` its end.
    """
    if not in_horizon(scenario, quarter):
        raise CasimError(
            f"{what} is outside the horizon of scenario {scenario.name!r}, {scenario.start}..{scenario.end}",
            where=where,
        )
    return parse_quarter(quarter) - parse_quarter(scenario.start)
