"""``casim explore``: the Mesa SolaraViz page of the model (Mesa's ``app.py`` beside ``model.py``).

Run it with ``casim explore [SCENARIO]`` or ``solara run casim.app``. The page
opens on the baseline (or ``CASIM_EXPLORE_SCENARIO``); a user picks a shipped
scenario or a file, moves the levers and the chosen scenario's shock
magnitudes, steps, plays and resets the Mesa model with SolaraViz's own
controls, runs an ensemble behind the same sliders and saves the settings as
a scenario YAML (``extends:`` the chosen file) that ``casim run`` reproduces:
the live model uses the scenario's first replicate seed, so
``casim run SAVED.yaml --replicates 1`` gives its trajectory.

The pure helpers (slider specs, the YAML export, the figures) come first and
need no browser; the Solara components follow.

Longer than 400 lines: the helpers and the components share the slider specs,
the settings and the figure builders that the page, the tests and the benchmark
all use; split, the page would re-derive them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import mpltern  # noqa: F401  # registers the "ternary" projection
import numpy as np
import solara
import yaml
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from . import api, shipped
from .figures import style
from .measures import hedging
from .model import CentralAsia
from .params import INF
from .quarters import parse_quarter, quarter_label
from .scenario import Scenario, load_scenario, nested_key
from .seeding import run_seeds
from .votes import OUTCOMES, TEXT_KINDS, doctrines, vote_probabilities

# Each power's main levers, as the README names them; a scenario's added powers get their trade and investment levers.
LEVERS = (
    "west.sanctions",
    "west.engage",
    "russia.coercion",
    "russia.economy",
    "russia.retain",
    "china.trade",
    "china.engage",
    "region.integration",
    "region.afghan_threat",
)
ADDED_POWER_LEVERS = ("trade", "investment")
ENSEMBLE_RUNS = (200, 1000)  # the ensemble slider's range
REFERENCE = "baseline"
STEP = 0.01


@dataclass(frozen=True)
class SliderSpec:
    """One slider: the parameter (dotted path, or ``shocks.<id>.<path>``), its label, range and start value."""

    key: str
    label: str
    min: float
    max: float
    value: float
    step: float = STEP


def _range(scenario: Scenario, path: str, value: float) -> tuple[float, float]:
    """The prior range of ``path`` (or 0..2x its value where the data give none), widened to hold ``value`` and
    clipped to the hard bounds of the parameter space."""
    lo, hi = scenario.space.slots[path].bounds
    prior = scenario.space.prior_range(path)
    a, b = prior if prior is not None else (0.0, max(2.0 * value, 1.0))
    a, b = min(a, value), max(b, value)
    return max(a, lo), min(b, hi if hi != INF else b)


def slider_specs(scenario: Scenario) -> list[SliderSpec]:
    """The levers (main levers of every power, region) and the magnitude of each of the scenario's shocks."""
    paths = [p for p in LEVERS if p in scenario.space.slots]
    paths += [f"{p}.{c}" for p in scenario.powers if p not in ("russia", "west", "china") for c in ADDED_POWER_LEVERS]
    specs = []
    for path in paths:
        v = float(scenario.values[path])  # type: ignore[arg-type]  # the levers are numbers
        specs.append(SliderSpec(path, path, *_range(scenario, path, v), v))
    start = parse_quarter(scenario.start)
    for sh in scenario.shocks:
        lo, hi = _range(scenario, sh.path, sh.value)
        label = f"shock {sh.id}: {sh.path} ({sh.kind} {quarter_label(start + sh.step)})"
        specs.append(SliderSpec(sh.key, label, lo, hi, sh.value))
    return specs


def overrides(scenario: Scenario, values: Mapping[str, float]) -> dict[str, float]:
    """The settings that differ from the scenario's own (levers by path, shocks by ``shocks.<id>.<path>``)."""
    own = {sh.key: sh.value for sh in scenario.shocks}
    out = {}
    for key, v in values.items():
        base = own[key] if key in own else scenario.values[key]
        if float(v) != float(base):  # type: ignore[arg-type]
            out[key] = float(v)
    return out


def live_seed(scenario: Scenario) -> int:
    """The live model's seed: the scenario's first replicate seed, so ``casim run --replicates 1`` reproduces it."""
    return int(run_seeds(scenario.seed, 1)[0])


def scenario_yaml(scenario: Scenario, values: Mapping[str, float], out: str | Path, source: str | Path) -> str:
    """The settings as a scenario file at ``out`` that ``extends`` the scenario file ``source``.

    Levers are written as nested keys. A shock's new magnitude is a shock of the
    same kind, date and length appended after the scenario's own: shocks of one
    parameter apply in date order, file order within a date, so it replaces the
    old magnitude exactly.
    """
    changed = overrides(scenario, values)
    rel = os.path.relpath(Path(source).resolve(), Path(out).resolve().parent)
    doc: dict[str, Any] = {
        "schema": 1,
        "name": f"{scenario.name}-explore",
        "description": f"Saved by casim explore from {scenario.name}.",
        "extends": rel,
    }
    start = parse_quarter(scenario.start)
    shocks: dict[str, dict[str, Any]] = {}
    for key, v in changed.items():
        if key.startswith("shocks."):
            sh = next(s for s in scenario.shocks if s.key == key)
            entry = shocks.setdefault(
                sh.id,
                {"at": quarter_label(start + sh.step), sh.kind: {}, "over": sh.over, "id": f"{sh.id}-explore"},
            )
            entry[sh.kind][sh.path] = v
            continue
        node = doc
        parts = nested_key(key, scenario.powers)
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    if shocks:
        doc["shocks"] = list(shocks.values())
    return yaml.safe_dump(doc, sort_keys=False)


class Explored(CentralAsia):
    """The Mesa model as the page drives it: ``running`` turns False at the scenario's horizon itself, so
    SolaraViz's play stops there (the model turns it False one step later, for ``batch_run`` on Mesa 3.3)."""

    def __init__(self, scenario: Scenario | str | Path = "baseline", *, values=None, rng=None, **kwargs):
        super().__init__(scenario, values=values, rng=rng, **kwargs)
        self.running = self.quarter < self.spec.steps

    def step(self) -> None:
        if self.quarter < self.spec.steps:
            super().step()
        self.running = self.quarter < self.spec.steps


def build_model(scenario: Scenario, values: Mapping[str, float], quarter: int = 0) -> Explored:
    """The Mesa model with these settings, advanced to ``quarter`` (the live view's model after a slider moves)."""
    model = Explored(spec=scenario, values=dict(values), rng=live_seed(scenario))
    for _ in range(min(quarter, scenario.steps)):
        model.step()
    return model


def history(model: CentralAsia) -> np.ndarray:
    """The model's alignments so far, ``(quarter + 1, states, powers)``."""
    traj = api.mesa_trajectory(model, model.spec)
    return traj[: model.quarter + 1]


def readout(scenario: Scenario, shares: np.ndarray, quarter: int) -> dict[str, Any]:
    """What the page shows as numbers: the quarter, and each state's shares and hedging then."""
    h = [float(x) for x in hedging(shares)]
    return {
        "quarter": int(quarter),
        "date": scenario.dates()[quarter],
        "shares": {
            s: {**{p: round(float(shares[i, j]), 4) for j, p in enumerate(scenario.powers)}, "hedging": round(h[i], 4)}
            for i, s in enumerate(scenario.states)
        },
    }


def run_ensemble(scenario: Scenario, values: Mapping[str, float], runs: int) -> np.ndarray:
    """Trajectories ``(runs, steps + 1, states, powers)`` of the ensemble engine on the scenario's replicate seeds."""
    return api.simulate(scenario, run_seeds(scenario.seed, runs), dict(values))


def reference(scenario: Scenario) -> Scenario:
    """What the ensemble is compared with: the shipped baseline if it has the same horizon and powers, else the
    chosen scenario as loaded."""
    base = load_scenario(REFERENCE)
    if (base.start, base.end, base.powers) == (scenario.start, scenario.end, scenario.powers):
        return base
    return scenario


# -- figures ------------------------------------------------------------------


def _quarter_axis(ax, scenario: Scenario) -> None:
    dates = scenario.dates()
    ticks = [t for t, d in enumerate(dates) if d.endswith("Q1")]
    ax.set_xticks(ticks, [dates[t][:4] for t in ticks], fontsize=7)
    ax.set_xlim(0, scenario.steps)


def shares_figure(scenario: Scenario, traj: np.ndarray, band: np.ndarray | None = None) -> Figure:
    """Each state's shares over time (a panel each, a line per power; ``band`` a 5-95% band ``(2, T+1, S, P)``) and
    the hedging index of all five."""
    # no layout engine: constrained layout takes most of a redraw's time; the margins are set by hand
    fig, axes = style.panel_grid(len(scenario.states) + 1, 3, size=(3.0, 2.0), layout=None)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.93, bottom=0.16, hspace=0.45, wspace=0.25)
    fig.set_dpi(80)
    pal = style.palette(scenario.powers)
    t = np.arange(len(traj))
    for i, (ax, s) in enumerate(zip(axes, scenario.states, strict=False)):
        for j, p in enumerate(scenario.powers):
            if band is not None:
                ax.fill_between(np.arange(band.shape[1]), band[0, :, i, j], band[1, :, i, j], color=pal[p], alpha=0.25)
            ax.plot(t, traj[:, i, j], color=pal[p], lw=1.6, label=p)
        ax.set_ylim(0, 1)
        ax.set_title(style.state_title(s), fontsize=8)
        _quarter_axis(ax, scenario)
    ax = axes[-1]
    for i, s in enumerate(scenario.states):
        ax.plot(t, hedging(traj[:, i]), lw=1.2, label=s)
    ax.set_ylim(0, 1)
    ax.set_title("hedging index", fontsize=8)
    ax.legend(fontsize=6, ncols=2, frameon=False)
    _quarter_axis(ax, scenario)
    fig.supylabel(style.SHARE_UNIT, fontsize=8)
    fig.legend(
        handles=[Patch(facecolor=pal[p], label=p) for p in scenario.powers],
        loc="lower center",
        ncols=len(scenario.powers),
        frameon=False,
    )
    return fig


def triangle_figure(scenario: Scenario, traj: np.ndarray) -> Figure:
    """The five on the Russia-West-China triangle (trails to the current quarter); stacked shares with more powers."""
    pal = style.palette(scenario.powers)
    if tuple(scenario.powers) == ("russia", "west", "china"):
        fig = Figure(figsize=(4.2, 4.0), dpi=80)  # mpltern is slow under a layout engine
        ax: Any = fig.add_subplot(
            projection="ternary"
        )  # mpltern's TernaryAxes: plot, text and labels take 3 coordinates
        fig.subplots_adjust(left=0.12, right=0.88, top=0.88, bottom=0.12)
        for i, s in enumerate(scenario.states):
            r, w, c = traj[:, i, 0], traj[:, i, 1], traj[:, i, 2]
            (line,) = ax.plot(r, w, c, lw=1, alpha=0.6)
            ax.scatter(r[-1:], w[-1:], c[-1:], color=line.get_color(), s=25, zorder=3)
            ax.text(r[-1], w[-1], c[-1], f" {s}", fontsize=8)
        ax.set_tlabel("russia", color=pal["russia"])
        ax.set_llabel("west", color=pal["west"])
        ax.set_rlabel("china", color=pal["china"])
        ax.tick_params(labelsize=6)
        return fig
    fig = Figure(figsize=(4.2, 3.0), layout="constrained")
    ax = fig.add_subplot()
    left = np.zeros(len(scenario.states))
    for j, p in enumerate(scenario.powers):
        ax.barh(scenario.states, traj[-1, :, j], left=left, color=pal[p], label=p)
        left += traj[-1, :, j]
    ax.set_xlabel(style.SHARE_UNIT, fontsize=8)
    ax.legend(fontsize=7, ncols=3, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig


def vote_figure(scenario: Scenario, shares: np.ndarray, kind: str) -> tuple[Figure, np.ndarray]:
    """The projected vote of each state on a text of ``kind`` (stacked probabilities of each outcome)."""
    probs = vote_probabilities(shares, scenario.powers, doctrines(scenario.states), kind)
    fig = Figure(figsize=(4.2, 2.6), layout="constrained")
    ax = fig.add_subplot()
    left = np.zeros(len(scenario.states))
    for k, o in enumerate(OUTCOMES):
        ax.barh(scenario.states, probs[:, k], left=left, color=style.OUTCOME_COLOURS[o], label=o)
        left += probs[:, k]
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("probability of each vote", fontsize=8)
    ax.legend(fontsize=7, ncols=4, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    return fig, probs


def horizon_difference(scenario: Scenario, traj: np.ndarray, ref: np.ndarray) -> dict[str, dict[str, float]]:
    """Mean shares at the horizon minus the reference's, per state and power (percentage points)."""
    d = 100 * (traj[:, -1].mean(0) - ref[:, -1].mean(0))
    return {
        s: {p: round(float(d[i, j]), 2) for j, p in enumerate(scenario.powers)} for i, s in enumerate(scenario.states)
    }


def markdown_table(rows: Mapping[str, Mapping[str, float]], fmt: str = "{:.3f}") -> str:
    cols = list(next(iter(rows.values())))
    lines = ["| state | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    lines += [f"| {s} | " + " | ".join(fmt.format(v[c]) for c in cols) + " |" for s, v in rows.items()]
    return "\n".join(lines)


# -- the page -------------------------------------------------------------------


def initial_source() -> str:
    return os.environ.get("CASIM_EXPLORE_SCENARIO", REFERENCE)


def source_file(source: str) -> Path:
    """The file of a scenario argument (a shipped name or a path)."""
    return shipped.scenario_file(source) if shipped.is_name(source) else Path(source).resolve()


@solara.component
def LiveView(model: CentralAsia, scenario: Scenario):
    """The live Mesa model: shares, hedging, the triangle, the readout (numbers for people and tests) and votes."""
    update_counter.get()  # redrawn after every step SolaraViz takes
    traj = history(model)
    kind, set_kind = solara.use_state(TEXT_KINDS[0])
    data = readout(scenario, traj[-1], model.quarter)
    with solara.Column():
        solara.Markdown(f"**Mesa model** `{scenario.name}`, {data['date']} (quarter {model.quarter}/{scenario.steps})")
        solara.FigureMatplotlib(shares_figure(scenario, traj), format="png")
        with solara.Row():
            solara.FigureMatplotlib(triangle_figure(scenario, traj), format="png")
            solara.Markdown(markdown_table(data["shares"]))
        solara.Select("vote on a text of kind", values=list(TEXT_KINDS), value=kind, on_value=set_kind)
        fig, _ = vote_figure(scenario, traj[-1], kind)
        solara.FigureMatplotlib(fig, format="png")
        solara.Text(json.dumps(data), classes=["casim-readout"], style={"display": "none"})


@solara.component
def EnsembleView(scenario: Scenario, values: Mapping[str, float], runs: int):
    """The ensemble behind the same sliders: the fan band and the difference from the reference at the horizon."""
    key = (scenario.name, tuple(sorted(values.items())), runs)

    def compute():
        traj = run_ensemble(scenario, values, runs)
        ref_sc = reference(scenario)
        ref = run_ensemble(ref_sc, {}, runs)
        band = np.quantile(traj, [0.05, 0.95], axis=0)
        return shares_figure(scenario, traj.mean(0), band), ref_sc.name, horizon_difference(scenario, traj, ref)

    fig, ref_name, diff = solara.use_memo(compute, [key])
    with solara.Column():
        solara.Markdown(
            f"**Ensemble**: {runs} runs at the parameters' point values, mean and 5-95% band (the noise only; "
            "`casim run` goes over the posterior's draws)"
        )
        solara.FigureMatplotlib(fig, format="png", dependencies=[key])
        solara.Markdown(f"Difference from `{ref_name}` at {scenario.end} (mean, percentage points):")
        solara.Markdown(markdown_table(diff, "{:+.2f}"))
        solara.Text(
            json.dumps({"runs": runs, "reference": ref_name, "difference": diff}),
            classes=["casim-ensemble"],
            style={"display": "none"},
        )


@solara.component
def Explorer(source: str):
    """One scenario's page: its levers in the sidebar, SolaraViz with the live and ensemble views."""
    scenario = solara.use_memo(lambda: load_scenario(source), [source])
    specs = solara.use_memo(lambda: slider_specs(scenario), [source])
    values = solara.use_reactive({s.key: s.value for s in specs})
    live = solara.use_memo(lambda: dict(values.value), [source])  # Reset rebuilds from this same dict
    first: Explored = solara.use_memo(lambda: build_model(scenario, values.value), [source])
    model: solara.Reactive[Explored] = solara.use_reactive(first)
    runs = solara.use_reactive(500)
    saved = solara.use_reactive("")
    out = solara.use_reactive(f"{scenario.name}-explore.yaml")

    def set_value(key: str, v: float) -> None:
        values.set({**values.value, key: float(v)})
        live.clear()
        live.update(values.value)
        model.set(build_model(scenario, values.value, model.value.quarter))

    def save() -> None:
        path = Path(out.value).resolve()
        text = scenario_yaml(scenario, values.value, path, source_file(source))
        path.write_text(text, encoding="utf-8")
        saved.set(f"saved {path}")

    with solara.Sidebar():
        with solara.Card("Levers"):
            for s in specs:
                solara.SliderFloat(
                    f"{s.label} = {values.value[s.key]:.2f}",
                    value=values.value[s.key],
                    min=s.min,
                    max=s.max,
                    step=s.step,
                    on_value=partial(set_value, s.key),
                )
        with solara.Card("Ensemble"):
            solara.SliderInt("ensemble runs", value=runs, min=ENSEMBLE_RUNS[0], max=ENSEMBLE_RUNS[1], step=100)
        with solara.Card("Save as scenario"):
            solara.InputText("file", value=out)
            solara.Button("Save scenario YAML", on_click=save, color="primary")
            if saved.value:
                solara.Text(saved.value, classes=["casim-saved"])
            text = scenario_yaml(scenario, values.value, Path(out.value).resolve(), source_file(source))
            solara.FileDownload(text, filename=Path(out.value).name, label="Download YAML")

    params = {"spec": scenario, "values": live, "rng": live_seed(scenario)}  # spec: Mesa 3.5 reserves `scenario`

    def live_view(m: Explored):
        return LiveView(m, scenario)

    def ensemble_view(m: Explored):
        return EnsembleView(scenario, dict(values.value), runs.value)

    components = [
        (live_view, 0),
        (ensemble_view, 0),
    ]
    SolaraViz(model, components=components, model_params=params, name=f"casim explorer: {scenario.name}")


@solara.component
def Page():
    """The app: pick a scenario (shipped or a file), then explore it."""
    source = solara.use_reactive(initial_source())
    names = list(shipped.scenario_names())
    path = solara.use_reactive("")
    error = solara.use_reactive("")

    def open_file() -> None:
        try:
            load_scenario(path.value)
        except Exception as e:  # a bad file stays on the page as a message, the page keeps running
            error.set(str(e))
            return
        error.set("")
        source.set(path.value)

    with solara.Sidebar(), solara.Card("Scenario"):
        shown: Any = source.value if source.value in names else None  # a file is not among the names
        solara.Select("shipped scenario", values=names, value=shown, on_value=source.set)
        solara.InputText("or a scenario file", value=path)
        solara.Button("Open file", on_click=open_file)
        if error.value:
            solara.Error(error.value)
    Explorer(source.value).key(source.value)


def figures_for(scenario: Scenario, values: Mapping[str, float], runs: int) -> Sequence[Figure]:
    """Every figure a slider change redraws (for the benchmark): the live model's and the ensemble's."""
    model = build_model(scenario, values, scenario.steps)
    traj = history(model)
    ens = run_ensemble(scenario, values, runs)
    band = np.quantile(ens, [0.05, 0.95], axis=0)
    return [
        shares_figure(scenario, traj),
        triangle_figure(scenario, traj),
        vote_figure(scenario, traj[-1], TEXT_KINDS[0])[0],
        shares_figure(scenario, ens.mean(0), band),
    ]
