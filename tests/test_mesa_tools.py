"""Mesa's own tools drive the Mesa model: DataCollector frames, batch_run, keyword parameters (Mesa 3.3 and 3.5)."""

from __future__ import annotations

import pickle

import mesa
import numpy as np
import pandas as pd
import pytest

from casim import api, seeding
from casim.errors import CasimError
from casim.model import CentralAsia, CentralAsianState, model_reporters
from casim.scenario import load_scenario

MESA = tuple(int(x) for x in mesa.__version__.split(".")[:2])
STATES = ("KAZ", "KGZ", "TJK", "UZB", "TKM")
ALIGNMENT = [f"{s}_{p}" for s in STATES for p in ("russia", "west", "china", "hedging")]


def run_to_end(model: CentralAsia) -> CentralAsia:
    while model.running:
        model.step()
    return model


def batch(parameters: dict, seeds: list[int], **kwargs) -> pd.DataFrame:
    """``mesa.batch_run`` with distinct seeds per iteration, as each Mesa version takes them.

    Mesa 3.3 has no ``rng`` argument (and ``iterations`` would repeat a seed given as a parameter):
    the seeds go in as a parameter. Mesa 3.5 takes ``rng`` (``iterations`` is deprecated).
    """
    if MESA < (3, 5):
        return pd.DataFrame(mesa.batch_run(CentralAsia, {**parameters, "rng": seeds}, display_progress=False, **kwargs))
    return pd.DataFrame(mesa.batch_run(CentralAsia, parameters, rng=seeds, display_progress=False, **kwargs))


def test_model_vars_dataframe_has_every_states_shares_and_hedging_per_quarter():
    model = run_to_end(CentralAsia("baseline", rng=1))
    df = model.datacollector.get_model_vars_dataframe()
    assert list(df.columns) == ALIGNMENT
    assert len(df) == model.horizon + 1 == 32
    assert all(isinstance(v, float) for v in df.iloc[-1])
    shares = df[[c for c in ALIGNMENT if not c.endswith("hedging")]].to_numpy().reshape(32, 5, 3)
    np.testing.assert_allclose(shares.sum(-1), 1.0, atol=1e-12)


def test_model_vars_equal_the_engine_trajectory_for_the_same_seed():
    sc = load_scenario("baseline")
    seed = int(seeding.run_seeds(3, 1)[0])
    traj = api.simulate(sc, [seed], {"west.sanctions": 0.8}, engine="ensemble")[0]
    df = run_to_end(CentralAsia(sc, west_sanctions=0.8, rng=seed)).datacollector.get_model_vars_dataframe()
    np.testing.assert_allclose(df[[f"{s}_russia" for s in STATES]].to_numpy(), traj[:, :, 0], atol=1e-12)


def test_agent_table_holds_the_five_states_by_code_and_no_powers():
    model = run_to_end(CentralAsia(rng=2))
    df = model.datacollector.get_agenttype_vars_dataframe(CentralAsianState)
    assert len(df) == 5 * 32
    assert list(df.groupby(level=0)["state"].apply(tuple).iloc[-1]) == list(STATES)
    assert set(df.columns) == {"state", "russia", "west", "china", "hedging"}


def test_running_turns_false_after_the_horizon_and_the_extra_step_changes_nothing():
    model = CentralAsia(rng=4)
    for _ in range(model.horizon):
        model.step()
    assert model.running and model.quarter == model.horizon
    before = model.alignments()
    model.step()  # the step after the horizon: ends the run
    assert not model.running and model.quarter == model.horizon
    np.testing.assert_array_equal(model.alignments(), before)
    assert len(model.datacollector.get_model_vars_dataframe()) == model.horizon + 1


def test_engine_path_can_leave_model_reporters_out_with_identical_agent_data():
    a = run_to_end(CentralAsia(rng=5))
    b = run_to_end(CentralAsia(rng=5, collect_model_vars=False))
    assert not b.datacollector.model_reporters
    pd.testing.assert_frame_equal(
        a.datacollector.get_agenttype_vars_dataframe(CentralAsianState),
        b.datacollector.get_agenttype_vars_dataframe(CentralAsianState),
    )


def test_model_reporters_pickle_and_report_floats():
    model = CentralAsia(rng=6)
    model.step()
    reporters = pickle.loads(pickle.dumps(model_reporters(model.spec)))
    assert list(reporters) == ALIGNMENT
    assert all(type(r(model)) is float for r in reporters.values())


@pytest.mark.slow
def test_batch_run_gives_alignment_columns_for_every_quarter_with_distinct_seeds():
    sc = load_scenario("baseline")
    df = batch({"west_sanctions": [0.2, 0.8]}, [1, 2], max_steps=sc.steps, data_collection_period=1)
    assert set(ALIGNMENT) <= set(df.columns)
    assert df["RunId"].nunique() == 4
    # every quarter 0..horizon, labelled by step (Mesa 3.5 labels by model time, a float)
    for _, run in df.groupby("RunId"):
        assert sorted(set(run["Step"].astype(int))) == list(range(sc.steps + 1))
    # Mesa 3.3: one row per step (it leaves agent-type reporters out); 3.5: one per state and step
    assert len(df) == 4 * (sc.steps + 1) * (1 if MESA < (3, 5) else 5)
    last = df[df["Step"] == df["Step"].max()].drop_duplicates("RunId")
    # the numbers are the model's own for that seed and lever (each seed gives its own run)
    for _, row in last.iterrows():
        own = run_to_end(CentralAsia(sc, west_sanctions=row["west_sanctions"], rng=int(row["rng"])))
        assert row["KAZ_russia"] == own.datacollector.get_model_vars_dataframe()["KAZ_russia"].iloc[-1]
    assert last["KAZ_russia"].nunique() == 4
    # sanctions push Kazakhstan from Russia, same seed
    by = last.set_index(["rng", "west_sanctions"])["KAZ_russia"]
    assert by[(1, 0.8)] < by[(1, 0.2)] and by[(2, 0.8)] < by[(2, 0.2)]


def test_batch_run_default_collection_reports_the_horizon():
    """With the default ``data_collection_period=-1`` the one row per run is the last quarter, on both versions."""
    df = batch({"west_sanctions": 0.5}, [7], max_steps=1000)
    assert sorted(set(df["Step"].astype(int))) == [31]
    own = run_to_end(CentralAsia(west_sanctions=0.5, rng=7)).datacollector.get_model_vars_dataframe()
    assert df["TKM_china"].iloc[0] == own["TKM_china"].iloc[-1]


def test_solaraviz_accepts_the_model_and_its_keyword_parameters():
    """SolaraViz checks ``model_params`` against the model's signature: CentralAsia takes them as ``**kwargs``."""
    solara_viz = pytest.importorskip("mesa.visualization.solara_viz", reason="mesa[viz] (casim[viz]) not installed")
    solara_viz._check_model_params(CentralAsia.__init__, {"west_sanctions": 0.5, "scenario": "baseline", "rng": 1})
    with pytest.raises(CasimError, match="unknown model parameter .west_sanction.; did you mean .west_sanctions."):
        # a misspelt slider is refused by the model itself, with the nearest keyword
        CentralAsia(rng=1, west_sanction=0.5)


def test_solaraviz_reset_rebuilds_the_same_casim_scenario_on_this_mesa():
    """Mesa 3.5's reset passes its own Scenario object as ``scenario``; casim's travels as ``spec`` and wins."""
    solara_viz = pytest.importorskip("mesa.visualization.solara_viz", reason="mesa[viz] (casim[viz]) not installed")
    sc = load_scenario("sanctions_tighten")
    model = CentralAsia(spec=sc, rng=3, west_sanctions=0.9)
    params = {"spec": sc, "rng": 3, "west_sanctions": 0.9}
    if hasattr(solara_viz, "_build_model_init_kwargs"):  # Mesa 3.5: the reset's own way of building the arguments
        kwargs = solara_viz._build_model_init_kwargs(
            model, params, add_scenario_when_empty=True, require_model_accepts_scenario=True
        )
    else:  # Mesa 3.3 resets with the model parameters as they are
        kwargs = params
    rebuilt = type(model)(**kwargs)
    assert rebuilt.spec is sc
    np.testing.assert_array_equal(rebuilt.alignments(), model.alignments())
    with pytest.raises(CasimError, match="CentralAsia takes a casim scenario"):
        CentralAsia(scenario=object(), rng=1)
