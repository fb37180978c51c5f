"""The explorer's pure helpers (casim.app): slider specs from the parameter space, the YAML export round trip."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("solara", reason="mesa[viz] is not installed (pip install 'casim[viz]')")
with warnings.catch_warnings():  # Mesa's SolaraViz warns about its own hooks when solara checks them
    warnings.simplefilter("ignore")
    from casim import app

from casim import api, load_scenario, schedule
from casim.cli import main
from casim.cli.explore import command


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


def test_slider_specs_are_bounded_by_the_parameter_space():
    sc = load_scenario("sanctions_tighten")
    specs = {s.key: s for s in app.slider_specs(sc)}
    for path in app.LEVERS:
        s = specs[path]
        lo, hi = sc.space.slots[path].bounds
        assert lo <= s.min <= s.value <= s.max <= hi
        prior = sc.space.prior_range(path)
        if prior is not None:
            assert (s.min, s.max) == (min(prior[0], s.value), max(prior[1], s.value))
    assert (specs["west.sanctions"].min, specs["west.sanctions"].max) == (0.0, 1.0)
    assert specs["region.afghan_threat"].max <= 1.0  # a hard bound
    assert specs["russia.economy"].max == 2.0  # no prior: twice the default
    shock = specs["shocks.secondary_sanctions.west.sanctions"]
    assert shock.value == 0.9 and shock.max == 1.0 and "ramp 2024Q1" in shock.label


def test_added_powers_get_their_levers():
    keys = {s.key for s in app.slider_specs(load_scenario("multipolar"))}
    assert {"turkey.trade", "iran.investment"} <= keys


@pytest.mark.parametrize("name", ["baseline", "sanctions_tighten", "hindcast_2021"])
def test_yaml_export_round_trips(tmp_path, name):
    sc = load_scenario(name)
    values = {s.key: s.value for s in app.slider_specs(sc)}
    values["west.sanctions"] = 0.95
    values["region.integration"] = 1.7
    for sh in sc.shocks[:2]:
        values[sh.key] = round(sh.value * 0.5, 3)
    out = tmp_path / "sub" / "saved.yaml"
    out.parent.mkdir()
    out.write_text(app.scenario_yaml(sc, values, out, app.source_file(name)))
    assert main(["check", str(out)]) == 0
    saved = load_scenario(out)
    assert saved.values["west.sanctions"] == 0.95 and saved.values["region.integration"] == 1.7
    assert (saved.seed, saved.start, saved.end) == (sc.seed, sc.start, sc.end)
    # the same parameter timelines as the live model's, and the same trajectory as its first replicate
    live = schedule.timelines(sc, values)
    mine = schedule.timelines(saved)
    assert live.keys() == mine.keys()
    for k in live:
        np.testing.assert_array_equal(live[k], mine[k])
    model = app.build_model(sc, values, sc.steps)
    df = api.run(saved, replicates=1)
    last = df[df["step"] == sc.steps].set_index("state")[list(sc.powers)].to_numpy()
    np.testing.assert_allclose(last, model.alignments(), atol=1e-12)


def test_unchanged_settings_write_only_extends(tmp_path):
    sc = load_scenario("baseline")
    values = {s.key: s.value for s in app.slider_specs(sc)}
    assert app.overrides(sc, values) == {}
    text = app.scenario_yaml(sc, values, tmp_path / "x.yaml", app.source_file("baseline"))
    assert "powers" not in text and "shocks" not in text and "extends:" in text


def test_model_stops_at_the_horizon():
    sc = load_scenario("sanctions_tighten")
    model = app.build_model(sc, {}, sc.steps)
    assert model.quarter == sc.steps and not model.running
    model.step()  # a further step is a no-op, not an error past the shock timeline
    assert model.quarter == sc.steps


def test_ensemble_difference_and_readout():
    sc = load_scenario("baseline")
    traj = app.run_ensemble(sc, {"west.sanctions": 1.0}, 50)
    ref = app.run_ensemble(sc, {}, 50)
    diff = app.horizon_difference(sc, traj, ref)
    assert diff["KAZ"]["russia"] < 0 < diff["KAZ"]["west"]
    data = app.readout(sc, traj[0, -1], sc.steps)
    assert data["date"] == "2030Q4" and set(data["shares"]) == set(sc.states)


def test_explore_command_line(tmp_path):
    argv, env = command("baseline", 8123, "127.0.0.1")
    assert argv[1:5] == ["-m", "solara", "run", "casim.app"] and "127.0.0.1" in argv and "8123" in argv
    assert env["CASIM_EXPLORE_SCENARIO"] == "baseline"
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\nname: x\npowers: {west: {sanctions: -1}}\n")
    assert main(["explore", str(bad), "--port", "1"]) == 2
