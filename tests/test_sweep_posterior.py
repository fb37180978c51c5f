"""Sweeps over posterior draws: levers swept, uncertainties drawn; the layout, the seeds, the store and robustness."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, one_line_error

import casim
from casim import api, posterior, results, seeding, uncertainty
from casim.analysis import discovery, inputs, sensitivity
from casim.analysis.robustness import robustness
from casim.cli import main
from casim.errors import CasimError
from casim.scenario import load_scenario
from casim.sweep import load_sweep, plan_info
from casim.sweep.manifest import SEEDS

DRAWS, REPS, SEED = 4, 2, 11
BODY = f"""\
design: {{method: morris, n: 2, seed: 3}}
parameters:
  west.engage: [0.0, 1.0]
  west.investment: [0.5, 2.0]
posterior: {{draws: {DRAWS}}}
replicates: {REPS}
seed: {SEED}
keep: {{dates: [2030Q4]}}
"""


def write_sweep(folder: Path, body: str = BODY, name: str = "sweep.yaml") -> Path:
    path = folder / name
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + body)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A small Morris sweep over two Western levers x 4 posterior draws x 2 replicates (6 points, 48 runs)."""
    folder = tmp_path_factory.mktemp("posterior_sweep")
    out = folder / "store"
    casim.run_sweep(write_sweep(folder), out=out)
    return out


@pytest.fixture(scope="module")
def table(store) -> pd.DataFrame:
    return casim.read_results(store)


def per_run(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop_duplicates("run").set_index("run").sort_index()


def test_run_i_is_replicate_i_mod_R_of_draw_i_div_R_mod_D_of_point_i_div_DR(table, store):
    post = posterior.load()
    rows = post.rows(DRAWS, SEED)
    runs = per_run(table)
    i = runs.index.to_numpy()
    assert len(runs) == 6 * DRAWS * REPS and (i == np.arange(len(runs))).all()
    assert (runs["point"].to_numpy() == i // (DRAWS * REPS)).all()
    assert (runs["draw"].to_numpy() == rows[(i // REPS) % DRAWS]).all()
    assert (runs["replicate"].to_numpy() == i % REPS).all()
    assert table["draw"].dtype == np.int64
    # common random numbers: replicate r has the seed run_seed(seed, r) under every point and draw
    assert (runs["seed"].to_numpy() == seeding.run_seeds(SEED, REPS)[i % REPS]).all()
    m = json.loads((store / "manifest.json").read_text())
    assert m["posterior"]["rows"] == rows.tolist() and m["posterior"]["draws"] == DRAWS
    assert m["posterior"]["sha256"] == post.sha256() and m["posterior"]["file"] == results.portable(post.source)
    assert "draw (i // replicates) % draws" in m["seeds"] and "(i // replicates) % draws" in m["posterior"]["runs"]
    assert m["runs"] == len(runs) and m["columns"]["design"] == ["point", "draw", "west.engage", "west.investment"]


def test_each_point_is_casim_uncertainty_of_its_lever_values_bit_for_bit(table):
    """Every run has its draw's parameter values: a point's runs are casim.uncertainty.run of the scenario with the
    point's levers set, over the same draws and seed."""
    last = table[table["date"].astype(str) == "2030Q4"]
    cols = ["run", "replicate", "seed", "draw", "russia", "west", "china", "hedging"]
    for point in (0, 5):
        mine = last[last["point"] == point].reset_index(drop=True)
        levers = [(p, float(mine[p].iloc[0])) for p in ("west.engage", "west.investment")]
        ref = uncertainty.run(load_scenario(BASELINE, levers), posterior.load(), DRAWS, REPS, SEED)
        ref = ref[ref["date"].astype(str) == "2030Q4"].reset_index(drop=True)
        ref["run"] += point * DRAWS * REPS
        pd.testing.assert_frame_equal(mine[cols], ref[cols], check_exact=True)


def test_without_a_posterior_key_the_store_is_the_point_value_sweep_as_before(tmp_path):
    body = BODY.replace(f"posterior: {{draws: {DRAWS}}}\n", "")
    out = tmp_path / "out"
    casim.run_sweep(write_sweep(tmp_path, body), out=out)
    df = casim.read_results(out)
    m = json.loads((out / "manifest.json").read_text())
    assert "posterior" not in m and m["seeds"] == SEEDS and "draw" not in df.columns
    runs = per_run(df)
    i = runs.index.to_numpy()
    assert len(runs) == 6 * REPS and (runs["point"].to_numpy() == i // REPS).all()
    assert (runs["seed"].to_numpy() == seeding.run_seeds(SEED, len(runs))).all()  # run_seed(seed, i), as always
    # every run is the scenario at its point values (the parameters' own values, no draw), with its own seed
    sc = load_scenario(BASELINE)
    values = {p: runs[p].to_numpy() for p in ("west.engage", "west.investment")}
    traj = api.simulate(sc, runs["seed"].to_numpy(), values)
    at = sc.dates().index("2030Q4")
    west = df.sort_values(["run", "state"], kind="stable")
    got = west.pivot_table(index="run", columns="state", values="west", observed=True)[list(sc.states)]
    np.testing.assert_array_equal(got.to_numpy(), traj[:, at, :, sc.powers.index("west")])


@pytest.mark.parametrize(
    ("body", "key", "line"),
    [
        (BODY.replace("  west.investment: [0.5, 2.0]\n", "  model.temperature: [0.3, 0.9]\n"), "model.temperature", 6),
        (BODY.replace("design:", "set: {model.noise: 0.03, KAZ.stubbornness: 0.5}\ndesign:"), "KAZ.stubbornness", 3),
    ],
    ids=["parameters", "set"],
)
def test_a_parameter_the_posterior_draws_is_refused_naming_it_and_its_line(tmp_path, capsys, body, key, line):
    path = write_sweep(tmp_path, body)
    err = one_line_error(main(["sweep", str(path), "--dry-run"]), capsys.readouterr().err)
    assert f"{path}:{line}" in err and key in err
    assert "the posterior draws this parameter; a sweep over posterior draws varies levers only" in err
    # without 'posterior' the same file is a point-value sweep
    plain = write_sweep(tmp_path, body.replace(f"posterior: {{draws: {DRAWS}}}\n", ""), "plain.yaml")
    assert main(["sweep", str(plain), "--dry-run"]) == 0


def test_an_unknown_posterior_key_or_a_missing_posterior_is_a_one_line_error_with_its_line(tmp_path, capsys):
    path = write_sweep(tmp_path, BODY.replace("{draws: 4}", "{draw: 4}"))
    err = one_line_error(main(["sweep", str(path), "--dry-run"]), capsys.readouterr().err)
    assert f"{path}:7" in err and "posterior.draw" in err and "draws" in err
    path = write_sweep(tmp_path, BODY.replace("{draws: 4}", "{file: nowhere, draws: 4}"))
    err = one_line_error(main(["sweep", str(path), "--dry-run"]), capsys.readouterr().err)
    assert f"{path}:7" in err and "no posterior draws here" in err


def test_the_plan_and_dry_run_name_the_draws(tmp_path, capsys):
    info = plan_info(write_sweep(tmp_path))
    assert (info["points"], info["draws"], info["replicates"], info["runs"]) == (6, DRAWS, REPS, 6 * DRAWS * REPS)
    assert info["posterior"] == "shipped"
    assert main(["sweep", str(write_sweep(tmp_path)), "--dry-run"]) == 0
    line = capsys.readouterr().out
    assert "6 points x 4 posterior draw(s) x 2 replicate(s) = 48 runs" in line and "shipped posterior" in line
    plain = plan_info(write_sweep(tmp_path, BODY.replace(f"posterior: {{draws: {DRAWS}}}\n", "")))
    assert plain["draws"] is None and plain["runs"] == 6 * REPS


def test_resuming_a_store_made_over_another_posterior_is_refused(tmp_path, capsys):
    shipped = posterior.load()
    folder = tmp_path / "post"
    folder.mkdir()
    shipped.draws.iloc[:10].to_parquet(folder / "draws.parquet")
    path = write_sweep(tmp_path, BODY.replace("{draws: 4}", "{file: post, draws: 4}"))
    out = tmp_path / "out"
    casim.run_sweep(path, out=out)
    assert casim.read_results(out)["draw"].max() < 10
    shipped.draws.iloc[10:20].to_parquet(folder / "draws.parquet")  # the same path, other draws
    err = one_line_error(main(["sweep", str(path), "--out", str(out), "--resume"]), capsys.readouterr().err)
    assert "this store was started over another posterior" in err and str(out) in err


def test_sensitivity_averages_each_point_over_its_draws_and_replicates(table, store, tmp_path, capsys):
    manifest = json.loads((store / "manifest.json").read_text())
    X, Y = sensitivity.design_outputs(table, manifest["problem"], "KAZ", "west")
    last = table[(table["date"].astype(str) == "2030Q4") & (table["state"].astype(str) == "KAZ")]
    by_hand = [last.loc[last["point"] == p, "west"].mean() for p in range(6)]  # 4 draws x 2 replicates each
    assert (last.groupby("point").size() == DRAWS * REPS).all()
    np.testing.assert_allclose(Y, by_hand, rtol=0, atol=1e-15)
    assert X.shape == (6, 2)
    code = main(["sensitivity", str(store), "--state", "KAZ", "--outcome", "west", "--no-figures"])
    assert code == 0 and "west.engage" in capsys.readouterr().out


def test_discovery_takes_every_run_draws_included_as_a_case(table, store, tmp_path, capsys):
    df, manifest = inputs.load_results(store)
    runs = per_run(table)
    last = table[(table["date"].astype(str) == "2030Q4") & (table["state"].astype(str) == "KAZ")]
    partner = last["dominant"].astype(str).value_counts().index[-1]  # the rarer partner: a boundary to find
    box = discovery.discover(df, "KAZ", partner, problem=manifest["problem"])
    assert box.runs == len(runs) == 6 * DRAWS * REPS
    assert box.of_interest == int((last["dominant"].astype(str) == partner).sum())
    assert list(box.limits.index) == ["west.engage", "west.investment"]  # the draw is not a lever
    code = main(["plot", str(store), "--kind", "discovery", "--state", "KAZ", "--partner", partner])
    assert code == 0 and "discovery.png" in capsys.readouterr().out


def small_table() -> pd.DataFrame:
    """2 points x 3 draws x 2 replicates, two dates; the last date's west shares chosen by hand."""
    west_last = {  # (point, draw) -> the two replicates' west share at the last date
        (0, 7): (0.40, 0.30),  # mean 0.35 > 0.3
        (0, 8): (0.20, 0.30),  # mean 0.25
        (0, 9): (0.50, 0.60),  # mean 0.55
        (1, 7): (0.31, 0.33),  # mean 0.32
        (1, 8): (0.35, 0.45),  # mean 0.40
        (1, 9): (0.29, 0.35),  # mean 0.32
    }
    rows = []
    run = 0
    for (point, draw), pair in west_last.items():
        for rep, w in enumerate(pair):
            for step, date, share in ((0, "2023Q1", 0.0), (1, "2030Q4", w)):  # the first date would meet nothing
                for state, s in (("KAZ", share), ("UZB", 0.9)):
                    rows.append(
                        {
                            "scenario": "s", "run": run, "replicate": rep, "seed": rep, "step": step, "date": date,
                            "state": state, "russia": 1 - s, "west": s, "china": 0.0, "hedging": 0.0,
                            "point": point, "draw": draw, "west.trade": 1.0 + point,
                        }
                    )  # fmt: skip
            run += 1
    return pd.DataFrame(rows)


def test_robustness_is_the_share_of_draws_whose_replicate_mean_meets_the_threshold():
    df = small_table()
    out = robustness(df, "KAZ", "west", above=0.3)
    assert out["point"].tolist() == [1, 0]  # point 1: 3 of 3 draws above 0.3; point 0: 2 of 3
    np.testing.assert_allclose(out["share"], [1.0, 2 / 3])
    assert out["robust"].tolist() == [True, False] and out["draws"].tolist() == [3, 3]
    np.testing.assert_allclose(out["mean"], [(0.32 + 0.40 + 0.32) / 3, (0.35 + 0.25 + 0.55) / 3])
    assert out["west.trade"].tolist() == [2.0, 1.0] and "draw" not in out.columns
    assert robustness(df, "KAZ", "west", above=0.3, share=0.6)["robust"].tolist() == [True, True]
    below = robustness(df, "KAZ", "west", below=0.33)
    assert below.set_index("point")["share"].to_dict() == pytest.approx({0: 1 / 3, 1: 2 / 3})


def test_robustness_refuses_a_table_without_draws_or_without_exactly_one_threshold():
    df = small_table()
    with pytest.raises(CasimError, match="no 'draw' column: robustness needs a sweep over posterior draws"):
        robustness(df.drop(columns="draw"), "KAZ", "west", above=0.3)
    with pytest.raises(CasimError, match="give one threshold, --above or --below \\(got neither\\)"):
        robustness(df, "KAZ", "west")
    with pytest.raises(CasimError, match="got both"):
        robustness(df, "KAZ", "west", above=0.3, below=0.5)
    with pytest.raises(CasimError, match="share must be in"):
        robustness(df, "KAZ", "west", above=0.3, share=0)
    with pytest.raises(CasimError, match="unknown outcome 'wset'"):
        robustness(df, "KAZ", "wset", above=0.3)


def test_casim_robustness_prints_the_robust_points_and_writes_the_table(store, table, tmp_path, capsys):
    csv = tmp_path / "robust.csv"
    argv = ["robustness", str(store), "--state", "KAZ", "--outcome", "west", "--above", "0.3", "--share", "0.5"]
    assert main([*argv, "--out", str(csv)]) == 0
    printed = capsys.readouterr().out
    expected = robustness(table, "KAZ", "west", above=0.3, share=0.5)
    n = int(expected["robust"].sum())
    assert printed.startswith(
        f"{n} of 6 design points are robust: KAZ west at 2030Q4 > 0.3 in at least 50% of 4 posterior draws"
    )
    assert "west.engage" in printed and f"wrote {csv}" in printed
    pd.testing.assert_frame_equal(pd.read_csv(csv), expected, check_dtype=False)


def test_casim_robustness_bad_input_is_a_one_line_error(store, tmp_path, capsys):
    base = ["robustness", str(store), "--state", "KAZ", "--outcome", "west"]
    err = one_line_error(main(base), capsys.readouterr().err)
    assert "give one threshold" in err
    err = one_line_error(main([*base, "--above", "0.3", "--share", "1.5"]), capsys.readouterr().err)
    assert "share must be in (0, 1]" in err
    err = one_line_error(main([*base[:3], "KZA", *base[4:], "--above", "0.3"]), capsys.readouterr().err)
    assert "unknown state 'KZA'" in err
    err = one_line_error(
        main(["robustness", str(tmp_path / "none"), "--state", "KAZ", "--outcome", "west"]), capsys.readouterr().err
    )
    assert "file not found" in err
    plain = tmp_path / "plain"
    casim.run_sweep(write_sweep(tmp_path, BODY.replace(f"posterior: {{draws: {DRAWS}}}\n", "")), out=plain)
    err = one_line_error(main(["robustness", str(plain), *base[2:], "--above", "0.3"]), capsys.readouterr().err)
    assert "no 'draw' column" in err
    with pytest.raises(SystemExit) as e:
        main(["robustness", str(store), "--outcome", "west", "--above", "0.3"])  # --state is required
    assert e.value.code == 2


def test_the_example_sweep_file_is_valid_and_sweeps_no_drawn_parameter():
    path = Path(__file__).resolve().parents[1] / "scenarios" / "sweeps" / "western_levers_posterior.yaml"
    sweep = load_sweep(path)
    assert sweep.draws == 50 and sweep.replicates == 2 and sweep.keep == ("2030Q4",)
    drawn = set(posterior.load().model_values(sweep.scenario.states))
    assert {p.path for p in sweep.params}.isdisjoint(drawn)
    assert plan_info(sweep)["runs"] == 40 * 50 * 2


def test_the_draw_column_is_not_taken_for_a_swept_parameter_without_a_manifest(table):
    from casim.analysis.response import swept_parameters

    assert swept_parameters(table) == ["west.engage", "west.investment"]  # the levers alone, no draw
