"""Quarter dates ("2024Q1") and their conversion to model steps."""

from __future__ import annotations

import re

from .errors import CasimError

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
