"""What a scenario assumes, with sources: its shocks, the parameters it sets apart from the data, the uncertain ones.

Every default of casim comes from ``data/calibration.yaml``, each figure with
a confidence tag (V, S, U) and its citation, each prior with a plausible range
and a reason (:mod:`casim.sources`). :func:`parameter_source` finds the entry a
dotted parameter path comes from, so a report can print the source beside the
value it sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from .. import sources
from ..scenario import Scenario

# the calibration.yaml figure tables behind each channel's exposure and intensity (docs/calibration.md)
EXPOSURE_TABLES = {
    "trade": "trade_share",
    "investment": "fdi_share",
    "remittances": "remittance_source_share",
    "aid": "aid_source_share",
    "energy": "energy_buyer_share",
    "security": "security_share",
}
INTENSITY_TABLES = {"remittances": "remittances_gdp", "aid": "aid_dependence", "energy": "energy_export_dependence"}
DATA_FILE = "calibration.yaml"


@dataclass(frozen=True)
class Source:
    """Where a parameter's default comes from: the confidence tag, the citation or reason, the entry of the data file.

    ``tag`` is empty when the data give the parameter no figure of its own (a lever
    multiplier of 1, a default for a power the data do not set).
    """

    tag: str
    text: str
    where: str


def _figure(table: str, *keys: str) -> Source | None:
    fig = sources.load().figure(table, *keys)
    if fig is None:
        return None
    return Source(fig.tag, fig.source, f"{DATA_FILE} figures.{table}.{'.'.join(keys)}")


def _tie(table: str, *keys: str) -> Source:
    """A figure of a tie; a tie the data do not list is none (0)."""
    return _figure(table, *keys) or _none(f"no figure in figures.{table}: no tie (0)")


def _prior(prior: sources.Prior | None, where: str) -> Source | None:
    return None if prior is None else Source(prior.tag, prior.reason, f"{DATA_FILE} {where}")


def _none(text: str) -> Source:
    return Source("", text, "")


def _state_source(state: str, parts: list[str]) -> Source | None:
    data = sources.load()
    name = parts[0]
    if name in ("stubbornness", "backlash"):
        doctrine = sources.doctrine(data, state)
        where = f"doctrine_parameters.{doctrine}.{name}"
        return _prior(data.doctrine_parameters[doctrine][name], where)
    if name == "intensity" and len(parts) == 2:
        table = INTENSITY_TABLES.get(parts[1])
        return _figure(table, state) if table else _none("1: the channel's figure sits in the exposure")
    if name == "afghan_border":
        return _figure("afghan_border_km", state)
    if name == "reputation":
        west = _figure("trade_share", state, "west")
        return (
            None if west is None else Source(west.tag, f"mean Western share of trade and FDI; {west.text}", west.where)
        )
    if name == "temperature":
        return _none("multiplier of the model's temperature, 1 unless a scenario sets it")
    return None


def _power_source(power: str, parts: list[str]) -> Source | None:
    data = sources.load()
    name = parts[0]
    if name == "exposure" and len(parts) == 3:
        state, channel = parts[1], parts[2]
        if channel == "society":
            return _tie("russian_minority", state) if power == "russia" else _tie("kin_ties", state, power)
        if channel == "institutions":
            return _none("memberships (figures.memberships) weighted by institution_powers")
        table = EXPOSURE_TABLES.get(channel)
        return _tie(table, state, power) if table else None
    if name == "transit" and len(parts) == 2:
        return _tie("transit_share", parts[1], power)
    if name in data.channels:
        return _none("lever on the channel: a multiplier, 1 = the data's exposure")
    prior = data.power_priors.get(power, {}).get(name)
    if prior is None:
        return _none("the default for a power the data do not set")
    return _prior(prior, f"powers.{power}.{name}")


def parameter_source(path: str) -> Source | None:
    """The calibration-data entry behind a dotted parameter path (a shock's key names its parameter), or None."""
    data = sources.load()
    parts = path.split(".")
    if parts[0] == "shocks" and len(parts) > 2:
        parts = parts[2:]
    head, rest = parts[0], parts[1:]
    if not rest:
        return None
    if head == "model":
        if rest[0] == "weights" and len(rest) == 2:
            return _prior(data.weight_priors.get(rest[1]), f"model.weights.{rest[1]}")
        return _prior(data.model_priors.get(rest[0]), f"model.{rest[0]}")
    if head == "region":
        if rest[0] == "ties" and len(rest) == 3:
            a, b = rest[1], rest[2]
            return _figure("regional_ties", f"{a}-{b}") or _tie("regional_ties", f"{b}-{a}")
        return _prior(data.region_priors.get(rest[0]), f"region.{rest[0]}")
    if head in data.states:
        return _state_source(head, rest)
    return _power_source(head, rest)


@dataclass(frozen=True)
class Change:
    """A parameter a scenario sets apart from the calibration data: its value there, here and in the baseline."""

    path: str
    default: object
    value: object
    baseline: object
    source: Source | None


def changed_parameters(scenario: Scenario, baseline: Scenario | None = None) -> list[Change]:
    """The parameters whose value in ``scenario`` differs from the calibration data's (shocks come separately)."""
    defaults = scenario.space.defaults
    base = baseline.values if baseline is not None else {}
    return [
        Change(path, defaults.get(path), value, base.get(path), parameter_source(path))
        for path, value in scenario.values.items()
        if path in defaults and value != defaults[path]
    ]


@dataclass(frozen=True)
class ShockRow:
    """One shock as a report shows it: when, what, from which value to which, and the parameter's source."""

    id: str
    kind: str
    path: str
    date: str
    over: int
    before: float
    after: float
    source: Source | None


def shock_rows(scenario: Scenario) -> list[ShockRow]:
    """The scenario's shocks in file order, each with the parameter's value before it and the quarter it starts."""
    dates = scenario.dates()
    return [
        ShockRow(
            s.id,
            s.kind,
            s.path,
            dates[s.step],
            s.over,
            float(cast(float, scenario.values[s.path])),  # shocks change numeric parameters only
            s.value,
            parameter_source(s.path),
        )
        for s in scenario.shocks
    ]


def uncertain_ranges(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """The parameters a sensitivity run moves, each with its (low, high).

    Every numeric parameter the data tag U (unverified) over its plausible range (the start value of a shocked
    parameter only up to, or down to, the shock's value, so the shock keeps its direction), and each shock's value (its
    magnitude is the scenario's own assumption) from no change (the value before the shock) to the far end of
    the parameter's plausible range in the shock's direction; with no plausible range in the data, to twice
    the shock's change, within the parameter's hard bounds.
    """
    space = scenario.space
    out: dict[str, tuple[float, float]] = {}
    for path, slot in space.slots.items():
        src = parameter_source(path) if slot.kind == "float" else None
        plausible = space.prior_range(path) if src is not None and "U" in src.tag else None
        if plausible is None:
            continue
        lo, hi = plausible
        for s in scenario.shocks:
            if s.path == path:  # the start value stays on the side the shock moves away from
                before = float(cast(float, scenario.values[path]))
                lo, hi = (lo, min(hi, s.value)) if s.value >= before else (max(lo, s.value), hi)
        if hi > lo:
            out[path] = (lo, hi)
    for s in scenario.shocks:
        before = float(cast(float, scenario.values[s.path]))
        plausible = space.prior_range(s.path)
        lo, hi = plausible or space.slots[s.path].bounds
        far = before + 2 * (s.value - before) if plausible is None else (hi if s.value > before else lo)
        far = min(max(far, lo), hi)
        if far != before:
            out[s.key] = (min(before, far), max(before, far))
    return out
