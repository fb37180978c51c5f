"""The report as one self-contained HTML page: inline CSS, figures as inline SVG, no script, nothing fetched.

:func:`draw` makes every figure with casim's public ``*_figure`` functions,
:func:`render` assembles the sections (:mod:`.sections`) into one document, and
:func:`write` puts it in place atomically. A Content-Security-Policy forbids
the page any request at all, so even a figure that named an outside resource
could not fetch it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from .. import results
from ..errors import CasimError
from .build import TOP as TOP_ROWS
from .build import Report
from .drivers import drivers
from .markup import e, figure
from .sections import SECTIONS, assumptions, comparison, provenance, shares, summary, votes

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1b1b1b;
       max-width: 72rem; margin: 0 auto; padding: 1.5rem; line-height: 1.45; }
h1 { font-size: 1.7rem; margin-bottom: 0.2rem; } h2 { border-bottom: 2px solid #332288; padding-bottom: 0.2rem;
     margin-top: 2.2rem; } h3 { margin-top: 1.6rem; }
.lede { color: #555; margin-top: 0; } nav ol { columns: 2; } .muted { color: #666; font-size: 0.9rem; }
table { border-collapse: collapse; margin: 0.6rem 0 1rem; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f1f0f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { color: #666; font-size: 0.85em; } .tag { font-weight: 600; }
table { max-width: 100%; } td { overflow-wrap: break-word; } td.src { font-size: 0.85em; min-width: 14rem; }
figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 0.9rem; } blockquote { border-left: 4px solid #ddd; margin: 0.5rem 0;
             padding: 0.2rem 1rem; color: #333; } pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto;
             font-size: 0.8rem; } .findings li { margin-bottom: 0.4rem; }
"""
# ---------------------------------------------------------------------------
# figures and the page


def draw(report: Report) -> dict[str, str]:
    """Every figure of the report as inline SVG, keyed by where it goes."""
    from matplotlib.figure import Figure

    from .. import figures as f

    out: dict[str, str] = {}

    def put(key: str, fig: Figure, caption: str) -> None:
        out[key] = figure(fig, caption, key)

    for p in report.parts:
        name = p.scenario.name
        put(
            f"trajectories:{name}",
            f.trajectories_figure(report.table, scenario=name),
            f"{name}: each state's share toward each power over time (median; 50% and 90% bands across the runs"
            + (": parameters and noise)." if report.draws else ", the noise only: parameters at their point values)."),
        )
        if p.votes is not None:
            put(
                f"votes:{name}",
                f.votes_figure(p.votes, observed=report.resolutions, scenario=name),
                f"{name}: probability of each vote per text and state; a diamond marks the recorded vote.",
            )
        if p.drivers is not None:
            put(
                f"drivers:{name}",
                f.tornado_figure(p.drivers.table.head(TOP_ROWS)),
                f"{name}: {p.drivers.state} {p.drivers.outcome} share at the horizon with each parameter at its low "
                "and high value (line: the scenario as given).",
            )
    if report.differences is not None:
        put("compare", f.compare_figure(report.table), "Each scenario beside the baseline (median; 50% and 90% bands).")
        put(
            "differences",
            f.differences_figure(report.differences),
            "Difference from the baseline at the horizon: median and 90% interval over posterior draws of the paired "
            "differences (parameters and noise)."
            if report.draws
            else "Difference from the baseline at the horizon: mean and 95% interval of the paired differences "
            "(the noise only; parameters at their point values).",
        )
    if report.sweep_drivers is not None:
        d = report.sweep_drivers
        assert d.indices is not None
        idx = d.indices[d.indices["outcome"] == d.outcome]
        put(
            "drivers:sweep",
            f.sensitivity_figure(idx, scenario=d.scenario),
            f"{d.method.capitalize()} indices of each state's {d.outcome} from {d.store}.",
        )
    return out


def render(report: Report, progress: Callable[[str], None] | None = None) -> str:
    """The report as one HTML document (a string)."""
    if progress is not None:
        progress("drawing the figures")
    figs = draw(report)
    names = ", ".join(p.scenario.name for p in report.parts)
    bodies = {
        "summary": summary(report),
        "assumptions": assumptions(report),
        "shares": shares(report, figs),
        "comparison": comparison(report, figs),
        "votes": votes(report, figs),
        "drivers": drivers(report, figs),
        "provenance": provenance(report),
    }
    nav = "".join(f'<li><a href="#{k}">{e(v)}</a></li>' for k, v in SECTIONS.items())
    sections = "".join(f'<section id="{k}"><h2>{e(SECTIONS[k])}</h2>{body}</section>' for k, body in bodies.items())
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>casim report: {e(names)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>casim report: {e(names)}</h1>"
        f'<p class="lede">Projected alignment of the five Central Asian states, {e(report.parts[0].scenario.start)} '
        f"to {e(report.parts[0].scenario.end)}; casim {e(report.provenance['casim_version'])}, "
        f"{e(report.provenance['created'])}.</p></header>"
        f"<nav><ol>{nav}</ol></nav>{sections}</body></html>\n"
    )


def check_out(out: str | Path) -> Path:
    """``--out``: a path ending .html whose folder exists, or can be made, and can be written; else a one-line error.

    Checked before anything runs, and nothing is created here: :func:`write` makes the folder.
    """
    path = Path(out)
    if path.suffix.lower() != ".html":
        raise CasimError(f"the report is an HTML file: give --out a name ending .html (got {str(out)!r})")
    if path.is_dir():
        raise CasimError("is a folder; give --out a file name ending .html", where=str(path))
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise CasimError(f"cannot write the report: {folder} is not a folder", where=str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CasimError(f"cannot write the report: the folder {folder} is not writable", where=str(path))
    return path


def write(text: str, out: str | Path) -> Path:
    """Write the page atomically (a temporary file beside it, then a rename): never a half-written report."""
    path = check_out(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        results.atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    except OSError as err:
        raise CasimError(f"cannot write the report: {err.strerror or err}", where=str(path)) from None
    return path
