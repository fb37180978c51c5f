"""Sweep files and designs: strict validation with one-line errors, and designs made by SALib."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import ROOT
from SALib.sample import latin, morris, sobol

from casim.cli import main
from casim.errors import CasimError
from casim.sweep import load_sweep, make_design
from casim.sweep.design import values as design_values
from casim.sweep.plan import Plan

BASELINE = ROOT / "scenarios" / "baseline.yaml"
EXAMPLES = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


def write_sweep(tmp_path: Path, body: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + body)
    return path


def cli_error(capsys, path: Path, *extra: str) -> str:
    code = main(["sweep", str(path), "--out", str(path.parent / "out"), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1, err
    return err


def test_example_sweeps_validate_and_plan_their_designs():
    assert {p.name for p in EXAMPLES} >= {"china_trade_grid.yaml", "levers_sobol.yaml"}
    methods = set()
    for path in EXAMPLES:
        sw = load_sweep(path)
        d = make_design(sw)
        methods.add(d.method)
        if d.method == "grid":
            assert d.points == int(np.prod([p.levels for p in sw.params]))
        if d.method == "sobol":
            D = len(sw.params)
            assert d.points == sw.design.n * ((2 * D + 2) if sw.design.second_order is not False else (D + 2))
    assert {"grid", "sobol"} <= methods


def test_unknown_parameter_path_names_the_nearest_valid_ones(tmp_path, capsys):
    path = write_sweep(tmp_path, "design: {method: lhs, n: 4}\nparameters:\n  west.sanction: [0, 1]\n")
    err = cli_error(capsys, path)
    assert f"{path}:5" in err and "'west.sanction'" in err and "did you mean 'west.sanctions'" in err


@pytest.mark.parametrize(
    "rng, words",
    [("[0.5, 0.5]", "empty range"), ("[0.9, 0.1]", "inverted range"), ("[0.0, 1.5]", "out of range [0, 1]")],
    ids=["empty", "inverted", "out-of-bounds"],
)
def test_bad_ranges_are_one_line_errors_naming_the_line(tmp_path, capsys, rng, words):
    path = write_sweep(tmp_path, f"design: {{method: lhs, n: 4}}\nparameters:\n  region.afghan_threat: {rng}\n")
    err = cli_error(capsys, path)
    assert words in err and f"{path}:5" in err


def test_unknown_sweep_key_names_the_line_and_nearest_key(tmp_path, capsys):
    path = write_sweep(tmp_path, "design: {method: lhs, n: 4}\nparameters: {west.sanctions: [0, 1]}\nreplicate: 3\n")
    err = cli_error(capsys, path)
    assert f"{path}:5" in err and "unknown key 'replicate'" in err and "did you mean 'replicates'" in err


def test_sobol_sample_size_that_is_not_a_power_of_two_is_refused(tmp_path, capsys):
    path = write_sweep(tmp_path, "design: {method: sobol, n: 100}\nparameters: {west.sanctions: [0, 1]}\n")
    err = cli_error(capsys, path)
    assert "power of 2" in err and "64 or 128" in err


@pytest.mark.parametrize(
    "design, words",
    [
        ("{method: morris, n: 4, num_levels: 3}", "even num_levels"),
        ("{method: morris, n: 4, optimal_trajectories: 6}", "must be below n"),
        ("{method: sobol, n: 8, levels: 3}", "design.levels is not an option of sobol"),
        ("{method: lhs}", "needs design.n"),
        ("{method: grid}", "needs levels"),
    ],
)
def test_designs_the_method_cannot_make_are_refused(tmp_path, capsys, design, words):
    path = write_sweep(
        tmp_path, f"design: {design}\nparameters: {{west.sanctions: [0, 1], russia.economy: [0.5, 1]}}\n"
    )
    assert words in cli_error(capsys, path)


def test_settings_of_the_whole_sweep_cannot_be_swept(tmp_path, capsys):
    path = write_sweep(tmp_path, "design: {method: lhs, n: 4}\nparameters: {end: [1, 2]}\n")
    assert "'end' cannot be swept" in cli_error(capsys, path)


def test_keep_date_outside_the_horizon_is_refused(tmp_path, capsys):
    path = write_sweep(
        tmp_path, "design: {method: lhs, n: 4}\nparameters: {west.sanctions: [0, 1]}\nkeep: {dates: [2031Q4]}\n"
    )
    assert "outside the scenario's horizon 2023Q1..2030Q4" in cli_error(capsys, path)


@pytest.mark.parametrize("method", ["lhs", "sobol", "morris"])
def test_sampled_designs_are_salibs_own_samples(tmp_path, method):
    path = write_sweep(
        tmp_path,
        f"design: {{method: {method}, n: 8, seed: 3}}\nparameters:\n  west.sanctions: [0, 1]\n  russia.economy: [0.4, 1.2]\n",
    )
    d = make_design(load_sweep(path))
    problem = {"num_vars": 2, "names": ["west.sanctions", "russia.economy"], "bounds": [[0.0, 1.0], [0.4, 1.2]]}
    expected = {
        "lhs": lambda: latin.sample(problem, 8, seed=3),
        "sobol": lambda: sobol.sample(problem, 8, calc_second_order=True, scramble=True, seed=3),
        "morris": lambda: morris.sample(problem, 8, num_levels=4, seed=3),
    }[method]()
    assert d.problem == problem
    np.testing.assert_array_equal(d.X, expected)


def test_grid_is_the_full_product_with_the_first_parameter_slowest(tmp_path):
    path = write_sweep(
        tmp_path,
        "design: {method: grid, levels: 3}\nparameters:\n"
        "  west.sanctions: [0, 1]\n  russia.economy: {range: [0.4, 1.2], levels: 2}\n",
    )
    d = make_design(load_sweep(path))
    np.testing.assert_array_equal(d.X, [[0, 0.4], [0, 1.2], [0.5, 0.4], [0.5, 1.2], [1, 0.4], [1, 1.2]])


def test_integer_and_categorical_parameters_decode_to_their_own_values(tmp_path):
    scen = tmp_path / "shocked.yaml"
    scen.write_text(
        f"schema: 1\nname: shocked\nextends: {BASELINE}\n"
        "shocks:\n  - {id: push, at: 2025Q1, ramp: {russia.coercion: 0.8}, over: 4}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(
        f"schema: 1\nscenario: {scen}\ndesign: {{method: lhs, n: 200, seed: 1}}\nparameters:\n"
        "  shocks.push.over: [1, 3]\n"
        "  west.sanctions_target: {values: [[russia], [russia, china]]}\n"
        "  shocks.push.russia.coercion: {values: [0.2, 0.9]}\n"
    )
    sw = load_sweep(path)
    assert [p.kind for p in sw.params] == ["int", "category", "category"]
    assert [p.grouped for p in sw.params] == [True, True, False]
    d = make_design(sw)
    v = design_values(sw, d)
    assert set(v["shocks.push.over"].tolist()) == {1, 2, 3}
    assert set(v["west.sanctions_target"].tolist()) == {0, 1}  # indices into the listed values
    assert set(v["shocks.push.russia.coercion"].tolist()) == {0.2, 0.9}
    assert d.problem["bounds"] == [[1.0, 4.0], [0.0, 2.0], [0.0, 2.0]]


def test_csv_design_rows_are_design_points(tmp_path):
    (tmp_path / "points.csv").write_text("west.sanctions,russia.economy\n0.1,0.5\n0.9,1.1\n0.4,0.8\n")
    path = write_sweep(tmp_path, "design: {method: csv, file: points.csv}\nreplicates: 2\n")
    sw = load_sweep(path)
    d = make_design(sw)
    np.testing.assert_array_equal(d.X, [[0.1, 0.5], [0.9, 1.1], [0.4, 0.8]])


@pytest.mark.parametrize(
    "csv, words",
    [
        ("west.sanction\n0.1\n", "did you mean 'west.sanctions'"),
        ("west.sanctions\n0.1\nlots\n", "points.csv:3, column 'west.sanctions'"),
        ("KAZ.stubbornness\n0.1\n1.7\n", "out of range"),
        ("west.sanctions\n", "no rows"),
    ],
    ids=["unknown-column", "not-a-number", "out-of-bounds", "empty"],
)
def test_bad_csv_designs_are_one_line_errors(tmp_path, capsys, csv, words):
    (tmp_path / "points.csv").write_text(csv)
    path = write_sweep(tmp_path, "design: {method: csv, file: points.csv}\n")
    assert words in cli_error(capsys, path)


def test_loading_a_missing_sweep_file_is_a_casim_error(tmp_path):
    with pytest.raises(CasimError, match="nope.yaml: file not found"):
        load_sweep(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    "cell, words",
    [
        ('"[russia, china"', "is not a YAML list of power names"),
        ('"!!python/object:os.system [ls]"', "is not a YAML list"),
    ],
    ids=["malformed-yaml", "python-tag"],
)
def test_bad_yaml_cells_of_a_csv_design_name_the_file_row_and_column(tmp_path, capsys, cell, words):
    (tmp_path / "points.csv").write_text(f"west.sanctions,west.sanctions_target\n0.1,[russia]\n0.2,{cell}\n")
    path = write_sweep(tmp_path, "design: {method: csv, file: points.csv}\n")
    err = cli_error(capsys, path)
    assert words in err and "points.csv:3, column 'west.sanctions_target'" in err


def test_csv_list_cells_become_categories_in_order_of_appearance(tmp_path):
    (tmp_path / "points.csv").write_text(
        'west.sanctions,west.sanctions_target\n0.1,"[russia, china]"\n0.2,[russia]\n0.3,"[russia, china]"\n'
    )
    sw = load_sweep(write_sweep(tmp_path, "design: {method: csv, file: points.csv}\n"))
    assert sw.params[1].values == (["russia", "china"], ["russia"])
    np.testing.assert_array_equal(make_design(sw).X, [[0.1, 0], [0.2, 1], [0.3, 0]])


@pytest.mark.parametrize(
    "design, points",
    [
        ("{method: sobol, n: 1099511627776}", "6,597,069,766,656 points"),
        ("{method: lhs, n: 1000000000000}", "1,000,000,000,000 points"),
        ("{method: morris, n: 1000000000}", "3,000,000,000 points"),
        ("{method: grid, levels: 1000000000}", "1,000,000,000,000,000,000 points"),
    ],
    ids=["sobol", "lhs", "morris", "grid"],
)
def test_designs_too_large_to_plan_are_refused_before_sampling(tmp_path, capsys, design, points):
    path = write_sweep(
        tmp_path, f"design: {design}\nparameters: {{west.sanctions: [0, 1], russia.economy: [0.5, 1]}}\n"
    )
    err = cli_error(capsys, path)
    assert points in err and "more than 10,000,000" in err


@pytest.mark.parametrize(
    "set_block, line, words",
    [
        ("set: {west.sanction: 0.5}", 3, "set: unknown key 'powers.west.sanction'; did you mean 'sanctions'"),
        (
            "set: {region.afghan_threat: 1.5}",
            3,
            "set: region.afghan_threat: input should be less than or equal to 1 (got 1.5)",
        ),
        ("set:\n  model.noise: 0.01\n  nowhere.x: 1", 5, "set: unknown parameter 'nowhere.x'"),
    ],
    ids=["unknown-key", "out-of-range", "unknown-section"],
)
def test_errors_in_the_set_block_name_the_sweep_files_line(tmp_path, capsys, set_block, line, words):
    path = write_sweep(
        tmp_path, f"{set_block}\ndesign: {{method: lhs, n: 4}}\nparameters: {{russia.economy: [0.5, 1]}}\n"
    )
    err = cli_error(capsys, path)
    assert err.startswith(f"casim: error: {path}:{line}: ") and words in err and "--set" not in err


@pytest.mark.parametrize(
    "body, words",
    [
        ('design: {method: lhs, n: "4"}', "design.n: input should be a valid integer (got '4')"),
        ('design: {method: lhs, n: 4}\nreplicates: "2"', "replicates: input should be a valid integer (got '2')"),
        (
            'design: {method: sobol, n: 4, second_order: "no"}',
            "design.second_order: input should be a valid boolean (got 'no')",
        ),
        ("design: {method: lhs, n: 4.0}", "design.n: input should be a valid integer (got 4.0)"),
    ],
    ids=["n-text", "replicates-text", "bool-text", "n-float"],
)
def test_the_schema_does_not_coerce_values_of_the_wrong_type(tmp_path, capsys, body, words):
    path = write_sweep(tmp_path, f"{body}\nparameters: {{west.sanctions: [0, 1]}}\n")
    assert words in cli_error(capsys, path)


def test_yaml_native_types_pass_the_strict_schema(tmp_path):
    path = write_sweep(
        tmp_path,
        "design: {method: sobol, n: 4, second_order: no, scramble: false, seed: 2}\n"
        "parameters: {west.sanctions: [0, 1]}\nreplicates: 2\nchunk: 3\n",
    )
    sw = load_sweep(path)
    assert (sw.design.n, sw.design.second_order, sw.design.scramble, sw.replicates, sw.chunk) == (4, False, False, 2, 3)


SHOCKED = "schema: 1\nname: shocked\nextends: {base}\nshocks:\n  - {{id: push, at: 2025Q1, ramp: {{russia.coercion: 0.8}}, over: 4}}\n"


def test_shock_durations_are_capped_at_the_horizon(tmp_path, capsys):
    scen = tmp_path / "shocked.yaml"
    scen.write_text(SHOCKED.format(base=BASELINE))
    path = tmp_path / "s.yaml"
    path.write_text(
        f"schema: 1\nscenario: {scen}\ndesign: {{method: lhs, n: 4}}\nparameters:\n  shocks.push.over: [1, 100000]\n"
    )
    assert "shocks.push.over = 100000 is out of range [1, 31]" in cli_error(capsys, path)


def test_the_planner_makes_a_groups_scenario_only_for_the_chunk_that_needs_it(tmp_path):
    scen = tmp_path / "shocked.yaml"
    scen.write_text(SHOCKED.format(base=BASELINE))
    path = tmp_path / "s.yaml"
    path.write_text(
        f"schema: 1\nscenario: {scen}\ndesign: {{method: grid}}\nchunk: 4\nparameters:\n"
        "  shocks.push.over: {range: [1, 31], levels: 31}\n  model.spinup: {values: [10, 20, 30]}\n"
    )
    sw = load_sweep(path)
    plan = Plan(sw, make_design(sw), "ensemble")
    assert len(plan.combos) == 93 and plan._group.cache_info().currsize == 0
    job = plan.job(5)
    assert len(job.groups) == 4 and plan._group.cache_info().currsize == 4
    assert [g.scenario["shocks"][0]["over"] for g in job.groups] == [7, 8, 8, 8]


def test_morris_levels_give_each_value_of_a_discrete_parameter_equal_weight(tmp_path):
    path = write_sweep(
        tmp_path,
        "design: {method: morris, n: 300, seed: 5, num_levels: 6}\nparameters:\n  west.sanctions: [0, 1]\n"
        "  west.sanctions_target: {values: [[russia], [russia, china], [china]]}\n  model.spinup: [10, 12]\n",
    )
    sw = load_sweep(path)
    d = make_design(sw)
    grid = np.arange(6) / 5
    for j, p in enumerate(sw.params[1:3], start=1):
        lo, hi = d.problem["bounds"][j]
        levels = p.decode(lo + grid * (hi - lo))  # what each of the six Morris levels decodes to
        assert np.bincount(levels - levels.min()).tolist() == [2, 2, 2], p.path
        assert set(np.round(d.X[:, j], 12)) <= set(
            np.round(lo + grid * (hi - lo), 12)
        )  # the sample sits on those levels
        counts = np.bincount(p.codes(d.X[:, j]) - (p.low or 0))
        assert counts.min() / counts.max() > 0.85, counts  # 300 trajectories: each value about a third of the points


def test_morris_levels_that_cannot_weigh_values_equally_are_refused(tmp_path, capsys):
    path = write_sweep(
        tmp_path,
        "design: {method: morris, n: 4}\nparameters:\n  west.sanctions_target: {values: [[russia], [russia, china], [china]]}\n",
    )
    err = cli_error(capsys, path)
    assert (
        "num_levels 4 cannot give the 3 values of west.sanctions_target equal weight" in err and "num_levels: 6" in err
    )


def test_morris_spreads_its_levels_over_a_wide_integer_range(tmp_path):
    path = write_sweep(tmp_path, "design: {method: morris, n: 20, seed: 1}\nparameters:\n  model.spinup: [10, 19]\n")
    sw = load_sweep(path)
    d = make_design(sw)
    assert sorted(set(design_values(sw, d)["model.spinup"].tolist())) == [10, 13, 16, 19]


def test_a_sweep_of_more_chunks_than_a_store_holds_is_refused_with_the_chunk_to_use(tmp_path, capsys):
    path = write_sweep(
        tmp_path, "design: {method: lhs, n: 4}\nparameters: {west.sanctions: [0, 1]}\nreplicates: 300000000\n"
    )
    err = cli_error(capsys, path, "--dry-run")
    assert "1,200,000,000 runs make 1,171,875 chunks, more than 1,000,000; set 'chunk' to at least 1,200" in err
