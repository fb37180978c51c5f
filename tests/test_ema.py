"""The EMA Workbench adapter gives casim's numbers: same design and seeds as ``casim sweep`` and ``api.simulate``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

ce = pytest.importorskip(
    "casim.ema", exc_type=ImportError, reason="ema_workbench not installed (the ema extra, Python >= 3.12)"
)

from ema_workbench import Constant, perform_experiments  # noqa: E402

import casim  # noqa: E402
from casim import api, seeding  # noqa: E402
from casim.errors import CasimError  # noqa: E402
from casim.scenario import load_scenario  # noqa: E402

with warnings.catch_warnings():  # ema_workbench.analysis warns on import that altair (interactive plots) is absent
    warnings.simplefilter("ignore", ImportWarning)
    from ema_workbench.analysis import cart, dimensional_stacking, feature_scoring, prim


@pytest.fixture(scope="module")
def sc():
    return load_scenario("baseline")


@pytest.fixture(scope="module")
def results(sc):
    m = ce.model(sc, levers=["west.sanctions"])
    with ce.BatchEvaluator(m) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=40, policies=2)
    return m, experiments, outcomes


def test_model_declares_the_parameter_space_with_its_prior_ranges(sc):
    m = ce.model(sc)
    names = {p.name: p for p in [*m.uncertainties, *m.levers]}
    assert names["west_sanctions"].variable_name == ["west.sanctions"]
    assert (names["west_sanctions"].lower_bound, names["west_sanctions"].upper_bound) == sc.space.prior_range(
        "west.sanctions"
    )
    assert "model_temperature" in {p.name for p in m.uncertainties} and "west_sanctions" in {p.name for p in m.levers}
    assert not any(n.endswith("_pole") for n in names)
    assert [o.name for o in m.outcomes] == [
        f"{s}_{p}" for s in sc.states for p in ("russia", "west", "china", "hedging")
    ]


def test_explicit_parameters_ranges_and_shock_values():
    sc = load_scenario("sanctions_tighten")
    m = ce.model(sc, {"shocks.secondary_sanctions.west.sanctions": (0.5, 1.0)}, ["west.engage"])
    assert [p.variable_name[0] for p in m.uncertainties] == ["shocks.secondary_sanctions.west.sanctions"]
    with pytest.raises(CasimError, match="west.sanctions"):
        ce.model(sc, ["west.sanctionz"])
    with pytest.raises(CasimError, match="no prior range"):
        ce.model(sc, ["russia.trade"])


def test_batch_evaluator_gives_the_numbers_of_api_simulate_on_the_same_design_and_seeds(sc, results):
    m, experiments, outcomes = results
    assert len(experiments) == 80
    values = {p.variable_name[0]: experiments[p.name].to_numpy() for p in [*m.uncertainties, *m.levers]}
    traj = api.simulate(sc, seeding.run_seeds(sc.seed, 80), values)
    for i, s in enumerate(sc.states):
        for j, p in enumerate(sc.powers):
            np.testing.assert_array_equal(outcomes[f"{s}_{p}"], traj[:, -1, i, j])


def test_batch_evaluator_gives_the_numbers_of_casim_sweep_on_the_same_design(sc, results, tmp_path):
    m, experiments, outcomes = results
    params = [p for p in [*m.uncertainties, *m.levers]]
    table = experiments[[p.name for p in params]].set_axis([p.variable_name[0] for p in params], axis=1)
    table.to_csv(tmp_path / "design.csv", index=False)
    spec = {
        "schema": 1,
        "scenario": sc,
        "design": {"method": "csv", "file": str(tmp_path / "design.csv")},
        "replicates": 1,
        "keep": {"dates": [sc.dates()[-1]]},
    }
    casim.run_sweep(spec, out=tmp_path / "store")
    swept = casim.read_results(tmp_path / "store").sort_values(["run", "state"])
    for s in sc.states:
        rows = swept[swept["state"] == s]
        for p in (*sc.powers, "hedging"):
            np.testing.assert_allclose(rows[p].to_numpy(), outcomes[f"{s}_{p}"], rtol=0, atol=1e-15)


def test_replicates_average_runs_numbered_as_a_sweeps(sc):
    m = ce.model(sc, ["west.sanctions"], [], replicates=3, seed=9)
    with ce.BatchEvaluator(m) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=4)
    values = {"west.sanctions": np.repeat(experiments["west_sanctions"].to_numpy(), 3)}
    traj = api.simulate(sc, seeding.run_seeds(9, 12), values)
    np.testing.assert_allclose(outcomes["UZB_china"], traj[:, -1, 3, 2].reshape(4, 3).mean(1), rtol=0, atol=1e-15)


def test_constants_fix_a_parameter_for_every_experiment(sc):
    m = ce.model(sc, ["west.sanctions"], [])
    m.constants = [Constant("model_noise", 0.0, variable_name="model.noise")]
    with ce.BatchEvaluator(m) as ev:
        experiments, outcomes = ev.perform_experiments(scenarios=3)
    calm = api.simulate(
        sc,
        seeding.run_seeds(sc.seed, 3),
        {"west.sanctions": experiments["west_sanctions"].to_numpy(), "model.noise": 0.0},
    )
    np.testing.assert_array_equal(outcomes["KAZ_west"], calm[:, -1, 0, 1])


def test_default_evaluator_refuses_with_a_pointer_to_the_batch_evaluator(sc):
    m = ce.model(sc, ["west.sanctions"], [])
    with pytest.raises(BaseException, match="BatchEvaluator"):  # EMAError derives from BaseException
        perform_experiments(m, 2)


# ema_workbench 3.0's PRIM calls DataFrame.drop(inplace=True), deprecated in pandas 3.1: its warning, not ours
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame:Warning")
def test_prim_cart_feature_scoring_and_dimensional_stacking_run_on_the_results(results):
    m, experiments, outcomes = results
    x = experiments.drop(columns=["scenario", "policy", "model"])
    y = outcomes["KAZ_russia"] < np.median(outcomes["KAZ_russia"])
    box = prim.Prim(x, y).find_box()
    assert 0 < box.coverage <= 1
    tree = cart.CART(x, y, mass_min=0.1)
    tree.build_tree()
    assert len(tree.boxes) >= 2
    scores = feature_scoring.get_feature_scores_all(x, {"KAZ_russia": outcomes["KAZ_russia"]})
    assert scores["KAZ_russia"].idxmax() in x.columns
    import matplotlib

    matplotlib.use("Agg")
    fig = dimensional_stacking.create_pivot_plot(x, y, nr_levels=2)
    assert fig is not None
