"""``casim report``: one self-contained HTML brief on scenarios that an analyst can send as it is.

What each scenario assumes (description, shocks, the parameters it sets, each
with its source in the calibration data), the projected shares per state with
their ranges, the comparison with the baseline on common seeds, the projected
UN votes, the assumptions that drive the result most, and the provenance.
:mod:`.assumptions` finds the sources, :mod:`.build` computes every number
with casim's workflows, :mod:`.page` writes the page (inline SVG and CSS, no
script, nothing fetched).
"""

from __future__ import annotations

from pathlib import Path

from .build import Report, Settings, build
from .page import check_out, render, write


def report(paths, out: str | Path, settings: Settings | None = None, progress=None, command=None) -> Path:
    """Build the report on the scenarios at ``paths`` and write it to ``out`` (.html, atomically); returns the path."""
    check_out(out)
    rep = build(paths, settings, progress, command)
    text = render(rep, progress)
    if progress is not None:
        progress(f"writing {out}")
    return write(text, out)


__all__ = ["Report", "Settings", "build", "check_out", "render", "report", "write"]
