"""casim ideal-points: a scenario's UN ideal points over the posterior, through the measurement model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from helpers import one_line_error

import casim
from casim import ensemble, ideal_points, posterior, unga
from casim.cli import main

STATES = ("KAZ", "KGZ", "TJK", "UZB", "TKM")


def test_table_has_one_row_per_year_and_state_with_the_point_inside_its_interval():
    sc = casim.load_scenario("baseline")
    df = ideal_points.project(sc, posterior.load().subset(20, 1), replicates=2, seed=1)
    assert list(df.columns) == ["year", "state", "ideal_point", "q05", "q95"]
    assert sorted(df["year"].unique()) == list(range(2023, 2031))
    assert len(df) == 8 * 5 and set(df["state"]) == set(STATES)
    assert (df["q05"] < df["ideal_point"]).all() and (df["ideal_point"] < df["q95"]).all()
    assert df.attrs["draws"] == 20 and df.attrs["replicates"] == 2 and df.attrs["seed"] == 1


def test_a_year_is_b_plus_lambda_times_the_alignment_weighted_power_positions():
    """Recomputed by hand for one draw and one replicate: the year's mean alignment, the powers' 2021 positions."""
    sc = casim.load_scenario("hindcast_2021")
    post = posterior.load().subset(1, 3)
    df = ideal_points.project(sc, post, replicates=1, seed=5)
    values = post.model_values(sc.states)
    (run_seed,) = casim.api.replicate_seeds(sc, 1, 5)[2]
    traj = ensemble.simulate(sc, np.array([run_seed]), values)
    in_2021 = [i for i, d in enumerate(sc.dates()) if d.startswith("2021")]
    a = traj[0, in_2021].mean(0)  # (S, P)
    ip = unga.ideal_points(2021, 2021)
    pos = {p: ip[ip["iso3"].isin(unga.POWER_CODES[p])]["idealpointall"].mean() for p in sc.powers}
    coef = post.coefficients()
    expected = coef["b"][0] + coef["lam"][0] * a @ np.array([pos[p] for p in sc.powers])
    got = df[df["year"] == 2021].set_index("state").loc[list(sc.states), "ideal_point"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_after_2021_the_powers_keep_their_2014_2021_mean_and_nothing_later_is_read():
    years = [2020, 2021, 2022, 2030]
    pos = ideal_points.power_positions(("russia", "west", "china"), years)
    df = unga.ideal_points(2014, 2021)
    rus = df[df["iso3"] == "RUS"].set_index("year")["idealpointall"]
    assert pos[0, 0] == rus[2020] and pos[1, 0] == rus[2021]
    assert pos[2, 0] == pos[3, 0] == rus.mean()
    west_2021 = df[(df["year"] == 2021) & df["iso3"].isin(unga.WEST)]["idealpointall"].mean()
    assert pos[1, 1] == west_2021


def test_same_seed_same_table_and_draws_are_a_reproducible_subset():
    sc = casim.load_scenario("baseline")
    a = ideal_points.project(sc, posterior.load().subset(10, 7), replicates=2, seed=7)
    b = ideal_points.project(sc, posterior.load().subset(10, 7), replicates=2, seed=7)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not posterior.load().subset(10, 7).draws.equals(posterior.load().subset(10, 8).draws)


def test_cli_writes_the_csv_and_a_power_without_a_un_position_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "ip.csv"
    code = main(["ideal-points", "baseline", "--replicates", "1", "--draws", "5", "--out", str(out)])
    assert code == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["year", "state", "ideal_point", "q05", "q95"] and len(df) == 40
    assert "5 posterior draw(s) x 1 replicate(s)" in capsys.readouterr().out
    code = main(["ideal-points", "gulf_renewables", "--replicates", "1", "--draws", "2"])
    err = one_line_error(code, capsys.readouterr().err)
    assert "power 'gulf' has no UN ideal point" in err
