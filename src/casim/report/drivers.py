"""The report's "what drives the result" section: one-at-a-time swings per scenario, or a sweep store's indices,
and the sentence the summary quotes of them."""

from __future__ import annotations

from .assumptions import parameter_source
from .build import TOP as TOP_ROWS
from .build import Drivers, Part, Report
from .markup import code, e, num, source_cell, state, table


def drivers_sentence(d: Drivers) -> str:
    top = d.table.iloc[0]
    if d.method != "one-at-a-time":
        key = "mu_star" if d.method == "morris" else "ST"
        return (
            f"Of the swept parameters (sweep store {e(d.store)}, {e(d.method)}), {code(top['parameter'])} "
            f"matters most: {e(key)} {num(top[key])} for {e(state(top['state']))}'s {e(top['outcome'])}."
        )
    text = (
        f"The assumption that moves {e(state(d.state))}'s {e(d.outcome)} share most is "
        f"{code(top['parameter'])}: {num(top['at_low'])} at its low value {top['low']:.3g} and "
        f"{num(top['at_high'])} at its high value {top['high']:.3g}."
    )
    if "effect_low" in d.table:
        base = float(d.table["effect_base"].iloc[0])
        flips = [
            f"{r['parameter']} at {r[end]:.3g} (its {end} end)"
            for _, r in d.table.iterrows()
            for end in ("low", "high")
            if r[f"effect_{end}"] * base < 0
        ]
        text += (
            " The change from the baseline keeps its sign with every parameter at either end of its range."
            if not flips
            else f" The change from the baseline ({num(base, sign=True)} in this run) reverses sign with "
            f"{e('; '.join(flips[:3]))}{' and others' if len(flips) > 3 else ''}."
        )
    return text


def drivers(report: Report, figures: dict[str, str]) -> str:
    if report.sweep_drivers is not None:
        return sweep_drivers(report.sweep_drivers, figures)
    return "".join(one_at_a_time(p, p.drivers, figures, report.draws) for p in report.parts if p.drivers is not None)


def sweep_drivers(d: Drivers, figures: dict[str, str]) -> str:
    key, conf = ("mu_star", "mu_star_conf") if d.method == "morris" else ("ST", "ST_conf")
    rows = [
        [
            code(r["parameter"]),
            f'<td class="num">{num(r[key])} <span class="ci">&plusmn; {num(r[conf])}</span></td>',
            e(f"{state(r['state'])}, {r['outcome']}"),
            source_cell(parameter_source(str(r["parameter"]))),
        ]
        for _, r in d.table.head(TOP_ROWS).iterrows()
    ]
    return (
        f"<p>{e(d.method.capitalize())} indices from the sweep store <code>{e(d.store)}</code> "
        f"(scenario {e(d.scenario)}): each swept parameter's largest index over states and outcomes.</p>"
        + table(["parameter", key, "where largest", "source (tag)"], rows, "drivers")
        + figures.get("drivers:sweep", "")
    )


def one_at_a_time(p: Part, d: Drivers, figures: dict[str, str], draws: int = 0) -> str:
    """A scenario's one-at-a-time drivers; ``draws``: the posterior draws the rest of the report ran over (0: none),
    which these runs do not use."""
    t = d.table.head(TOP_ROWS)
    effect = "effect_low" in t
    head = ["parameter", "range", "at low", "at high", "swing"]
    if effect:
        head += ["change from the baseline: at low", "at high"]
    head += ["widest swing anywhere", "source (tag)"]
    rows = []
    for _, r in t.iterrows():
        cells = [
            code(r["parameter"]),
            f'<td class="num">[{r["low"]:.3g}, {r["high"]:.3g}]</td>',
            *(f'<td class="num">{num(r[c])}</td>' for c in ("at_low", "at_high", "swing")),
        ]
        if effect:
            cells += [f'<td class="num">{num(r[c], sign=True)}</td>' for c in ("effect_low", "effect_high")]
        cells += [
            e(f"{num(r['widest_swing'])}: {state(r['widest_state'])}, {r['widest_outcome']}"),
            source_cell(parameter_source(str(r["parameter"]))),
        ]
        rows.append(cells)
    return (
        f"<h3>{e(p.scenario.name)}</h3>"
        f"<p>Each parameter the data tag U (unverified) with a plausible range, and each shock's value, moved "
        f"alone to the low and the high end of its range, {d.replicates} replicates per level on common seeds. "
        f"Outcome: {e(state(d.state))}'s {e(d.outcome)} share at the horizon"
        + (" (the scenario's largest change from the baseline)" if effect else "")
        + f". The {len(t)} widest swings of {len(d.table)} parameters:</p>"
        + (
            f"<p>Unlike the tables above ({draws} posterior draws), these runs hold every other parameter at its "
            "point value (the calibration data's): they show how the hand calibration answers each assumption, "
            "and the ranges are the data file's, not the posterior's. What the posterior leaves uncertain is in "
            "the intervals above.</p>"
            if draws
            else ""
        )
        + table(head, rows, "drivers")
        + figures.get(f"drivers:{p.scenario.name}", "")
    )
