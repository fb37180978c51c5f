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
    noise = casim.run("baseline", replicates=80, seed=5, posterior=None)
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
    assert main([*argv, "--out", str(tmp_path / "b"), "--posterior", "none"]) == 0
    assert "noise only: 95% CI of the mean" in capsys.readouterr().out
    assert "--draws must be at least 1" in one_line_error(
        main([*argv, "--out", str(tmp_path / "c"), "--posterior", "shipped", "--draws", "0"]), capsys.readouterr().err
    )
    err = one_line_error(
        main([*argv, "--out", str(tmp_path / "d"), "--posterior", str(tmp_path)]), capsys.readouterr().err
    )
    assert "no posterior draws here" in err


@pytest.mark.slow
def test_docs_readme_and_every_scenario_description_quote_the_effects_the_shipped_posterior_gives(post):
    """docs/effects.md, README's quoted effects and each shipped scenario's description (both copies), regenerated
    with the settings docs/effects.md names: casim compare's defaults over the shipped posterior."""
    import yaml
    from helpers import ROOT

    from casim.analysis import headlines

    files = [ROOT / "scenarios" / f"{name}.yaml" for name in headlines.SHIPPED]
    df = compare.run_scenarios(files, posterior=post)
    diff = compare.differences(df)
    seed = int(df.attrs["manifest"]["comparison"]["seed"])
    assert (diff["draws"] == len(post)).all() and (diff["replicates"] == uncertainty.REPLICATES_PER_DRAW).all()
    doc = (ROOT / "docs" / "effects.md").read_text(encoding="utf-8")
    assert doc == headlines.document(df, diff, seed, headlines.COMMAND), "run python3 scripts/posterior_effects.py"
    said = headlines.sentences(df, diff, seed)
    assert len(said) == len(headlines.SHIPPED)
    for folder in (ROOT / "scenarios", ROOT / "src" / "casim" / "data" / "scenarios"):
        for name in headlines.SHIPPED:
            raw = yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
            assert said[raw["name"]] in " ".join(raw["description"].split()), (folder, name)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for name in ("sanctions-tighten", "western-engagement"):
        effect = headlines.effects(diff, name, ["russia", "west", "china"]).split(";")[0]
        assert f"`{name}`: {effect}" in readme, effect


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
    assert "5 posterior draws x 2 replicates; bands: 50% and 90% of runs, parameters and noise" in fig.get_suptitle()


def test_a_set_of_a_parameter_the_posterior_draws_is_refused(tmp_path, capsys):
    argv = ["run", "baseline", "--posterior", "shipped", "--draws", "2", "--replicates", "1", "--out", str(tmp_path)]
    err = one_line_error(main([*argv, "--set", "model.temperature=1.0"]), capsys.readouterr().err)
    assert "--set model.temperature: the posterior draws this parameter" in err
    assert main([*argv, "--set", "model.inertia=0.5"]) == 0  # not drawn: kept, at the value asked for


def test_casim_run_runs_every_posterior_draw_by_default(tmp_path, capsys, post):
    out = tmp_path / "run"
    assert main(["run", "baseline", "--replicates", "1", "--seed", "3", "--out", str(out)]) == 0
    assert f"{len(post)} run(s): {len(post)} posterior draw(s) x 1 replicate(s)" in capsys.readouterr().out
    df = pd.read_parquet(out / "results.parquet")
    assert sorted(df["draw"].unique()) == list(range(len(post))) and len(post) == 400
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["sha256"] == hashlib.sha256(Path(post.source).read_bytes()).hexdigest()
    api_df = casim.run("baseline", replicates=1, seed=3)  # the Python API's default too
    pd.testing.assert_frame_equal(df, api_df, check_categorical=False, check_dtype=False)


def test_posterior_none_gives_the_point_value_table_of_casim_api_run(tmp_path, capsys):
    out = tmp_path / "point"
    assert main(["run", "baseline", "--posterior", "none", "--replicates", "3", "--seed", "5", "--out", str(out)]) == 0
    assert "3 replicate(s)" in capsys.readouterr().out
    df = pd.read_parquet(out / "results.parquet")
    point = casim.run("baseline", replicates=3, seed=5, posterior=None)
    assert "draw" not in df.columns and "draw" not in point.columns
    pd.testing.assert_frame_equal(df, point, check_categorical=False)
    from casim import api

    pd.testing.assert_frame_equal(point, api.run("baseline", replicates=3, seed=5))
    with pytest.raises(CasimError, match="draws= needs runs over posterior draws"):
        casim.run("baseline", replicates=1, posterior="none", draws=3)
    err = one_line_error(main(["run", "baseline", "--posterior", "none", "--draws", "3"]), capsys.readouterr().err)
    assert "--draws needs runs over posterior draws" in err


def test_replicates_per_draw_default_to_the_files_at_most_twenty():
    sc = casim.load_scenario("baseline")
    assert sc.replicates == 100 and uncertainty.per_draw(sc, None) == uncertainty.REPLICATES_PER_DRAW == 20
    assert uncertainty.per_draw(sc.with_values(replicates=7), None) == 7
    assert uncertainty.per_draw(sc, 50) == 50
    df = casim.run(sc.with_values(replicates=2), draws=3, seed=1)
    assert df["run"].nunique() == 6 and df["draw"].nunique() == 3


def test_default_run_folders_name_what_ran_them(tmp_path, monkeypatch, capsys):
    from casim import folders

    monkeypatch.chdir(tmp_path)
    assert main(["run", "baseline", "--draws", "2", "--replicates", "1"]) == 0
    assert main(["run", "baseline", "--posterior", "none", "--replicates", "1"]) == 0
    other = tmp_path / "fit"
    other.mkdir()
    (other / "draws.parquet").write_bytes(Path(posterior.load().source).read_bytes())
    assert main(["run", "baseline", "--posterior", str(other), "--draws", "2", "--replicates", "1"]) == 0
    sha = hashlib.sha256((other / "draws.parquet").read_bytes()).hexdigest()[:8]
    written = sorted(p.name for p in (tmp_path / folders.RESULTS_ROOT).iterdir())
    assert written == ["baseline", "baseline--point", f"baseline--posterior-{sha}"]
    assert "draw" not in pd.read_parquet(tmp_path / "results" / "baseline--point" / "results.parquet").columns


def test_casim_plot_band_noise_draws_the_spread_within_a_draw_and_only_where_it_applies(tmp_path, capsys):
    from casim import figures

    out = tmp_path / "run"
    assert main(["run", "baseline", "--draws", "6", "--replicates", "3", "--seed", "2", "--out", str(out)]) == 0
    df = pd.read_parquet(out / "results.parquet")
    noise = figures.render_figure("trajectories", df, band="noise")
    assert "bands: 50% and 90% of runs, noise only (spread within a draw)" in noise.get_suptitle()
    both = figures.render_figure("trajectories", df)
    assert "bands: 50% and 90% of runs, parameters and noise" in both.get_suptitle()
    argv = ["plot", str(out), "--kind", "trajectories", "--band", "noise", "--out", str(tmp_path / "f")]
    assert main(argv) == 0 and (tmp_path / "f.png").is_file()
    bad = ["plot", str(out), "--kind", "ternary", "--band", "noise", "--out", str(tmp_path / "g")]
    err = one_line_error(main(bad), capsys.readouterr().err)
    assert "--band noise applies to the trajectories and compare figures, not ternary" in err


def test_a_scenario_file_setting_or_shocking_a_drawn_parameter_is_refused_not_silently_replaced(tmp_path, capsys, post):
    from helpers import ROOT

    base = ROOT / "scenarios" / "baseline.yaml"
    own = tmp_path / "own.yaml"
    own.write_text(f"schema: 1\nname: own\nextends: {base}\nmodel: {{temperature: 2.5}}\n")
    err = one_line_error(main(["run", str(own), "--draws", "2", "--out", str(tmp_path / "a")]), capsys.readouterr().err)
    assert "model.temperature: the scenario sets this parameter to 2.5" in err and "--posterior none" in err
    assert str(own) in err and not (tmp_path / "a").exists()
    shocked = tmp_path / "shocked.yaml"
    shocked.write_text(
        f"schema: 1\nname: shocked\nextends: {base}\nshocks:\n  - at: 2025Q1\n    set: {{KAZ.stubbornness: 0.9}}\n"
    )
    err = one_line_error(main(["run", str(shocked), "--out", str(tmp_path / "b")]), capsys.readouterr().err)
    assert "a shock changes KAZ.stubbornness, which the posterior draws" in err
    assert main(["run", str(own), "--posterior", "none", "--replicates", "1", "--out", str(tmp_path / "c")]) == 0
    for name in ("baseline", "sanctions_tighten", "hindcast_2021", "multipolar", "gulf_renewables"):
        post.check_scenario(casim.load_scenario(name))  # the shipped scenarios set none: no error


def test_a_posterior_rewritten_at_the_same_path_is_read_again_and_hashed_as_read(tmp_path, post):
    folder = tmp_path / "fit"
    folder.mkdir()
    post.draws.iloc[:5].to_parquet(folder / "draws.parquet")
    first = posterior.load(str(folder))
    post.draws.iloc[5:9].to_parquet(folder / "draws.parquet")  # a refit written over the first, same session
    second = posterior.load(str(folder))
    assert len(first) == 5 and len(second) == 4
    assert second.sha256() == hashlib.sha256((folder / "draws.parquet").read_bytes()).hexdigest()
    assert first.sha256() != second.sha256()  # each records the draws it was read from
    assert posterior.load(str(folder)) is second  # the same bytes are parsed once


def test_an_unreadable_manifest_beside_the_draws_is_a_one_line_error(tmp_path, capsys, post):
    folder = tmp_path / "fit"
    folder.mkdir()
    post.draws.iloc[:5].to_parquet(folder / "draws.parquet")
    (folder / "manifest.json").write_text("{not json")
    code = main(
        [
            "run",
            "baseline",
            "--posterior",
            str(folder),
            "--draws",
            "2",
            "--replicates",
            "1",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    err = one_line_error(code, capsys.readouterr().err)
    assert "unreadable manifest.json" in err and str(folder / "draws.parquet") in err
    assert not (tmp_path / "o").exists()
