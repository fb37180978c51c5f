"""Bad scenario input: one line naming file, line and key, exit code 2, never a traceback."""

from __future__ import annotations

import textwrap

import pytest
from helpers import one_line_error as assert_one_line_error

from casim.cli import main

BASE = """\
schema: 1
name: t
"""


def run_check(tmp_path, capsys, text: str, name: str = "s.yaml", extra: dict[str, str] | None = None):
    for fname, body in (extra or {}).items():
        (tmp_path / fname).write_text(textwrap.dedent(body))
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    code = main(["check", str(path)])
    err = capsys.readouterr().err
    return code, err, str(path)


def test_malformed_yaml_names_line(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "powers:\n  west: {sanctions: 0.5\nmodel: {}\n")
    assert_one_line_error(code, err)
    assert f"{path}:" in err and "malformed YAML" in err
    line = int(err.split(f"{path}:")[1].split(":")[0])
    assert line == 5  # where the parser found the problem ...
    assert "starts on line 4" in err  # ... and where the unclosed mapping began


def test_unknown_key_names_nearest_valid_key(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "powers:\n  west:\n    sanction: 0.8\n")
    assert_one_line_error(code, err)
    assert f"{path}:5" in err
    assert "powers.west.sanction" in err and "'sanctions'" in err


def test_unknown_top_level_key_suggests(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "replicate: 5\n")
    assert_one_line_error(code, err)
    assert f"{path}:3" in err and "'replicates'" in err


def test_wrong_type_names_key(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "model:\n  noise: lots\n")
    assert_one_line_error(code, err)
    assert f"{path}:4" in err and "model.noise" in err and "'lots'" in err


def test_out_of_range_value_names_key_and_bound(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "states:\n  TKM:\n    stubbornness: 1.5\n")
    assert_one_line_error(code, err)
    assert f"{path}:5" in err and "states.TKM.stubbornness" in err and "1" in err


def test_unknown_state_names_nearest(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "states:\n  KAZX:\n    stubbornness: 0.3\n")
    assert_one_line_error(code, err)
    assert f"{path}:4" in err and "unknown state" in err and "'KAZ'" in err


def test_unknown_power_names_nearest(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "powers:\n  rusia:\n    economy: 0.5\n")
    assert_one_line_error(code, err)
    assert f"{path}:4" in err and "unknown power 'rusia'" in err and "'russia'" in err


def test_unknown_power_in_shock_path(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "shocks:\n  - at: 2024Q1\n    set: {wset.sanctions: 0.9}\n")
    assert_one_line_error(code, err)
    assert f"{path}:4" in err and "'west.sanctions'" in err


def test_shock_date_outside_horizon(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "shocks:\n  - at: 2035Q1\n    set: {west.sanctions: 0.9}\n")
    assert_one_line_error(code, err)
    assert f"{path}:4" in err and "outside the horizon" in err and "2023Q2..2030Q4" in err


def test_shock_value_out_of_range(tmp_path, capsys):
    code, err, path = run_check(
        tmp_path, capsys, BASE + "shocks:\n  - at: 2024Q1\n    set: {region.afghan_threat: 3}\n"
    )
    assert_one_line_error(code, err)
    assert "region.afghan_threat" in err and "out of range" in err


def test_bad_quarter_label(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "start: 2023-01\n")
    assert_one_line_error(code, err)
    assert "2024Q1" in err  # says how to write it


def test_extends_cycle(tmp_path, capsys):
    code, err, path = run_check(
        tmp_path,
        capsys,
        BASE + "extends: b.yaml\n",
        name="a.yaml",
        extra={"b.yaml": "schema: 1\nname: b\nextends: a.yaml\n"},
    )
    assert_one_line_error(code, err)
    assert "cycle" in err and "a.yaml" in err and "b.yaml" in err


def test_extends_missing_file(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "extends: nowhere.yaml\n")
    assert_one_line_error(code, err)
    assert f"{path}:3" in err and "nowhere.yaml" in err


def test_python_tag_is_refused(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "description: !!python/object/apply:os.system ['echo hi']\n")
    assert_one_line_error(code, err)
    assert f"{path}:3" in err and "!!python/object/apply:os.system" in err and "not allowed" in err


def test_missing_file(tmp_path, capsys):
    code = main(["check", str(tmp_path / "absent.yaml")])
    err = capsys.readouterr().err
    assert_one_line_error(code, err)
    assert "absent.yaml" in err and "not found" in err


def test_missing_required_key(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, "schema: 1\n")
    assert_one_line_error(code, err)
    assert "name" in err and "missing" in err


def test_unsupported_schema_version(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, "schema: 2\nname: t\n")
    assert_one_line_error(code, err)
    assert "schema 1" in err


def test_bad_set_override_names_key(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    code = main(["run", str(path), "--set", "west.sanktions=0.8", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert_one_line_error(code, err)
    assert "west.sanktions" in err and "'sanctions'" in err
    assert not (tmp_path / "o").exists()


def test_set_without_equals(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    code = main(["run", str(path), "--set", "west.sanctions", "--out", str(tmp_path / "o")])
    assert_one_line_error(code, capsys.readouterr().err)


def test_new_power_without_exposure_is_refused(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "powers:\n  india: {economy: 1.0}\n")
    assert_one_line_error(code, err)
    assert "india" in err and "exposure" in err


def test_sanctions_target_unknown_power(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "powers:\n  west: {sanctions_target: [rusia]}\n")
    assert_one_line_error(code, err)
    assert "'rusia'" in err and "'russia'" in err


@pytest.mark.parametrize("replicates", ["0", "-3"])
def test_nonpositive_replicates_refused(tmp_path, capsys, replicates):
    path = tmp_path / "s.yaml"
    path.write_text(BASE)
    code = main(["run", str(path), "--replicates", replicates, "--out", str(tmp_path / "o")])
    assert_one_line_error(code, capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


def test_impossible_date_is_a_one_line_error_with_its_line(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "description: 2023-02-30\n")
    assert_one_line_error(code, err)
    assert f"{path}:3" in err and "2023-02-30" in err


def test_key_given_twice_is_refused(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "seed: 1\nseed: 2\n")
    assert_one_line_error(code, err)
    assert f"{path}:4" in err and "'seed' is given twice" in err and f"{path}:3" in err


def test_unhashable_key_is_a_clear_error(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "model: {[1, 2]: 3}\n")
    assert_one_line_error(code, err)
    assert f"{path}:3" in err and "not allowed" not in err


def test_unknown_tie_target_is_named_a_state(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "region:\n  ties:\n    KAZ: {KGZX: 1.0}\n")
    assert_one_line_error(code, err)
    assert "unknown state" in err and "'KGZ'" in err


def test_unknown_channel_is_named_a_channel(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "powers:\n  west:\n    exposure: {KAZ: {tradee: 0.1}}\n")
    assert_one_line_error(code, err)
    assert "unknown channel" in err and "'trade'" in err


def test_a_tie_to_itself_is_refused_with_its_line(tmp_path, capsys):
    code, err, path = run_check(tmp_path, capsys, BASE + "region:\n  ties:\n    KAZ: {KAZ: 1.0}\n")
    assert_one_line_error(code, err)
    assert f"{path}:" in err and "no tie to itself" in err


@pytest.mark.parametrize(
    "text",
    [
        "model: {coupling: .inf}\n",
        "model: {noise: .nan}\n",
        "seed: true\n",
        "shocks:\n  - {at: 2024Q1, set: {west.sanctions: '0.5'}}\n",
        "model: {temperature: 1.0e-310}\n",
    ],
)
def test_non_numbers_infinities_and_tiny_temperatures_are_refused(tmp_path, capsys, text):
    code, err, path = run_check(tmp_path, capsys, BASE + text)
    assert_one_line_error(code, err)
    assert f"{path}:" in err


@pytest.mark.parametrize(
    "text, message",
    [("null: 3\n", "None"), ("1: 3\n", "not a name"), ("x: &a {b: *a}\n", "aliases"), ("powers: [russia]\n", "powers")],
)
def test_odd_yaml_keys_and_aliases_are_one_line_errors(tmp_path, capsys, text, message):
    code, err, path = run_check(tmp_path, capsys, BASE + text)
    assert_one_line_error(code, err)
    assert message in err


@pytest.mark.parametrize("power", ["seed", "powers", "end"])
def test_power_names_that_clash_with_keys_are_refused(tmp_path, capsys, power):
    code, err, path = run_check(
        tmp_path, capsys, BASE + f"powers:\n  {power}:\n    exposure: {{KAZ: {{trade: 0.1}}}}\n"
    )
    assert_one_line_error(code, err)
    assert "power name" in err


@pytest.mark.parametrize(
    "setting, message",
    [("name=2023-02-30", "not a valid date"), ("model.noise.x=1", "cannot set"), ("shocks.0.at=2025Q1", "cannot set")],
)
def test_bad_set_values_are_one_line_errors(tmp_path, capsys, setting, message):
    path = tmp_path / "s.yaml"
    path.write_text(BASE + "model: {noise: 0.1}\nshocks:\n  - {at: 2024Q1, set: {west.sanctions: 0.9}}\n")
    code = main(["run", str(path), "--set", setting, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert_one_line_error(code, err)
    assert message in err


def test_check_reports_every_bad_file_and_still_checks_the_rest(tmp_path, capsys):
    good, bad1, bad2 = tmp_path / "good.yaml", tmp_path / "bad1.yaml", tmp_path / "bad2.yaml"
    good.write_text(BASE)
    bad1.write_text(BASE + "replicate: 5\n")
    bad2.write_text("schema: 1\n")
    code = main(["check", str(bad1), str(good), str(bad2)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"{good}: ok" in out
    assert len(err.strip().splitlines()) == 2 and "bad1.yaml" in err and "bad2.yaml" in err


@pytest.mark.parametrize(
    "argv, says",
    [
        ([], "the following arguments are required: COMMAND"),
        (["frob"], "invalid choice: 'frob'"),
        (["run"], "the following arguments are required: scenario"),
        (["run", "baseline", "--replicates", "x"], "argument --replicates: invalid int value: 'x'"),
        (["sweep", "--workers"], "argument --workers: expected one argument"),
        (["compare", "baseline", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    ],
)
def test_a_usage_error_is_one_line_naming_the_argument_and_where_the_usage_is(argv, says, capsys):
    """argparse's own errors, like every bad input: one line, exit code 2, no usage block."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert says in lines[0] and lines[0].endswith("--help)"), lines[0]
    assert lines[0].startswith("casim")
