"""Turn the sourced figures in ``data/calibration.yaml`` into default model parameters.

The mapping from each figure to a model input is documented in
``docs/calibration.md``; this module is its implementation. It reads package
data only (through importlib.resources) and never the user's files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TypeVar, cast

import yaml

V = TypeVar("V")

TAGS = {"V", "S", "U", "V/S", "S/U"}


@dataclass(frozen=True)
class Figure:
    """One sourced figure: its value, confidence tag and citation."""

    value: object
    tag: str
    source: str


@dataclass(frozen=True)
class Prior:
    """A parameter with no direct measurement: default, plausible range, tag, reason.

    The one prior class of casim: the data files' priors, the vote model's
    coefficients and the fitted parameters of ``casim calibrate`` (which set
    ``path``, the dotted parameter path it fits) are all ``Prior``.
    """

    value: object
    low: float | None
    high: float | None
    tag: str
    reason: str
    path: str = ""


@dataclass(frozen=True)
class CalibrationData:
    states: tuple[str, ...]
    state_names: dict[str, str]
    default_powers: tuple[str, ...]
    channels: tuple[str, ...]
    economic_channels: tuple[str, ...]
    sanctioned_channels: tuple[str, ...]
    figures: dict
    institution_powers: dict[str, dict[str, float]]
    institution_scale: float
    doctrine_parameters: dict[str, dict[str, Prior]]
    power_priors: dict[str, dict[str, Prior]]
    region_priors: dict[str, Prior]
    model_priors: dict[str, Prior]
    weight_priors: dict[str, Prior]
    known_powers: tuple[str, ...] = field(default=())

    def figure(self, table: str, *keys: str) -> Figure | None:
        node = self.figures.get(table, {})
        for k in keys:
            if not isinstance(node, dict) or k not in node:
                return None
            node = node[k]
        return node if isinstance(node, Figure) else None

    def value(self, table: str, *keys: str, default: float = 0.0) -> float:
        fig = self.figure(table, *keys)
        return default if fig is None else float(cast(float, fig.value))  # a numeric table's figure


def _figure(raw, where: str) -> Figure:
    if not (isinstance(raw, list) and len(raw) == 3 and raw[1] in TAGS and isinstance(raw[2], str)):
        raise ValueError(f"calibration.yaml: {where}: a figure must be [value, tag, source] with tag in {sorted(TAGS)}")
    return Figure(raw[0], raw[1], raw[2])


def _figures(node, where: str):
    if isinstance(node, list):
        return _figure(node, where)
    return {k: _figures(v, f"{where}.{k}") for k, v in node.items()}


def _prior(raw, where: str) -> Prior:
    if isinstance(raw, list) and len(raw) == 5 and raw[3] in TAGS:
        return Prior(raw[0], raw[1], raw[2], raw[3], raw[4])
    raise ValueError(f"calibration.yaml: {where}: a prior must be [value, low, high, tag, reason]")


@lru_cache(maxsize=1)
def load() -> CalibrationData:
    """The packaged calibration data, parsed and checked (cached)."""
    text = resources.files("casim").joinpath("data/calibration.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    model = dict(raw["model"])
    weights = model.pop("weights")
    figures = _figures(raw["figures"], "figures")
    powers = {
        p: {k: _prior(v, f"powers.{p}.{k}") for k, v in (spec or {}).items()} for p, spec in raw["powers"].items()
    }
    return CalibrationData(
        states=tuple(raw["states"]),
        state_names=dict(raw["states"]),
        default_powers=tuple(raw["default_powers"]),
        channels=tuple(raw["channels"]),
        economic_channels=tuple(raw["economic_channels"]),
        sanctioned_channels=tuple(raw["sanctioned_channels"]),
        figures=figures,
        institution_powers={
            org: {p: float(cast(float, _figure(v, f"institution_powers.{org}.{p}").value)) for p, v in weights.items()}
            for org, weights in raw["institution_powers"].items()
        },
        institution_scale=float(cast(float, _figure(raw["institution_scale"], "institution_scale").value)),
        doctrine_parameters={
            d: {k: _prior(v, f"doctrine_parameters.{d}.{k}") for k, v in spec.items()}
            for d, spec in raw["doctrine_parameters"].items()
        },
        power_priors=powers,
        region_priors={k: _prior(v, f"region.{k}") for k, v in raw["region"].items()},
        model_priors={k: _prior(v, f"model.{k}") for k, v in model.items()},
        weight_priors={k: _prior(v, f"model.weights.{k}") for k, v in weights.items()},
        known_powers=tuple(powers),
    )


# ---------------------------------------------------------------------------
# figures -> model inputs (docs/calibration.md explains each line)


def exposure(data: CalibrationData, state: str, channel: str, power: str) -> float:
    """Share of the state's activity in a channel that ties it to a power, in [0, 1]."""
    if channel == "trade":
        return data.value("trade_share", state, power)
    if channel == "investment":
        return data.value("fdi_share", state, power)
    if channel == "remittances":
        return data.value("remittance_source_share", state, power)
    if channel == "aid":
        return data.value("aid_source_share", state, power)
    if channel == "energy":
        return data.value("energy_buyer_share", state, power)
    if channel == "security":
        return data.value("security_share", state, power)
    if channel == "society":
        if power == "russia":
            return data.value("russian_minority", state)
        return data.value("kin_ties", state, power)
    if channel == "institutions":
        members = data.figures["memberships"].get(state, {})
        score = sum(
            float(fig.value) * data.institution_powers.get(org, {}).get(power, 0.0) for org, fig in members.items()
        )
        return score / data.institution_scale
    raise KeyError(channel)


def intensity(data: CalibrationData, state: str, channel: str) -> float:
    """How much a channel matters to the state (multiplies the channel weight)."""
    if channel == "remittances":
        return data.value("remittances_gdp", state)
    if channel == "aid":
        return data.value("aid_dependence", state)
    if channel == "energy":
        return data.value("energy_export_dependence", state)
    return 1.0  # trade, investment, security, society, institutions: the figure sits in the exposure


def transit(data: CalibrationData, state: str, power: str) -> float:
    """Leverage a power holds over the state's exports by controlling their route."""
    return data.value("transit_share", state, power) * data.value("energy_export_dependence", state)


def afghan_border(data: CalibrationData, state: str) -> float:
    """Border length with Afghanistan relative to the longest (Tajikistan's)."""
    longest = max(data.value("afghan_border_km", s) for s in data.states)
    return data.value("afghan_border_km", state) / longest


def reputation(data: CalibrationData, state: str) -> float:
    """Exposure to the partners who condemn aggression: mean Western share of trade and FDI."""
    return 0.5 * (data.value("trade_share", state, "west") + data.value("fdi_share", state, "west"))


def ties(data: CalibrationData, state: str, other: str) -> float:
    """Directed regional tie weight; the data give symmetric pairs."""
    if state == other:
        return 0.0
    fig = data.figure("regional_ties", f"{state}-{other}") or data.figure("regional_ties", f"{other}-{state}")
    return 0.0 if fig is None else float(cast(float, fig.value))


def doctrine(data: CalibrationData, state: str) -> str:
    return str(cast(Figure, data.figure("doctrine", state)).value)  # the data give every state a doctrine


def expand_doctrines(values: Mapping[str, V], states: Sequence[str]) -> dict[str, V]:
    """Values by path, each ``doctrine.<d>.<name>`` written as ``<S>.<name>`` to every state of doctrine ``d``.

    Fits draw one stubbornness (or backlash) per doctrine; the model has one per state.
    """
    data = load()
    out: dict[str, V] = {}
    for path, v in values.items():
        if path.startswith("doctrine."):
            d, name = path.split(".")[1:]
            out.update({f"{s}.{name}": v for s in states if doctrine(data, s) == d})
        else:
            out[path] = v
    return out
