"""A comparison's headline effects in words: what README, docs and each scenario's description quote.

From the differences of a comparison over posterior draws
(:func:`casim.analysis.compare.differences`), one sentence per scenario: for
each state, the share that scenario moves most among those whose 90% interval
over draws excludes zero and leaves ±:data:`NEGLIGIBLE`, as "median [low,
high]"; then the states where every firm effect stays within ±NEGLIGIBLE, and
those where no share's interval excludes zero (the effects that vanish under
the posterior).
The baseline gets its levels instead: each state's largest share at the
horizon, median and 90% interval over draws of the replicate mean.
``tests/test_uncertainty.py`` regenerates these sentences from the shipped
posterior and checks that the files quoting them still say them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import columns, sources
from ..errors import CasimError
from .summary import horizon, powers_of

_NAMES = sources.load().state_names

NEGLIGIBLE = 0.005
"""Half a point of share: an effect whose whole interval lies within ±this rounds to 0.00 at the two decimals
shares are quoted to. With common parameters and random numbers such an effect can still exclude zero."""


def _number(x: float, signed: bool) -> str:
    """``x`` to three decimals, with a typographic minus (and a plus when ``signed``)."""
    return (f"{x:+.3f}" if signed else f"{x:.3f}").replace("-", "−")


def _interval(mid: float, low: float, high: float, signed: bool = True) -> str:
    return f"{_number(mid, signed)} [{_number(low, signed)}, {_number(high, signed)}]"


def _name(state: str) -> str:
    return _NAMES.get(state, state)


def _list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def setting(diff: pd.DataFrame, seed: int) -> str:
    """What the numbers are: "over N draws x M replicates, seed S; median and 90% interval over draws at DATE"."""
    if "draws" not in diff or not (diff["draws"] > 0).all():
        raise CasimError("headline effects need a comparison over posterior draws (casim compare --posterior ...)")
    d, r, date = int(diff["draws"].iloc[0]), int(diff["replicates"].iloc[0]), str(diff["date"].iloc[0])
    return f"over {d} posterior draws × {r} replicates, seed {seed}; median and 90% interval over draws at {date}"


def effects(diff: pd.DataFrame, scenario: str, powers: list[str]) -> str:
    """One scenario's headline effects on the power shares: per state the largest firm one, then the states where
    none is firm ("vanish")."""
    rows = diff[(diff["scenario"] == scenario) & diff["outcome"].isin(powers)]
    if rows.empty:
        raise CasimError(f"no differences for scenario {scenario!r}")
    firm, small, vanish = [], [], []
    for state in pd.unique(rows["state"]):
        own = rows[(rows["state"] == state) & ~rows["includes_zero"].astype(bool)]
        material = own[(own["ci_low"].abs() > NEGLIGIBLE) | (own["ci_high"].abs() > NEGLIGIBLE)]
        if own.empty:
            vanish.append(_name(state))
        elif material.empty:
            small.append(_name(state))
        else:
            top = material.loc[material["difference"].abs().idxmax()]
            firm.append(
                f"{_name(state)}'s {top['outcome'].capitalize()} share "
                f"{_interval(top['difference'], top['ci_low'], top['ci_high'])}"
            )
    parts = firm.copy()
    if small:
        parts.append(f"in {_list(small)} every effect stays within ±{NEGLIGIBLE}")
    if vanish:
        parts.append(f"in {_list(vanish)} every share's interval includes zero")
    return "; ".join(parts)


def levels(df: pd.DataFrame, scenario: str, conf: float = 0.9) -> str:
    """The baseline's levels: each state's largest share at the horizon, median and ``conf`` interval over draws of
    the replicate mean."""
    last = horizon(df)
    last = last[last["scenario"].astype(str) == scenario]
    powers = powers_of(df)
    per_draw = last.groupby(["state", columns.DRAW], observed=True, sort=False)[powers].mean()
    parts = []
    for state in pd.unique(last["state"].astype(str)):
        means = per_draw.loc[state]
        top = str(means.median().idxmax())
        low, mid, high = np.quantile(means[top].to_numpy(float), [0.5 - conf / 2, 0.5, 0.5 + conf / 2])
        parts.append(f"{_name(state)} {top.capitalize()} {_interval(mid, low, high, signed=False)}")
    return "; ".join(parts)


def sentences(df: pd.DataFrame, diff: pd.DataFrame, seed: int) -> dict[str, str]:
    """Each scenario's headline sentence (the baseline's levels, every other's effects), by scenario name."""
    baseline = str(diff["baseline"].iloc[0])
    where = setting(diff, seed)
    out = {baseline: f"Under the shipped posterior ({where}), the largest share: {levels(df, baseline)}."}
    powers = powers_of(df)
    for name in pd.unique(diff["scenario"]):
        out[str(name)] = f"Under the shipped posterior ({where}), effects: {effects(diff, str(name), powers)}."
    return out


SHIPPED = (
    "baseline",
    "afghan_spillover",
    "china_pull",
    "gulf_renewables",
    "multipolar",
    "regional_integration",
    "russian_downturn",
    "sanctions_tighten",
    "western_engagement",
)
"""The shipped forward scenarios, baseline first: what docs/effects.md compares (the hindcast starts in 2021)."""
COMMAND = "casim compare " + " ".join(f"scenarios/{name}.yaml" for name in SHIPPED)
"""The command docs/effects.md gives, run with its defaults."""


def document(df: pd.DataFrame, diff: pd.DataFrame, seed: int, command: str) -> str:
    """docs/effects.md: ``command``'s settings, each scenario's headline sentence and every effect as
    ``casim compare`` prints it."""
    from .compare import difference_summary

    summary = difference_summary(diff)
    with pd.option_context("display.width", 250, "display.max_rows", 1000, "display.max_columns", 20):
        table = summary.to_string()
    heads = "\n".join(f"- **{name}**: {text}" for name, text in sentences(df, diff, seed).items())
    return f"""# Scenario effects under the shipped posterior

Generated by `python3 scripts/posterior_effects.py` from the shipped posterior
(`src/casim/data/posterior/`, the UN fit of docs/measurement.md);
`tests/test_uncertainty.py` regenerates it and fails when a number here, in a
scenario's description or in README.md drifts. The command, with its defaults
(every draw, at most 20 replicates per draw, the baseline's seed):

```bash
{command}
```

Every scenario runs over the same posterior draws and the same per-run seeds
(common parameters and random numbers). An effect is the scenario's share (or
hedging index) at the horizon minus the baseline's, averaged over a draw's
replicates; the table gives its median over draws and the 90% interval over
draws: the parameters' uncertainty with the noise in it. `*` marks an interval
that includes zero. An effect whose whole interval lies within ±{NEGLIGIBLE}
(half a point of share) is called negligible below, even where its interval
excludes zero: with common parameters and seeds a tiny effect can be firm.

## Headlines (quoted in each scenario's description)

{heads}

## Every effect ({summary.attrs["interval"]})

```
{table}
```
"""


__all__ = ["COMMAND", "NEGLIGIBLE", "SHIPPED", "document", "effects", "levels", "sentences", "setting"]
