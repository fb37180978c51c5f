"""The sections of a report, each a function from the :class:`~casim.report.build.Report` to HTML.

Every body cell is built from :mod:`.markup`'s escaping helpers; figures arrive as inline SVG drawn by
:func:`casim.report.page.draw`.
"""

from __future__ import annotations

import json

import pandas as pd

from ..votes import OUTCOMES
from .build import Part, Report
from .drivers import drivers_sentence
from .markup import code, e, num, source_cell, state, state_rows, table, value

SECTIONS = {
    "summary": "Summary",
    "assumptions": "What the scenario assumes",
    "shares": "Projected shares",
    "comparison": "Comparison with the baseline",
    "votes": "Projected UN votes",
    "drivers": "What drives the result",
    "provenance": "Provenance",
}


def summary(report: Report) -> str:
    items = []
    for p in report.parts:
        sc = p.scenario
        h = p.headline
        if h is None:
            items.append(
                f"<li><strong>{e(sc.name)}</strong> is the baseline the other scenarios are compared with; "
                f"{len(p.shocks)} shock(s) and {len(p.changes)} parameter(s) set apart from the calibration data.</li>"
            )
        else:
            span = f"{num(h['ci_low'], sign=True)} to {num(h['ci_high'], sign=True)}"
            if report.draws:
                what = (
                    f"median over {int(h['draws'])} posterior draws; 90% interval over draws {span}, parameters and "
                    f"noise{', which includes zero' if h['includes_zero'] else ''}; paired over {int(h['draws'])} "
                    f"draws x {int(h['replicates'])} replicates"
                )
            else:
                what = f"noise-only 95% interval {span}; {int(h['replicates'])} paired replicates"
            items.append(
                f"<li><strong>{e(sc.name)}</strong>: by {e(h['date'])} the largest change from "
                f"{e(report.baseline.name)} is "
                f"{e(state(h['state']))}'s {e(h['outcome'])} share, {num(h['difference'], sign=True)} "
                f"({what}; mean from {num(h['baseline_mean'])} to {num(h['scenario_mean'])})."
                "</li>"
            )
        if p.votes is not None and p.baseline_votes is not None:
            v = vote_changes(p)
            assert v is not None
            both = v[v["baseline_vote"].notna()]
            moved = int((both["vote"] != both["baseline_vote"]).sum())
            items.append(
                f"<li>Projected UN votes ({e(sc.name)}): {moved} of {len(both)} state votes on "
                f"{both['resolution'].nunique()} text(s) differ from the baseline's most likely vote.</li>"
            )
        if p.drivers is not None and len(p.drivers.table):
            items.append(f"<li>{drivers_sentence(p.drivers)}</li>")
    if report.sweep_drivers is not None and len(report.sweep_drivers.table):
        items.append(f"<li>{drivers_sentence(report.sweep_drivers)}</li>")
    lede = (
        f"{len(report.parts)} scenario(s) run with {runs(report)} each on common seeds "
        f"(base seed {report.seed}), compared with {e(report.baseline.name)}."
    )
    return f'<p>{lede}</p><ul class="findings">{"".join(items)}</ul>'


def runs(report: Report) -> str:
    """What every scenario ran: "N posterior draws x M replicates" (parameters and noise) or "M replicates"."""
    if report.draws:
        return f"{report.draws} posterior draws x {report.replicates} replicates"
    return f"{report.replicates} replicates (the parameters at their point values)"


def assumptions(report: Report) -> str:
    out = []
    for p in report.parts:
        sc = p.scenario
        paras = "".join(f"<p>{e(t.strip())}</p>" for t in sc.description.split("\n\n") if t.strip())
        desc = f'<blockquote class="description">{paras}</blockquote>' if paras else "<p>(no description)</p>"
        out.append(
            f"<h3>{e(sc.name)}</h3>"
            f'<p class="muted">From {e(sc.source)}; {e(sc.start)} to {e(sc.end)}, quarterly; powers '
            f"{e(', '.join(sc.powers))}.</p>{desc}"
        )
        if p.shocks:
            rows = [
                [
                    e(s.id),
                    e(s.date),
                    e(s.kind) + (f" over {s.over} quarter(s)" if s.kind != "set" else ""),
                    code(s.path),
                    f'<td class="num">{value(s.before)} &rarr; {value(s.after)}</td>',
                    source_cell(s.source),
                ]
                for s in p.shocks
            ]
            out.append(
                table(
                    ["shock", "from", "kind", "parameter", "value", "source of the parameter (tag)"],
                    rows,
                    "shocks",
                    "Shocks: scheduled changes of one parameter each",
                )
            )
        else:
            out.append("<p>No shocks: the levers stay at their start values.</p>")
        if p.changes:
            rows = [
                [
                    code(c.path),
                    f'<td class="num">{e(value(c.default))}</td>',
                    f'<td class="num">{e(value(c.value))}</td>',
                    f'<td class="num">{e(value(c.baseline))}</td>',
                    source_cell(c.source),
                ]
                for c in p.changes
            ]
            out.append(
                table(
                    ["parameter", "calibration data", "this scenario", "baseline", "source of the data value (tag)"],
                    rows,
                    "changes",
                    "Parameters set apart from the calibration data (src/casim/data/calibration.yaml)",
                )
            )
        else:
            out.append("<p>Every parameter keeps its value from the calibration data.</p>")
    if report.drawn:
        out.append(
            f"<p>Over the posterior, every run takes {len(report.drawn)} parameters from its draw instead of the "
            f"values above (the fit to the UN record, docs/measurement.md): "
            f"{', '.join(code(p) for p in report.drawn)}.</p>"
        )
    out.append(
        '<p class="muted">Tags: V primary source, S secondary source, U unverified or assumed '
        "(src/casim/data/calibration.yaml). The defaults are checked against the documented stylized facts "
        "(src/casim/data/facts.yaml) by <code>casim validate</code>.</p>"
    )
    return "".join(out)


def shares(report: Report, figures: dict[str, str]) -> str:
    out = []
    for p in report.parts:
        b = p.shares
        date = str(b["date"].iloc[0])
        cols = [*p.scenario.powers, "hedging"]
        rows = state_rows(b, cols, ("mean", "low", "high"))
        out.append(f"<h3>{e(p.scenario.name)}</h3>")
        out.append(
            table(
                ["state", *cols],
                rows,
                "shares",
                f"Share of each state's alignment toward each power at {date}: mean over the {runs(report)}, "
                "in brackets the 5-95% range across the runs. A state's shares sum to 1; hedging is an "
                "index (normalised entropy, 0-1), not a share.",
            )
        )
        out.append(figures.get(f"trajectories:{p.scenario.name}", ""))
    return "".join(out)


def comparison(report: Report, figures: dict[str, str]) -> str:
    diff = report.differences
    if diff is None:
        return (
            f"<p>The report covers {e(report.baseline.name)} alone, the baseline itself: there is nothing to compare "
            "it with. Name another scenario beside it to see its differences.</p>"
        )
    if report.draws:
        lede = (
            f"<p>Every scenario runs over the same {report.draws} draws of the shipped posterior (the fit to the UN "
            f"record, docs/measurement.md) and the same {report.replicates} per-run seeds as "
            f"{e(report.baseline.name)} (common parameters and random numbers, as <code>casim compare</code> does). "
            "Under each draw the effect is the mean of the paired replicate differences; each difference below is "
            "the median over draws with its 90% interval over draws: the parameters' uncertainty with the noise in "
            "it. <code>*</code> marks an interval that includes zero.</p>"
        )
    else:
        lede = (
            f"<p>Every scenario runs on the same {report.replicates} per-run seeds as {e(report.baseline.name)} "
            "(common random numbers, as <code>casim compare</code> does), so each difference is the mean of paired "
            "differences and its 95% interval comes from their spread. That interval is the simulation's noise only: "
            "every parameter is at its point value, so it is <strong>not the uncertainty of the effect</strong>, "
            "which the parameters' uncertainty would widen (run the report without <code>--posterior none</code>)."
            "</p>"
        )
    out = [lede]
    outcomes = list(pd.unique(diff["outcome"]))
    for name in pd.unique(diff["scenario"]):
        d = diff[diff["scenario"] == name]
        rows = state_rows(d, outcomes, ("difference", "ci_low", "ci_high"), sign=True)
        out.append(f"<h3>{e(name)} minus {e(report.baseline.name)}</h3>")
        out.append(
            table(
                ["state", *outcomes],
                rows,
                "differences",
                f"Difference of each state's mean at {d['date'].iloc[0]} from the baseline's: median and 90% interval "
                f"over draws, paired over {int(d['draws'].iloc[0])} draws x {int(d['replicates'].iloc[0])} replicates."
                if report.draws
                else f"Difference of each state's mean at {d['date'].iloc[0]} from the baseline's, with its noise-only "
                f"95% interval ({int(d['replicates'].iloc[0])} paired replicates, parameters at their point values).",
            )
        )
    out.append(figures.get("compare", ""))
    out.append(figures.get("differences", ""))
    return "".join(out)


def votes(report: Report, figures: dict[str, str]) -> str:
    out = [
        f"<p>Texts from <code>{e(report.resolutions_file)}</code>. Each state's vote is projected at the text's "
        "date with the measurement model fitted to the 1992-2021 UN record (docs/measurement.md), over "
        f"{report.provenance.get('posterior', {}).get('draws', report.settings.draws)} draws of its posterior x "
        f"{report.replicates} replicates. The recorded vote, where the source names it, is what the state did; "
        "the projection is what the model gives under the scenario.</p>"
    ]
    if report.outside:
        listed = ", ".join(f"{r.id} ({r.date.isoformat()})" for r in report.outside)
        out.append(f'<p class="muted">Not projected, outside the scenarios\' horizon: {e(listed)}.</p>')
    if not report.resolutions:
        out.append("<p>No text of the file falls inside the horizon, so there are no votes to project.</p>")
        return "".join(out)
    for p in report.parts:
        v = vote_changes(p)
        if v is None:
            continue
        head = ["text", "state", "projected vote", *(f"P({o})" for o in OUTCOMES)]
        if "baseline_vote" in v:
            head += ["baseline's vote", "P(yes) change"]
        head.append("recorded vote")
        recorded = {(r.id, s): vt for r in report.resolutions for s, vt in r.observed.items()}
        texts = {r.id: r for r in report.resolutions}
        rows = []
        for _, r in v.iterrows():
            t = texts[r["resolution"]]
            cells = [
                f'<td title="{e(t.title)}">{e(t.id)} '
                f'<span class="muted">{e(t.date.isoformat())}, {e(t.kind)}</span></td>',
                e(state(r["state"])),
                f"<strong>{e(r['vote'])}</strong>",
                *(f'<td class="num">{num(r[f"p_{o}"], 2)}</td>' for o in OUTCOMES),
            ]
            if "baseline_vote" in v:
                if pd.isna(r["baseline_vote"]):
                    cells += ["- (outside its horizon)", "-"]
                else:
                    change = num(r["p_yes"] - r["baseline_p_yes"], 2, True)
                    cells += [e(r["baseline_vote"]), f'<td class="num">{change}</td>']
            cells.append(e(recorded.get((r["resolution"], r["state"]), "-")))
            rows.append(cells)
        out.append(f"<h3>{e(p.scenario.name)}</h3>")
        out.append(
            table(head, rows, "votes", "Projected vote of each state on each text (most likely vote, probabilities)")
        )
        out.append(figures.get(f"votes:{p.scenario.name}", ""))
    out.append(
        '<p class="muted">Sources of the texts: '
        + "; ".join(f"{e(r.id)}: {e(r.source)}" for r in report.resolutions if r.source)
        + "</p>"
    )
    return "".join(out)


def provenance(report: Report) -> str:
    pv = report.provenance
    rows = [
        ["casim version", e(pv["casim_version"])],
        ["created", e(pv["created"])],
        ["command", f"<code>{e(pv['command'])}</code>"],
        ["seed", f'<span class="seed">{e(pv["seed"])}</span>'],
        ["replicates", e(pv["replicates"])],
        ["seeds", e(pv["seeds"])],
        ["engine", e(pv["engine"])],
    ]
    for name, about in pv["scenarios"].items():
        files = "<br>".join(f"{e(f)}: <code>{e(h)}</code>" for f, h in about["files_sha256"].items())
        rows.append(
            [f"scenario {e(name)}", f"{files}<br>resolved parameters: <code>{e(about['parameters_sha256'])}</code>"]
        )
    for f, h in pv["resolutions"].items():
        rows.append(["resolutions", f"{e(f)}: <code>{e(h)}</code>"])
    body = "".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
    return (
        f'<table class="provenance"><tbody>{body}</tbody></table>'
        "<p>Every field, as JSON (the runs' own manifests are what <code>casim compare</code> writes):</p>"
        f'<pre class="manifest">{e(json.dumps(pv, indent=2, default=str))}</pre>'
    )


def vote_changes(part: Part) -> pd.DataFrame | None:
    """The scenario's projected votes beside the baseline's where it has one: most likely vote and P(yes)."""
    if part.votes is None:
        return None
    if part.baseline_votes is None:
        return part.votes.copy()
    b = part.baseline_votes[["resolution", "state", "vote", "p_yes"]]
    return part.votes.merge(
        b.rename(columns={"vote": "baseline_vote", "p_yes": "baseline_p_yes"}), on=["resolution", "state"], how="left"
    )
