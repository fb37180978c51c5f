"""The content of a report: every number it shows, computed with casim's own workflows and common seeds.

One function per stage, each calling the workflow that owns the job:
:func:`casim.analysis.compare.run_scenarios` and
:func:`~casim.analysis.compare.differences` for the runs and the comparison
with the baseline (the same per-run seeds in every scenario),
:func:`casim.projection.run_votes` for the UN votes,
:func:`casim.analysis.sensitivity.one_at_a_time` (or a sweep store's Morris or
Sobol indices) for the assumptions that drive the result. :func:`build` runs
them in order and reports each stage to ``progress``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from .. import posterior as posterior_
from .. import projection, shipped, uncertainty, votes
from ..analysis import compare, inputs, sensitivity
from ..analysis.summary import bands, horizon, powers_of, scenarios_of
from ..errors import CasimError
from ..quarters import in_horizon
from ..scenario import Scenario, load_scenario
from ..votes.resolutions import Resolution
from .assumptions import (
    Change,
    ShockRow,
    changed_parameters,
    shock_rows,
    uncertain_ranges,
)
from .provenance import parameters_hash, record

DRAWS = 20  # posterior draws behind the projected votes (chosen reproducibly from the seed)
SENSITIVITY_REPLICATES = 20  # replicates per level of the one-at-a-time runs
TOP = 12  # drivers shown


@dataclass(frozen=True)
class Settings:
    """How a report is made: replicates, base seed, posterior draws, and the sensitivity run's replicates."""

    replicates: int | None = None  # None: the first scenario's
    seed: int | None = None  # None: the first scenario's
    draws: int = DRAWS
    posterior: str | None = "shipped"  # 'shipped', 'none' (the point values) or a posterior folder or draws file
    sensitivity_replicates: int = SENSITIVITY_REPLICATES
    resolutions: str | Path | None = None  # None: the shipped held-out texts
    sweep: str | Path | None = None
    baseline: str | Path | None = None  # None: the shipped baseline
    engine: str = "ensemble"

    def check(self) -> None:
        """A one-line error naming the option if a count or the seed is out of range."""
        least = {"replicates": 1, "seed": 0, "draws": 1, "sensitivity_replicates": 1}
        for name, low in least.items():
            v = getattr(self, name)
            if v is not None and v < low:
                raise CasimError(f"--{name.replace('_', '-')} must be at least {low} (got {v})")


@dataclass
class Drivers:
    """The assumptions that drive a scenario's result most, ranked.

    ``method`` is ``one-at-a-time`` (``table``: each parameter's outcome at its low and high
    value, from :func:`casim.analysis.sensitivity.tornado`, with the scenario's effect against
    the baseline at each) or ``morris``/``sobol`` (``table``: a sweep store's largest index per
    parameter, ``indices`` all of them).
    """

    method: str
    state: str
    outcome: str
    table: pd.DataFrame
    indices: pd.DataFrame | None = None
    replicates: int = 0
    store: str = ""
    scenario: str = ""


@dataclass
class Part:
    """What the report says about one scenario."""

    scenario: Scenario
    changes: list[Change]
    shocks: list[ShockRow]
    shares: pd.DataFrame  # one row per state and outcome at the horizon: mean, low, median, high
    headline: pd.Series | None  # the differences row with the largest change of a share; None for the baseline
    votes: pd.DataFrame | None = None
    baseline_votes: pd.DataFrame | None = None
    drivers: Drivers | None = None


@dataclass
class Report:
    """Everything a report shows; :func:`casim.report.page.render` turns it into HTML."""

    parts: list[Part]
    baseline: Scenario
    table: pd.DataFrame  # the combined results, baseline first
    differences: pd.DataFrame | None
    resolutions: tuple[Resolution, ...]  # the texts inside the horizon
    outside: tuple[Resolution, ...]  # texts before the start or after the end: not projected
    resolutions_file: str
    settings: Settings
    replicates: int  # per scenario, or per posterior draw when ``draws``
    seed: int
    provenance: dict = field(default_factory=dict)
    draws: int = 0  # posterior draws every scenario ran over (0: the parameters' point values)
    drawn: tuple[str, ...] = ()  # the parameters those draws set, in place of the scenarios' values
    sweep_drivers: Drivers | None = None


def _progress(progress: Callable[[str], None] | None, text: str) -> None:
    if progress is not None:
        progress(text)


def load_inputs(
    paths: Sequence[str | Path], settings: Settings
) -> tuple[list[Scenario], Scenario, tuple[Resolution, ...], str]:
    """The scenarios, the baseline and the resolution texts, each checked (a one-line error on a bad one)."""
    if not paths:
        raise CasimError("name at least one scenario to report on")
    settings.check()
    scenarios = [load_scenario(p) for p in paths]
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise CasimError(f"scenario names must differ to be reported together; got {', '.join(names)}")
    baseline = load_scenario(settings.baseline or shipped.default_file("baseline"))
    for s in scenarios:
        if s.name == baseline.name and parameters_hash(s) != parameters_hash(baseline):
            raise CasimError(
                f"scenario {s.name!r} ({s.source}) has the baseline's name but other parameters; "
                "rename it or pass it as --baseline"
            )
    res_file = str(settings.resolutions or shipped.default_file("held_out"))
    return scenarios, baseline, votes.read_resolutions(res_file), res_file


def shares(df: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Each state's shares and hedging at the horizon: mean and 5-95% range across replicates."""
    last = horizon(df[df["scenario"].astype(str) == scenario])
    return bands(last)


def headline(diff: pd.DataFrame | None, scenario: str, powers: Sequence[str]) -> pd.Series | None:
    """The largest change of a share from the baseline at the horizon (the scenario's main result)."""
    if diff is None:
        return None
    d = diff[(diff["scenario"] == scenario) & diff["outcome"].isin(powers)]
    if d.empty:
        return None
    return d.iloc[int(np.argmax(d["difference"].abs().to_numpy()))]


def project_votes(
    scenario: Scenario, texts: Sequence[Resolution], replicates: int, seed: int, draws: int
) -> pd.DataFrame | None:
    """Projected votes on the texts (the measurement model over ``draws`` draws of the shipped posterior)."""
    if not texts:
        return None
    post = posterior_.load()
    return projection.run_votes(scenario, texts, replicates, seed, posterior=post, draws=draws)


def one_at_a_time_drivers(
    scenario: Scenario,
    baseline: Scenario | None,
    head: pd.Series | None,
    replicates: int,
    seed: int,
    engine: str,
) -> Drivers:
    """Each uncertain parameter (tag U) and each shock's value moved alone to its low and high value (common seeds).

    The outcome is the scenario's headline (its largest change from the baseline), or, for the baseline itself,
    the state and share that swing most; with a baseline, the same moves are run on it, so the table also gives
    the scenario's effect at each level.
    """
    ranges = uncertain_ranges(scenario)
    oat = sensitivity.one_at_a_time(scenario, ranges, replicates=replicates, seed=seed, engine=engine)
    powers = powers_of(oat)
    widest = _widest_swings(oat, powers)
    if head is not None:
        state, outcome = str(head["state"]), str(head["outcome"])
    else:
        top = widest.iloc[0]
        state, outcome = str(top["state"]), str(top["outcome"])
    table = sensitivity.tornado(oat, state, outcome)
    if baseline is not None and head is not None:
        shared = {p: r for p, r in ranges.items() if p in baseline.space.slots}
        if outcome in baseline.powers:
            base_oat = sensitivity.one_at_a_time(baseline, shared, replicates=replicates, seed=seed, engine=engine)
            bt = sensitivity.tornado(base_oat, state, outcome).set_index("parameter")
            b0 = float(bt["base"].iloc[0])
            b_low = table["parameter"].map(bt["at_low"]).fillna(b0)
            b_high = table["parameter"].map(bt["at_high"]).fillna(b0)
        else:  # a power the baseline does not model: its share there is 0 whatever the parameters
            b0 = 0.0
            b_low = b_high = pd.Series(0.0, index=table.index)
        table["effect_base"] = table["base"] - b0
        table["effect_low"] = table["at_low"] - b_low
        table["effect_high"] = table["at_high"] - b_high
    widest = widest.rename(columns={"state": "widest_state", "outcome": "widest_outcome", "swing": "widest_swing"})
    attrs = dict(table.attrs)  # the tornado figure titles and colours by them; a merge drops them
    table = table.merge(widest, on="parameter", how="left")
    table.attrs.update(attrs)
    return Drivers("one-at-a-time", state, outcome, table, replicates=replicates, scenario=scenario.name)


def _widest_swings(oat: pd.DataFrame, powers: Sequence[str]) -> pd.DataFrame:
    """Per parameter, the state and share whose mean at the horizon moves most between its low and high value."""
    last = horizon(oat)
    last = last[last["level"] != "base"]
    m = last.groupby(["parameter", "level", last["state"].astype(str)], sort=False)[list(powers)].mean()
    change = cast(pd.DataFrame, m.xs("high", level="level") - m.xs("low", level="level"))
    swing = change.abs().stack().reset_index()
    swing.columns = pd.Index(["parameter", "state", "outcome", "swing"])
    swing = swing.sort_values("swing", ascending=False, kind="stable")
    return swing.drop_duplicates("parameter", ignore_index=True)


def sweep_drivers(store: str | Path) -> Drivers:
    """The Morris or Sobol indices of a sweep store (as its manifest's design says), largest first per parameter."""
    df, manifest = inputs.load_results(store)
    idx = sensitivity.from_manifest(df, manifest)
    method = sensitivity.method_of(manifest.get("design"))
    key = "mu_star" if method == "morris" else "ST"
    best = idx.loc[idx.groupby("parameter", sort=False)[key].idxmax()]
    table = best.sort_values(key, ascending=False, ignore_index=True)
    top = table.iloc[0]
    return Drivers(
        method,
        str(top["state"]),
        str(top["outcome"]),
        table,
        indices=idx,
        store=str(store),
        scenario=scenarios_of(df)[0],
    )


def build(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    progress: Callable[[str], None] | None = None,
    command: Sequence[str] | None = None,
) -> Report:
    """Run everything a report on ``paths`` shows; ``progress(text)`` hears of each stage before it starts."""
    settings = settings or Settings()
    # every input is read and checked before the first progress line, so bad input is one line on stderr
    scenarios, baseline, texts, res_file = load_inputs(paths, settings)
    sweep = None if settings.sweep is None else sweep_drivers(settings.sweep)
    _progress(
        progress,
        f"read {len(scenarios)} scenario(s), the baseline ({baseline.name}) and {len(texts)} UN text(s)"
        + ("" if sweep is None else f"; the {sweep.method} indices of sweep store {settings.sweep}"),
    )
    post = posterior_.resolve(settings.posterior)
    if post is None:
        replicates = scenarios[0].replicates if settings.replicates is None else settings.replicates
        draws, each = 0, f"{replicates} replicates each"
    else:  # every scenario over the same posterior draws x replicates per draw (as casim compare)
        replicates = uncertainty.per_draw(scenarios[0], settings.replicates)
        draws = post.count(settings.draws)
        each = f"{draws} posterior draws x {replicates} replicates each"
    seed = scenarios[0].seed if settings.seed is None else settings.seed
    others = [s for s in scenarios if s.name != baseline.name]
    _progress(progress, f"running {', '.join(s.name for s in [baseline, *others])}: {each}, seed {seed}")
    table = compare.run_scenarios(
        [baseline, *others],
        replicates=replicates,
        seed=seed,
        engine=settings.engine,
        posterior=post,
        draws=draws if post is not None else None,
    )
    diff = compare.differences(table) if others else None
    powers = powers_of(table)
    inside = tuple(r for r in texts if any(in_horizon(s, r.quarter) for s in scenarios))
    outside = tuple(r for r in texts if r not in inside)
    parts = [
        Part(
            s,
            changed_parameters(s, baseline),
            shock_rows(s),
            shares(table, s.name),
            headline(diff, s.name, powers),
        )
        for s in scenarios
    ]
    if (
        sweep is not None
        and parts[0].headline is not None
        and sweep.indices is not None
        and parts[0].headline["outcome"] in set(sweep.indices["outcome"])
    ):
        sweep = replace(sweep, outcome=str(parts[0].headline["outcome"]))  # its figure shows the headline's outcome
    if inside:
        _progress(
            progress,
            f"projecting the votes on {len(inside)} UN text(s): {settings.draws} posterior draws x {replicates} "
            "replicates",
        )
        for p in parts:
            own = [r for r in inside if in_horizon(p.scenario, r.quarter)]
            p.votes = project_votes(p.scenario, own, replicates, seed, settings.draws)
            if p.scenario.name != baseline.name:
                both = [r for r in own if in_horizon(baseline, r.quarter)]
                p.baseline_votes = project_votes(baseline, both, replicates, seed, settings.draws)
    else:
        _progress(progress, "no UN text falls inside the horizon: no votes to project")
    if sweep is None:
        n = settings.sensitivity_replicates
        _progress(progress, f"sensitivity: uncertain parameters one at a time, {n} replicates per level")
        for p in parts:
            same = p.scenario.name == baseline.name
            p.drivers = one_at_a_time_drivers(
                p.scenario, None if same else baseline, p.headline, n, seed, settings.engine
            )
    report = Report(
        parts,
        baseline,
        table,
        diff,
        inside,
        outside,
        res_file,
        settings,
        replicates,
        seed,
        sweep_drivers=sweep,
        draws=draws,
        drawn=() if post is None else tuple(sorted(post.model_values(baseline.states))),
    )
    report.provenance = record(report, command)
    return report
