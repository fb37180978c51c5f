"""The HTML pieces of a report: escaping, numbers, tables, source cells, and figures as inline SVG.

Every piece of text placed in the page goes through :func:`e` (:func:`html.escape`, quotes included):
scenario names and descriptions come from user files. The figures are matplotlib's SVG with text drawn
as paths, so the page needs no font.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterable, Sequence

import pandas as pd

from .. import sources

STATE_NAMES = sources.load().state_names
TAGS = {"V": "primary source", "S": "secondary source", "U": "unverified or assumed", "": "no figure of its own"}


def e(value: object) -> str:
    """Text for HTML: escaped, quotes included."""
    return html.escape(str(value), quote=True)


def svg(fig) -> str:
    """A matplotlib figure as inline SVG markup: text as paths (no font needed), no XML prolog, no date."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "casim-report"}):
        # tight: a title wider than its figure (a long scenario name) is kept whole, not cut at the edge
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]


def figure(fig, caption: str, name: str) -> str:
    return (
        f'<figure class="figure" data-figure="{e(name)}" role="group" aria-label="{e(caption)}">'
        f"{svg(fig)}<figcaption>{e(caption)}</figcaption></figure>"
    )


def code(path: object) -> str:
    """A parameter path as code, breakable after each dot."""
    return "<code>" + "<wbr>.".join(e(part) for part in str(path).split(".")) + "</code>"


def state(s: str) -> str:
    return f"{STATE_NAMES[s]} ({s})" if s in STATE_NAMES else s


def num(x: float, digits: int = 3, sign: bool = False) -> str:
    """A number with ``digits`` decimals (and its sign when asked); one that rounds to zero shows no minus sign."""
    x = float(x)
    if round(x, digits) == 0:
        x = 0.0
    return f"{x:+.{digits}f}" if sign else f"{x:.{digits}f}"


def table(head: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "", caption: str = "") -> str:
    """An HTML table; header cells are escaped here, body cells are markup the caller escaped."""
    cap = f"<caption>{e(caption)}</caption>" if caption else ""
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(rows_cell(c) for c in r) + "</tr>" for r in rows)
    return f'<table class="{e(cls)}">{cap}<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def rows_cell(cell: str) -> str:
    """A body cell: ``<td>`` unless the markup is already one."""
    return cell if cell.startswith(("<td", "<th")) else f"<td>{cell}</td>"


def source_cell(src) -> str:
    """A table cell with a parameter's source: its tag (explained on hover), the citation, the data entry."""
    if src is None:
        return '<td class="src">no entry in the data</td>'
    where = f' <span class="muted">({e(src.where)})</span>' if src.where else ""
    tag = f'<span class="tag" title="{e(TAGS.get(src.tag, src.tag))}">{e(src.tag or "-")}</span>'
    return f'<td class="src">{tag} {e(src.text)}{where}</td>'


def value(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, tuple | list):
        return ", ".join(str(x) for x in v) or "(none)"
    return str(v)


def state_rows(long: pd.DataFrame, outcomes, columns: tuple[str, str, str], sign: bool = False) -> list[list[str]]:
    """One row per state of a long table (state, outcome, ...): each outcome's value and [low, high], with ``*``
    after an interval that includes zero where the table says so (``includes_zero``)."""
    value, low, high = columns
    rows = []
    for s in pd.unique(long["state"]):
        cells = [f'<th scope="row">{e(state(s))}</th>']
        for o in outcomes:
            r = long[(long["state"] == s) & (long["outcome"] == o)].iloc[0]
            cells.append(
                f'<td class="num" data-outcome="{e(o)}"><span class="mean">{num(r[value], sign=sign)}</span> '
                f'<span class="ci">[{num(r[low], sign=sign)}, {num(r[high], sign=sign)}]</span>'
                + ('<span class="zero">*</span>' if bool(r.get("includes_zero", False)) else "")
                + "</td>"
            )
        rows.append(cells)
    return rows
