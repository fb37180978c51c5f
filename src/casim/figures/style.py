"""What every figure shares: the colours, the axis labels and titles, saving as PNG and SVG, and the panel layouts.

Each power casim knows has one fixed colour (Okabe-Ito, safe for colour-blind
readers) in every figure, and other powers distinct ones within a table
(:func:`palette`); vote outcomes have colours of their own.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, cast

from matplotlib import dates as mdates
from matplotlib import rcParams
from matplotlib.figure import Figure, SubFigure
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from .. import sources
from ..errors import CasimError

# Okabe & Ito (2008), "Color Universal Design": distinguishable under the common colour-vision deficiencies.
POWER_COLOURS: dict[str, str] = {
    "russia": "#D55E00",  # vermillion
    "west": "#0072B2",  # blue
    "china": "#009E73",  # bluish green
    "turkey": "#CC79A7",  # reddish purple
    "iran": "#E69F00",  # orange
}
# Powers casim does not know take these in order of first appearance among a table's powers: Okabe-Ito's
# sky blue and black, then Tol's "muted" olive, rose and teal (Tol 2021, SRON/EPS/TN/09-002), all colour-blind
# safe; Okabe-Ito's yellow is left out (too faint as a line on white). A sixth new power reuses the first.
FALLBACK_COLOURS = ("#56B4E9", "#000000", "#999933", "#CC6677", "#44AA99")
HEDGING_COLOUR = "#7F7F7F"
# Vote outcomes, from Tol's "muted" palette (indigo, wine, sand, pale grey): hues no power uses, so a vote
# is not read as a power.
OUTCOME_COLOURS: dict[str, str] = {"yes": "#332288", "no": "#882255", "abstain": "#DDCC77", "absent": "#DDDDDD"}
POSTERIOR_COLOURS: dict[str, str] = {"identified": "#332288", "not identified": "#999999", "prior": "#E8E8E8"}
# how figures name casim's powers (others: power_name)
POWER_NAMES: dict[str, str] = {"russia": "Russia", "west": "West", "china": "China", "turkey": "Turkey", "iran": "Iran"}
SHARE_UNIT = "share of alignment (fraction, 0-1)"
HEDGING_UNIT = "hedging index (normalised entropy, 0-1)"
BAND = 0.25  # opacity of a single 5-95% band (sweep lines)
FAN = (0.18, 0.3)  # opacities of a fan chart's 90% band and of its 50% band drawn over it
FAN_SWATCH = (0.45, 0.9)  # the legend's grey swatches of the two bands (grey looks fainter than a colour)
SHARE_TICKS = (0.0, 0.5, 1.0)  # the share axis's ticks in small multiples
_STATE_NAMES = sources.load().state_names


def palette(powers: Iterable[str]) -> dict[str, str]:
    """The colour of each power in one figure, and of hedging.

    The five powers casim knows keep their fixed colours; any other power takes
    the next fallback colour in order of first appearance in ``powers`` (pass
    the table's powers), so new powers in one table never share a colour.
    """
    out = {"hedging": HEDGING_COLOUR}
    k = 0
    for p in dict.fromkeys(powers):
        if p in out:
            continue
        if p in POWER_COLOURS:
            out[p] = POWER_COLOURS[p]
        else:
            out[p] = FALLBACK_COLOURS[k % len(FALLBACK_COLOURS)]
            k += 1
    return out


def colour(power: str, powers: Iterable[str] = ()) -> str:
    """The colour of ``power`` in a figure of a table with ``powers`` (see :func:`palette`)."""
    return palette([*powers, power])[power]


def power_name(power: str) -> str:
    """A power's name as figures show it: "Russia", "West", "China" for casim's powers; a power a scenario adds by its
    name with a capital and spaces for underscores ("gulf_states" -> "Gulf states")."""
    if power == "hedging":
        return "hedging"
    return POWER_NAMES.get(power) or power.replace("_", " ").capitalize()


def outcome_label(outcome: str) -> str:
    """Axis label of an outcome, with its unit."""
    if outcome == "hedging":
        return HEDGING_UNIT
    if outcome == "dominant":
        return "dominant partner"
    return f"{power_name(outcome)} {SHARE_UNIT}"


def outcome_name(outcome: str) -> str:
    """A short row or legend label of an outcome: "Russia share", "hedging index"."""
    return "hedging index" if outcome == "hedging" else f"{power_name(outcome)} share"


def parameter_label(path: str) -> str:
    """Axis label of a parameter: its path (casim's levers, exposures and weights have no unit to name)."""
    return path


def date_axis(ax, dates) -> None:
    """A date x axis that spans ``dates`` (datetimes, sorted) exactly, with at most five year ticks."""
    ax.set_xlim(dates[0], dates[-1])
    locator = mdates.AutoDateLocator(minticks=2, maxticks=5)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def state_title(state: str) -> str:
    """A state's panel title: its name and ISO code ("Kazakhstan (KAZ)"), or the code alone if casim has no name for
    it."""
    name = _STATE_NAMES.get(state)
    return f"{name} ({state})" if name else state


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (a context, or a decorator): building or drawing a figure of many
    panels allocates hundreds of thousands of small objects, and each burst starts a collection that walks every
    object the process holds (pandas, matplotlib, scipy: seconds in all). Collection resumes after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@gc_paused()
def save(fig: Figure, path: str | Path, dpi: int = 150) -> list[Path]:
    """Write ``fig`` as PNG and SVG (``path`` with either suffix, or none); returns the files written."""
    path = Path(path)
    if path.suffix.lower() in (".png", ".svg"):
        path = path.with_suffix("")
    elif path.suffix:
        raise CasimError(f"figures are saved as .png and .svg, not {path.suffix}", where=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        written = []
        with _laid_out(fig) as bbox:  # a figure laid out by hand (fixed_layout) is saved whole, as it is
            for ext in (".png", ".svg"):
                target = path.with_name(path.name + ext)
                fig.savefig(target, dpi=dpi, bbox_inches=bbox)
                written.append(target)
    except OSError as e:
        raise CasimError(f"cannot write figure: {e.strerror or e}", where=str(path)) from None
    return written


FIXED_LAYOUT = "_casim_fixed_layout"  # the attribute fixed_layout sets on a figure


def fixed_layout(fig: Figure) -> None:
    """Mark ``fig`` as laid out by hand to fit its size (margins in inches hold its titles, labels and legend):
    :func:`save` writes it whole, without measuring every artist for a tight box (which, with dozens of panels,
    costs as much as drawing it)."""
    setattr(fig, FIXED_LAYOUT, True)


@contextmanager
def _laid_out(fig: Figure) -> Iterator[Bbox | None]:
    """Lay ``fig`` out once and give the box (inches) around what it draws plus ``savefig.pad_inches``, the box
    ``bbox_inches="tight"`` would crop to (None for a :func:`fixed_layout` figure: all of it); inside, the layout
    engine is off, so saving it as PNG and as SVG does not lay it out (and measure it) again for each."""
    if getattr(fig, FIXED_LAYOUT, False) and fig.get_layout_engine() is None:
        yield None
        return
    fig.draw_without_rendering()
    renderer = fig._get_renderer()  # type: ignore[attr-defined]  # the renderer draw_without_rendering used
    bbox = fig.get_tightbbox(renderer).padded(rcParams["savefig.pad_inches"])
    engine = fig.get_layout_engine()
    if engine is not None:
        fig.set_layout_engine("none")
    try:
        yield bbox
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)


def panel_grid(
    n: int,
    ncols: int,
    size: tuple[float, float] = (4.0, 3.0),
    layout: Literal["constrained", "compressed", "tight"] | None = "constrained",
    **kw,
) -> tuple[Figure, list]:
    """A figure with ``n`` panels of ``size`` inches in rows of ``ncols`` (``kw`` go to every ``add_subplot``)."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows + 0.6), layout=layout)
    axes = [fig.add_subplot(nrows, ncols, i + 1, **kw) for i in range(n)]
    return fig, axes


def framed_panels(width: float, height: float) -> tuple[Figure, SubFigure]:
    """A figure whose panels go in one subfigure, so the panels' common axis label (the subfigure's) and the legend
    below (the figure's) each get their own room.

    Constrained layout puts a figure's own ``supxlabel`` and an "outside lower"
    legend in the same bottom margin, on top of each other.
    """
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, cast(SubFigure, fig.subfigures(1, 1))  # one row and column: one subfigure, not an array


def power_legend(
    fig: Figure, powers: Sequence[str], pal: Mapping[str, str], extra: Sequence = (), ncols: int | None = None
) -> None:
    """One legend below the panels: a swatch per power in its colour, then ``extra`` handles (in ``ncols``
    columns, by default as many as there are handles, at most 6)."""
    handles = [Patch(facecolor=pal[p], label=power_name(p)) for p in powers] + list(extra)
    ncols = min(len(handles), 6) if ncols is None else ncols
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols, frameon=False)
