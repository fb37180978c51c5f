"""A newcomer's first hour (issue 12): shipped examples that answer their question, reproducible confidence
intervals, the two kinds of YAML file told apart, and messages that say what to write."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, ROOT, one_line_error
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami
from test_analysis import ISHIGAMI, planted, short, table_from_outputs

import casim
from casim import analysis
from casim.analysis import sensitivity
from casim.cli import main
from casim.errors import CasimError

GRID = ROOT / "scenarios" / "sweeps" / "china_trade_grid.yaml"
SOBOL = ROOT / "scenarios" / "sweeps" / "levers_sobol.yaml"

# -- item 3: the shipped grid crosses a boundary; discovery says when there is none ----------------------


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid") / "store"
    casim.run_sweep(GRID, out=out)
    return casim.read_results(out)


def test_the_shipped_grid_crosses_a_boundary_of_the_state_it_asks_about(grid):
    """Uzbekistan's dominant partner at the horizon is Russia at some design points and China at others."""
    assert "Uzbekistan tip from Russia toward China" in " ".join(GRID.read_text().split())
    last = grid[(grid["date"] == grid["date"].max()) & (grid["state"] == "UZB")]
    modal = last.assign(dominant=last["dominant"].astype(str)).groupby("point")["dominant"].agg(lambda s: s.mode()[0])
    shares = modal.value_counts(normalize=True)
    assert set(shares.index) == {"russia", "china"}
    assert shares.min() >= 0.1, shares  # each partner holds a real part of the design, not a corner
    # China where its trade pull is high and Russia's economy weak: the corner points say so
    china = (last["dominant"].astype(str) == "china").groupby([last["china.trade"], last["russia.economy"]]).mean()
    assert china.loc[(4.0, 0.4)] == 1.0 and china.loc[(1.0, 1.2)] == 0.0


def test_discovery_on_the_shipped_grid_finds_a_box_that_says_something(grid):
    box = analysis.discover(grid, "UZB", "china")
    assert box.warning is None
    assert set(box.restricted) == {"china.trade", "russia.economy"}
    assert 0 < box.mass < 1 and box.density > box.of_interest / box.runs  # denser than the base rate


def test_discovery_warns_when_the_partner_dominates_every_run(grid):
    """Kazakhstan stays West-dominant over the whole grid: the box is the whole design, and the result says so."""
    box = analysis.discover(grid, "KAZ", "west")
    assert box.coverage == box.density == box.mass == 1.0
    assert box.warning is not None and f"in all {box.runs} runs" in box.warning
    assert "never crosses a boundary" in box.warning
    assert box.describe().splitlines()[-1] == f"warning: {box.warning}"


def test_the_discovery_figure_shows_the_warning_of_a_box_that_says_little(grid):
    from casim import figures

    box = analysis.discover(grid, "KAZ", "west")
    fig = figures.discovery_figure(grid, box)
    assert fig.get_suptitle().splitlines()[-1] == f"warning: {box.warning}"
    quiet = figures.discovery_figure(grid, analysis.discover(grid, "UZB", "china"))
    assert "warning" not in quiet.get_suptitle()


def test_discovery_warns_when_no_range_separates_the_runs():
    """A partner dominant in a random half of the runs, whatever the parameters: no box restricts anything."""
    rng = np.random.default_rng(5)
    X = rng.uniform(0, 1, (200, 2))
    hit = rng.uniform(size=200) < 0.5
    shares = np.where(hit[:, None], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2])
    problem = {"num_vars": 2, "names": ["x.a", "x.b"], "bounds": [[0, 1], [0, 1]]}
    df = table_from_outputs(short(), problem, X, shares)
    box = analysis.discover(df, "KAZ", "china", method="cart", max_depth=1, mass_min=0.6, problem=problem)
    assert box.restricted == []  # the premise: with this seed no split of x.a or x.b is kept
    assert box.warning is not None and "restricts no parameter" in box.warning


def test_discovery_with_no_case_of_interest_names_the_partners_that_occur():
    df, problem, _, _ = planted(100)
    with pytest.raises(CasimError, match=r"nothing to discover \(the design gives russia \d+%, china \d+%\)"):
        analysis.discover(df, "KAZ", "west", problem=problem)


# -- item 4: Sobol confidence intervals are reproducible, seed 0 included ---------------------------------


@pytest.mark.parametrize("seed", [0, 7])
def test_sobol_confidence_intervals_repeat_exactly_for_the_same_seed(seed):
    X = sobol_sample.sample(ISHIGAMI, 256, calc_second_order=False, seed=1)
    Y = Ishigami.evaluate(X)
    np.random.seed(1)  # numpy's global state differs between the calls: a bootstrap drawing from it would differ
    a = sensitivity.sobol_indices(ISHIGAMI, Y, X, seed=seed)
    np.random.seed(2)
    b = sensitivity.sobol_indices(ISHIGAMI, Y, X, seed=seed)
    pd.testing.assert_frame_equal(a, b)
    other = sensitivity.sobol_indices(ISHIGAMI, Y, X, seed=seed + 1)
    assert not np.allclose(a["S1_conf"], other["S1_conf"])  # the seed does reach the bootstrap


def test_bootstrap_seeds_are_nonzero_and_distinct():
    seeds = [sensitivity.bootstrap_seed(s) for s in range(50)]
    assert all(s > 0 for s in seeds) and len(set(seeds)) == 50


def small_sobol_sweep(tmp_path, seed: int):
    path = tmp_path / f"sobol_{seed}.yaml"
    path.write_text(
        f"schema: 1\nscenario: {BASELINE}\ndesign: {{method: sobol, n: 16, seed: 3, second_order: false}}\n"
        "parameters:\n  west.sanctions: [0.0, 1.0]\n  china.trade: [1.0, 3.0]\n"
        f"replicates: 1\nseed: {seed}\nkeep: {{dates: [2030Q4]}}\n"
    )
    out = tmp_path / f"store_{seed}"
    casim.run_sweep(path, out=out)
    return out


@pytest.mark.parametrize("seed", [0, 11])
def test_casim_sensitivity_twice_gives_identical_intervals(tmp_path, capsys, seed):
    store = small_sobol_sweep(tmp_path, seed)
    tables = []
    for k in range(2):
        np.random.seed(k)  # as two separate processes would: a different global state each time
        assert main(["sensitivity", str(store), "--state", "UZB", "--out", str(tmp_path / f"s{k}")]) == 0
        tables.append(pd.read_csv(tmp_path / f"s{k}.csv"))
    capsys.readouterr()
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert (tables[0]["S1_conf"] > 0).all()


def test_plot_sensitivity_seeds_its_bootstrap_from_the_sweep_like_casim_sensitivity(tmp_path, capsys, monkeypatch):
    """`casim plot --kind sensitivity` computes the intervals `casim sensitivity` prints: same manifest, same seed."""
    from casim.analysis import inputs

    store = small_sobol_sweep(tmp_path, 11)
    df, manifest = inputs.load_results(store)
    assert sensitivity.bootstrap_seed(11) != sensitivity.bootstrap_seed(0)  # the premise: the seed matters
    seen = []
    real = sensitivity.sobol

    def spy(*args, **kwargs):
        seen.append(kwargs["seed"])
        return real(*args, **kwargs)

    monkeypatch.setattr(sensitivity, "sobol", spy)
    assert main(["sensitivity", str(store), "--state", "UZB", "--out", str(tmp_path / "s")]) == 0
    assert main(["plot", str(store), "--kind", "sensitivity", "--state", "UZB", "--out", str(tmp_path / "f")]) == 0
    capsys.readouterr()
    assert seen == [manifest["seed"], manifest["seed"]] == [11, 11]


# -- item 6: scenario and sweep files told apart -----------------------------------------------------------


def test_checking_a_sweep_file_says_it_is_one_and_which_command_runs_it(capsys):
    line = one_line_error(main(["check", str(GRID)]), capsys.readouterr().err)
    assert "this is a sweep file" in line and f"casim sweep {GRID}" in line
    assert "did you mean" not in line


def test_running_a_sweep_file_as_a_scenario_says_it_is_a_sweep_file(capsys):
    line = one_line_error(main(["run", str(SOBOL), "--out", "unused"]), capsys.readouterr().err)
    assert "this is a sweep file" in line and "casim sweep" in line


@pytest.mark.parametrize("name", ["baseline.yaml", "sanctions_tighten.yaml"])
def test_sweeping_a_scenario_file_says_it_is_one_and_which_command_runs_it(capsys, name):
    path = ROOT / "scenarios" / name
    line = one_line_error(main(["sweep", str(path), "--dry-run"]), capsys.readouterr().err)
    assert "this is a scenario file" in line and f"casim run {path}" in line
    assert "missing required key" not in line


def test_schema_sweep_prints_the_sweep_files_json_schema(capsys):
    assert main(["schema", "--sweep"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "casim sweep"
    assert {"scenario", "design", "parameters", "replicates", "seed", "keep"} <= set(schema["properties"])
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "casim scenario"


# -- item 8: shocks and dates that say what to write; the manifest as given and typed ----------------------


def scenario_file(tmp_path, shock: str):
    path = tmp_path / "s.yaml"
    path.write_text(f"schema: 1\nname: s\nextends: {BASELINE}\nshocks:\n  - {shock}\n")
    return path


@pytest.mark.parametrize("kind", ["ramp", "pulse"])
def test_a_ramp_or_pulse_without_over_is_an_error_naming_the_key(tmp_path, capsys, kind):
    path = scenario_file(tmp_path, f"{{at: 2025Q1, {kind}: {{west.sanctions: 0.9}}}}")
    line = one_line_error(main(["check", str(path)]), capsys.readouterr().err)
    assert f"{path}:5" in line and f"a {kind} needs 'over'" in line


def test_a_set_needs_no_over_and_a_ramp_with_over_runs_over_it(tmp_path):
    sc = casim.load_scenario(scenario_file(tmp_path, "{at: 2025Q1, ramp: {west.sanctions: 0.9}, over: 3}"))
    (shock,) = [s for s in sc.shocks if s.kind == "ramp" and s.path == "west.sanctions" and s.value == 0.9]
    assert shock.over == 3
    sc = casim.load_scenario(scenario_file(tmp_path, "{at: 2025Q1, set: {west.sanctions: 0.9}}"))
    assert any(s.kind == "set" and s.value == 0.9 for s in sc.shocks)


@pytest.mark.parametrize(
    "date, quarter", [("2025-04-01", "2025Q2"), ("2025-03-31", "2025Q1"), ("2026-12-01", "2026Q4")]
)
def test_a_calendar_date_says_to_write_the_quarter(tmp_path, capsys, date, quarter):
    path = scenario_file(tmp_path, f"{{at: {date}, set: {{west.sanctions: 0.9}}}}")
    line = one_line_error(main(["check", str(path)]), capsys.readouterr().err)
    assert f"{path}:5" in line and "shocks.0.at" in line and f"write it like {quarter}" in line


def test_the_manifest_stores_the_path_as_given_and_set_values_typed(tmp_path, monkeypatch, capsys):
    work = tmp_path / "work"
    (work / "sc").mkdir(parents=True)
    (work / "sc" / "b.yaml").write_bytes(BASELINE.read_bytes())
    monkeypatch.chdir(work)
    argv = ["run", "sc/b.yaml", "--replicates", "1", "--out", "out"]
    argv += [
        "--set",
        "west.sanctions=0.8",
        "--set",
        "west.sanctions_target=[russia, china]",
        "--set",
        "model.spinup=10",
    ]
    assert main(argv) == 0
    capsys.readouterr()
    m = json.loads((work / "out" / "manifest.json").read_text())
    assert m["scenario"]["source"] == os.path.join("sc", "b.yaml")
    digest = m["scenario_file_sha256"]
    assert m["scenario_files_sha256"] == {os.path.join("sc", "b.yaml"): digest} == m["scenario"]["files"]
    assert m["scenario"]["overrides"] == [
        ["west.sanctions", 0.8],
        ["west.sanctions_target", ["russia", "china"]],
        ["model.spinup", 10],
    ]


def test_a_file_outside_the_working_directory_keeps_its_absolute_path(tmp_path, monkeypatch, capsys):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert main(["run", str(BASELINE), "--replicates", "1", "--out", "out"]) == 0
    capsys.readouterr()
    m = json.loads((tmp_path / "here" / "out" / "manifest.json").read_text())
    assert m["scenario"]["source"] == str(BASELINE.resolve())


def test_a_bad_quarter_is_still_refused(tmp_path):
    with pytest.raises(CasimError, match="write it like 2024Q1"):
        casim.load_scenario(scenario_file(tmp_path, "{at: 2025Q5, set: {west.sanctions: 0.9}}"))
