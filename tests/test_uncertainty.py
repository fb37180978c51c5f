"""Runs over posterior draws x replicates (casim.uncertainty) and comparisons whose interval says what it is."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import one_line_error

import casim
from casim import ensemble, posterior, uncertainty
from casim.analysis import compare
from casim.cli import main
from casim.errors import CasimError
from casim.seeding import run_seeds


@pytest.fixture(scope="module")
def post():
    return posterior.load()


@pytest.fixture(scope="module")
def pair(post):
    """baseline and sanctions_tighten over the same 6 draws x 3 replicates."""
    return compare.run_scenarios(["baseline", "sanctions_tighten"], replicates=3, seed=11, posterior=post, draws=6)


def test_runs_over_draws_carry_their_draw_and_share_seeds_across_draws(post):
    df = uncertainty.run("baseline", post, draws=4, replicates=3, seed=7)
    rows = post.rows(4, 7)
    per_run = df.groupby("run")[["draw", "replicate", "seed"]].first()
    assert len(per_run) == 12
    assert per_run["draw"].tolist() == np.repeat(rows, 3).tolist()
    assert per_run["replicate"].tolist() == [0, 1, 2] * 4
    assert per_run["seed"].tolist() == run_seeds(7, 3).tolist() * 4  # replicate r: the same seed under every draw
    m = df.attrs["manifest"]["posterior"]
    assert m["rows"] == rows.tolist() and m["draws"] == 4
    assert m["sha256"] == hashlib.sha256(Path(post.source).read_bytes()).hexdigest()
    assert df.attrs["manifest"]["seed"] == 7 and df.attrs["manifest"]["replicates"] == 3


def test_each_run_is_the_scenario_under_its_draws_parameters(post):
    df = uncertainty.run("baseline", post, draws=4, replicates=3, seed=7)
    sc = casim.load_scenario("baseline")
    d, r = 2, 1
    row = int(post.rows(4, 7)[d])
    values = {k: v[row] for k, v in post.model_values(sc.states).items()}
    traj = ensemble.simulate(sc, run_seeds(7, 3)[r : r + 1], values)[0]  # (steps + 1, S, P)
    got = df[df["run"] == d * 3 + r].sort_values(["step", "state"])
    expected = traj.reshape(-1, len(sc.powers))
    np.testing.assert_array_equal(got[list(sc.powers)].to_numpy(), expected)


def test_effects_over_draws_are_the_quantiles_of_each_draws_paired_replicate_mean(pair):
    diff = compare.differences(pair)
    last = pair[pair["step"] == pair["step"].max()]
    base = last[last["scenario"] == "baseline"].set_index(["state", "draw", "seed"])["russia"]
    tight = last[last["scenario"] == "sanctions-tighten"].set_index(["state", "draw", "seed"])["russia"]
    per_draw = (tight - base).groupby(level=["state", "draw"]).mean()
    row = diff[(diff["state"] == "KAZ") & (diff["outcome"] == "russia")].iloc[0]
    e = per_draw.loc["KAZ"].to_numpy()
    assert row["difference"] == pytest.approx(np.median(e))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(np.quantile(e, [0.05, 0.95])))
    assert row["draws"] == 6 and row["replicates"] == 3
    assert "paired over 6 draws x 3 replicates" in row["interval"]
    assert (diff["includes_zero"] == ((diff["ci_low"] <= 0) & (diff["ci_high"] >= 0))).all()


def test_a_noise_only_interval_says_it_is_noise_only():
    df = compare.run_scenarios(["baseline", "sanctions_tighten"], replicates=4, seed=3)
    diff = compare.differences(df)
    assert diff["interval"].str.startswith("noise only: 95% CI of the mean, paired replicates").all()
    assert (diff["draws"] == 0).all()
    assert (diff["includes_zero"] == ((diff["ci_low"] <= 0) & (diff["ci_high"] >= 0))).all()
    assert "parameters at their point values" in compare.difference_summary(diff).attrs["interval"]


def test_scenarios_run_over_other_draws_or_seeds_are_not_compared(post):
    a = uncertainty.run("baseline", post, draws=3, replicates=2, seed=1)
    other_seeds = uncertainty.run("sanctions_tighten", post, draws=3, replicates=2, seed=2)
    other_draws = uncertainty.run("sanctions_tighten", post, draws=4, replicates=2, seed=1)
    assert set(other_draws["seed"]) == set(a["seed"]) and set(other_draws["draw"]) != set(a["draw"])
    for b in (other_seeds, other_draws):
        with pytest.raises(CasimError, match="not run over the same posterior draws and seeds"):
            compare.differences(compare.combine([a, b]))


def test_the_parameters_spread_at_the_horizon_is_wider_than_the_noise(post):
    """The point of posterior ensembles: at 2030Q4 the spread over draws x replicates exceeds the replicates' own."""
    drawn = uncertainty.run("baseline", post, draws=20, replicates=4, seed=5)
    noise = casim.run("baseline", replicates=80, seed=5)
    sd = {}
    for name, df in (("posterior", drawn), ("noise", noise)):
        last = df[df["step"] == df["step"].max()]
        sd[name] = last.groupby("state", observed=True)["russia"].std()
    assert (sd["posterior"] > 3 * sd["noise"]).any(), pd.DataFrame(sd)


def test_compare_prints_what_its_interval_is(tmp_path, capsys):
    argv = ["compare", "baseline", "sanctions_tighten", "--replicates", "2", "--seed", "4"]
    assert main([*argv, "--out", str(tmp_path / "a"), "--posterior", "shipped", "--draws", "3"]) == 0
    printed = capsys.readouterr().out
    assert "posterior: median and 90% interval over 3 draws, paired over 3 draws x 2 replicates" in printed
    table = pd.read_csv(tmp_path / "a" / "differences.csv")
    assert {"interval", "includes_zero", "draws"} <= set(table.columns) and (table["draws"] == 3).all()
    results = pd.read_parquet(tmp_path / "a" / "results.parquet")
    assert results["draw"].nunique() == 3
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    assert "noise only: 95% CI of the mean" in capsys.readouterr().out
    assert "--draws must be at least 1" in one_line_error(
        main([*argv, "--out", str(tmp_path / "c"), "--posterior", "shipped", "--draws", "0"]), capsys.readouterr().err
    )
    err = one_line_error(
        main([*argv, "--out", str(tmp_path / "d"), "--posterior", str(tmp_path)]), capsys.readouterr().err
    )
    assert "no posterior draws here" in err


@pytest.mark.slow
def test_the_readme_quotes_the_posterior_effect_of_tighter_sanctions_on_kazakhstan(post):
    """README's "What a comparison's interval is": regenerated with its command's settings (200 draws x 20)."""
    from helpers import ROOT

    df = compare.run_scenarios(["baseline", "sanctions_tighten"], replicates=20, posterior=post, draws=200)
    row = compare.differences(df).query("state == 'KAZ' and outcome == 'russia'").iloc[0]
    quoted = f"{row['difference']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]".replace("-", "−")
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert f"20230101), `sanctions_tighten` moves Kazakhstan's Russia share at 2030Q4 by {quoted}" in readme, quoted


def test_casim_run_over_the_posterior_writes_a_draw_column_and_the_fan_says_what_its_band_is(tmp_path, capsys):
    from casim import figures

    out = tmp_path / "run"
    argv = ["run", "baseline", "--posterior", "shipped", "--draws", "5", "--replicates", "2", "--out", str(out)]
    assert main(argv) == 0
    assert "10 run(s): 5 posterior draw(s) x 2 replicate(s)" in capsys.readouterr().out
    df = pd.read_parquet(out / "results.parquet")
    assert df["draw"].nunique() == 5 and df["run"].nunique() == 10
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["draws"] == 5 and manifest["kind"] == "run"
    same = uncertainty.run("baseline", posterior.load(), draws=5, replicates=2)
    pd.testing.assert_frame_equal(df, same, check_categorical=False, check_dtype=False)
    fig = figures.trajectories_figure(df)
    assert "5 posterior draws x 2 replicates; band: 90% of runs, parameters and noise" in fig.get_suptitle()


def test_a_set_of_a_parameter_the_posterior_draws_is_refused(tmp_path, capsys):
    argv = ["run", "baseline", "--posterior", "shipped", "--draws", "2", "--replicates", "1", "--out", str(tmp_path)]
    err = one_line_error(main([*argv, "--set", "model.temperature=1.0"]), capsys.readouterr().err)
    assert "--set model.temperature: the posterior draws this parameter" in err
    assert main([*argv, "--set", "model.inertia=0.5"]) == 0  # not drawn: kept, at the value asked for
