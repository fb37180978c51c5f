"""The scenario files shipped in scenarios/: each loads, validates and runs; powers are data."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from helpers import SCENARIOS, SHIPPED

import casim
from casim import sources
from casim.cli import main
from casim.quarters import parse_quarter
from casim.scenario import load_scenario
from casim.seeding import run_seeds

ALTERNATIVES = [
    "sanctions_tighten",
    "russian_downturn",
    "china_pull",
    "afghan_spillover",
    "regional_integration",
    "western_engagement",
]
EXTENSIONS = ["multipolar", "gulf_renewables"]
STATES = ("KAZ", "KGZ", "TJK", "UZB", "TKM")


def ids(paths):
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", SHIPPED, ids=ids(SHIPPED))
def test_shipped_scenario_passes_casim_check(path, capsys):
    assert main(["check", str(path)]) == 0
    assert f"{path}: ok" in capsys.readouterr().out


@pytest.mark.parametrize("path", SHIPPED, ids=ids(SHIPPED))
def test_shipped_scenario_runs_to_its_end_with_a_share_per_power(path):
    sc = load_scenario(path)
    df = casim.run(sc, replicates=3, seed=11, posterior=None)
    powers = list(sc.powers)
    assert [c for c in df.columns if c in powers] == powers
    np.testing.assert_allclose(df[powers].sum(axis=1), 1.0, atol=1e-12)
    assert ((df[powers] > 0) & (df[powers] < 1)).all().all()
    assert str(df["date"].iloc[0]) == sc.start and str(df["date"].iloc[-1]) == sc.end
    assert len(df) == 3 * (sc.steps + 1) * len(STATES)


def test_baseline_runs_from_2023q1_to_at_least_2030q4():
    sc = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.start == "2023Q1"
    assert parse_quarter(sc.end) >= parse_quarter("2030Q4")
    assert sc.powers == ("russia", "west", "china") and sc.shocks == ()


@pytest.mark.parametrize("name", ALTERNATIVES + EXTENSIONS)
def test_alternative_extends_the_baseline_keeps_its_seed_and_horizon_and_shocks_after_2023q1(name):
    raw = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text(encoding="utf-8"))
    assert raw["extends"] == "baseline.yaml"
    sc, base = load_scenario(SCENARIOS / f"{name}.yaml"), load_scenario(SCENARIOS / "baseline.yaml")
    assert (sc.start, sc.end, sc.seed) == (base.start, base.end, base.seed)
    assert sc.shocks, "an alternative future is a change over time"
    assert all(s.step >= 1 for s in sc.shocks)


@pytest.mark.parametrize("name", ["baseline", *ALTERNATIVES, *EXTENSIONS])
def test_scenario_description_quotes_the_article(name):
    """Each description carries at least one quoted passage (the article's own sentences)."""
    sc = load_scenario(SCENARIOS / f"{name}.yaml")
    quotes = re.findall(r'"([^"]{40,})"', sc.description)
    assert quotes, f"{name}: no quoted passage of 40+ characters in the description"


def test_multipolar_adds_turkey_and_iran_with_exposures_from_the_data_file():
    sc = load_scenario(SCENARIOS / "multipolar.yaml")
    assert sc.powers == ("russia", "west", "china", "turkey", "iran")
    data = sources.load()
    assert {"turkey", "iran"} <= set(data.known_powers)
    assert sc.values["turkey.exposure.TJK.trade"] == data.value("trade_share", "TJK", "turkey") > 0
    assert sc.values["iran.exposure.TJK.society"] == data.value("kin_ties", "TJK", "iran") > 0
    assert sc.values["iran.exposure.TKM.energy"] == data.value("energy_buyer_share", "TKM", "iran") > 0


def test_gulf_power_declared_only_in_yaml_runs_with_its_own_column(tmp_path, capsys):
    """A power neither the code nor the data file knows: its exposures come from the scenario file alone."""
    path = SCENARIOS / "gulf_renewables.yaml"
    sc = load_scenario(path)
    assert "gulf" not in sources.load().known_powers
    assert sc.powers == ("russia", "west", "china", "gulf")
    assert sc.values["gulf.exposure.UZB.investment"] == 0.085
    assert sc.values["gulf.exposure.KAZ.investment"] == 0.0  # not declared: no tie
    out = tmp_path / "gulf"
    assert main(["run", str(path), "--replicates", "4", "--out", str(out)]) == 0
    df = pd.read_parquet(out / "results.parquet")
    assert "gulf" in df.columns and "gulf" in capsys.readouterr().out


def test_gulf_investment_growth_raises_uzbekistan_gulf_share_without_shifting_it_drastically():
    """'...seeking partnerships with Western and Asian countries in this regard, her position ... is unlikely to
    shift drastically in favour of either side': with common seeds, UZB's Gulf share rises while no other
    share of UZB moves by more than one point."""
    sc = load_scenario(SCENARIOS / "gulf_renewables.yaml")
    grown = casim.simulate(sc, run_seeds(sc.seed, 50))[:, -1, STATES.index("UZB")]
    held = casim.simulate(sc.with_values(shocks=()), run_seeds(sc.seed, 50))[:, -1, STATES.index("UZB")]
    gulf = sc.powers.index("gulf")
    assert np.all(grown[:, gulf] > held[:, gulf])
    others = [j for j in range(len(sc.powers)) if j != gulf]
    assert np.abs(grown[:, others] - held[:, others]).max() < 0.01
