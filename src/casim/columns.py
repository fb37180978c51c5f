"""The names casim's tables use for their own columns, and the rules for names a user gives.

A power is a column of every results table (its share), so a power must not
take the name of a column the tables, sweep stores or analyses already use:
:data:`RESERVED` is that list, in one place. The table builders import their
column names from here, and a scenario naming a power after one of them is a
one-line error at load (:func:`casim.scenario.resolve`).

Scenario and sweep names end up in folder names, table cells and messages;
:func:`name_problem` says what is wrong with one (see :data:`NAME_RULE`).
"""

from __future__ import annotations

# the columns of a results table, in order: the run's labels ...
SCENARIO, RUN, REPLICATE, SEED, STEP, DATE, STATE = "scenario", "run", "replicate", "seed", "step", "date", "state"
CORE_COLUMNS = (SCENARIO, RUN, REPLICATE, SEED, STEP, DATE, STATE)
# ... then one column per power (its share), then the hedging index
HEDGING = "hedging"
# a sweep store adds the design point, the horizon's dominant partner (summaries) and each swept parameter's value
POINT = "point"
DOMINANT = "dominant"
SWEEP_COLUMNS = (POINT, DOMINANT)
# a one-at-a-time sensitivity table adds the parameter moved, its level (base, low, high) and its value
PARAMETER, LEVEL, VALUE = "parameter", "level", "value"
OAT_COLUMNS = (PARAMETER, LEVEL, VALUE)

# a run over posterior draws adds the draw (its row in the posterior's draws file)
DRAW = "draw"

RESERVED: frozenset[str] = frozenset((*CORE_COLUMNS, HEDGING, *SWEEP_COLUMNS, *OAT_COLUMNS, DRAW))
"""Every column name a casim table sets beside the power columns: no power may be named so."""

MAX_NAME = 100
NAME_RULE = f"1 to {MAX_NAME} printable characters, no '/' or '\\', not starting with '.'"


def name_problem(name: str) -> str | None:
    """What is wrong with a scenario or sweep name (None if nothing): see :data:`NAME_RULE`.

    Printable excludes control characters (NUL, tab, line breaks) and Unicode
    separators other than the space.
    """
    if not name.strip():
        bad = "is empty"
    elif len(name) > MAX_NAME:
        bad = f"is {len(name)} characters long"
    elif not name.isprintable():
        bad = "holds a control character"
    elif "/" in name or "\\" in name:
        bad = "holds a path separator"
    elif name.startswith("."):
        bad = "starts with '.'"
    else:
        return None
    return f"the name {bad}; a name is {NAME_RULE}"
