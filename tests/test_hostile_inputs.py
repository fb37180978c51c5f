"""Hostile inputs: every class of bad input is a one-line error at load, never a traceback, a hang or a wrong table.

Each test holds one guarantee of docs/reliability.md ("Inputs"): reserved column names, valid scenario and sweep
names, no empty ``--set`` value, only regular files of bounded size, bounded nesting and ``extends`` chains, and
one-line errors for corrupt tables, full disks and symlink loops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import BASELINE, one_line_error

import casim
from casim import columns, results, yamlfile
from casim.analysis.compare import combine
from casim.analysis.sensitivity import one_at_a_time
from casim.cli import main
from casim.errors import CasimError
from casim.scenario import MAX_EXTENDS, load_scenario
from casim.sweep import csv_design

SHORT = "end: 2023Q3\nreplicates: 2\n"  # a two-step horizon: every run here takes milliseconds


class Hang(BaseException):
    """Raised by the alarm: a BaseException, so no ``except Exception`` inside casim swallows it."""


@contextlib.contextmanager
def no_hang(seconds: float = 60):
    """Fail (instead of blocking the suite) if the block has not returned after ``seconds``."""

    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s: casim blocked on an input")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    with no_hang():
        code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def scenario(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"schema: 1\nextends: {BASELINE}\n{SHORT}{body}")
    return path


NEW_POWER = "    exposure: {KAZ: {trade: 0.1}}\n"  # a power not in the data must give an exposure


# ---------------------------------------------------------------------------
# 1. a power may not take the name of a table column


@pytest.mark.parametrize("power", sorted(columns.RESERVED))
def test_a_power_named_like_a_table_column_is_a_one_line_error_naming_file_line_and_key(tmp_path, capsys, power):
    path = scenario(tmp_path, f"name: clash\npowers:\n  {power}:\n{NEW_POWER}")
    code, out, err = cli(capsys, "run", path, "--out", tmp_path / "out")
    line = one_line_error(code, err)
    assert f"{path}:7: powers.{power}: " in line  # the file, the power's line, the key
    assert "reserved: " + ", ".join(sorted(columns.RESERVED)) in line
    assert not (tmp_path / "out").exists()


def test_every_non_power_column_of_every_table_kind_is_reserved(tmp_path):
    """Runs, one-at-a-time sensitivity, comparisons, and sweep stores with trajectories and with summaries: whatever
    a table adds beside the power columns and the swept parameters is in columns.RESERVED."""
    base = load_scenario(BASELINE, {"end": "2023Q3"})
    params = ["west.sanctions", "russia.economy"]
    tables = {
        "run": casim.run(base, replicates=2, seed=0, posterior=None),
        "one at a time": one_at_a_time(base, {"west.sanctions": (0.0, 1.0)}, replicates=1, seed=0),
    }
    tables["comparison"] = combine(
        [tables["run"], casim.run(base.with_values(name="other"), replicates=2, seed=0, posterior=None)]
    )
    for keep in ("trajectories", "{dates: [2023Q3]}"):
        sweep = tmp_path / f"sweep{len(tables)}.yaml"
        sweep.write_text(
            f"schema: 1\nscenario: {BASELINE}\nset: {{end: 2023Q3}}\ndesign: {{method: grid, levels: 2}}\n"
            f"parameters: {{west.sanctions: [0.0, 1.0], russia.economy: [0.5, 1.0]}}\nkeep: {keep}\n"
        )
        casim.run_sweep(sweep, out=tmp_path / sweep.stem)
        tables[f"sweep keeping {keep}"] = casim.read_results(tmp_path / sweep.stem)
    assert "dominant" in tables["sweep keeping {dates: [2023Q3]}"].columns  # the summaries table was built
    for kind, df in tables.items():
        own = set(df.columns) - set(base.powers) - set(params)
        assert own <= columns.RESERVED, f"{kind}: {sorted(own - columns.RESERVED)} not reserved"
        assert set(base.powers).isdisjoint(columns.RESERVED)
        shares = df[list(base.powers)].sum(axis=1).to_numpy()
        np.testing.assert_allclose(shares, 1.0, atol=1e-9, err_msg=kind)  # each row is a split of alignment


def test_the_table_builder_refuses_to_write_a_column_twice():
    class Labels:
        name, states, powers = "x", ("KAZ",), ("russia", "state")

        def dates(self):
            return ["2023Q1"]

    with pytest.raises(CasimError, match="column 'state' would be written twice"):
        results.table(Labels(), np.full((1, 1, 1, 2), 0.5), np.array([0]))
    Labels.powers = ("russia", "west")
    with pytest.raises(CasimError, match="column 'west' would be written twice"):
        results.table(Labels(), np.full((1, 1, 1, 2), 0.5), np.array([0]), extra={"west": np.array([1.0])})


def test_a_power_named_dominant_in_a_sweep_is_a_one_line_error(tmp_path, capsys):
    scen = scenario(tmp_path, f"name: clash\npowers:\n  dominant:\n{NEW_POWER}")
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"schema: 1\nscenario: {scen}\ndesign: {{method: grid, levels: 2}}\n"
        "parameters: {west.sanctions: [0.0, 1.0]}\nkeep: {dates: [2023Q3]}\n"
    )
    code, _, err = cli(capsys, "sweep", sweep, "--out", tmp_path / "store")
    assert "powers.dominant: power name 'dominant' is taken by a column" in one_line_error(code, err)
    assert not (tmp_path / "store").exists()


# ---------------------------------------------------------------------------
# 2. scenario and sweep names


BAD_NAMES = {
    "NUL": '"a\\0b"',
    "line break": '"a\\nb"',
    "tab": '"a\\tb"',
    "line separator": '"a\\u2028b"',
    "slash": "a/b",
    "backslash": '"a\\\\b"',
    "dot first": ".hidden",
    "dots": '".."',
    "blank": '"  "',
    "too long": "x" * 101,
}


@pytest.mark.parametrize("what", sorted(BAD_NAMES))
def test_an_invalid_scenario_name_is_a_one_line_error_at_its_line(tmp_path, capsys, what):
    path = scenario(tmp_path, f"name: {BAD_NAMES[what]}\n")
    code, _, err = cli(capsys, "check", path)
    line = one_line_error(code, err)
    assert line.startswith(f"casim: error: {path}:5: name ") and columns.NAME_RULE in line


@pytest.mark.parametrize("what", sorted(BAD_NAMES))
def test_an_invalid_sweep_name_is_a_one_line_error_at_its_line(tmp_path, capsys, what):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"schema: 1\nname: {BAD_NAMES[what]}\nscenario: {BASELINE}\ndesign: {{method: grid, levels: 2}}\n"
        "parameters: {west.sanctions: [0.0, 1.0]}\n"
    )
    code, _, err = cli(capsys, "sweep", sweep, "--dry-run")
    line = one_line_error(code, err)
    assert line.startswith(f"casim: error: {sweep}:2: name: ") and columns.NAME_RULE in line


def test_a_name_set_on_the_command_line_is_checked_too(tmp_path, capsys):
    code, _, err = cli(capsys, "run", "baseline", "--set", "name=../../etc", "--out", tmp_path / "out")
    assert "name '../../etc': the name holds a path separator" in one_line_error(code, err)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["Baseline 2030 (v2)", "Ürümqi–west", "x" * 100, "a.b"])
def test_valid_names_load(tmp_path, name):
    assert load_scenario(scenario(tmp_path, f"name: {name!r}\n")).name == name


# ---------------------------------------------------------------------------
# 5. an empty --set value is an error, not "use the default"


@pytest.mark.parametrize("item", ["west.sanctions=", "west.sanctions=   ", "name="])
def test_an_empty_set_value_is_a_one_line_error_and_writes_nothing(tmp_path, capsys, item):
    key = item.split("=")[0]
    code, _, err = cli(capsys, "run", "baseline", "--set", item, "--out", tmp_path / "out")
    assert one_line_error(code, err) == (
        f"casim: error: --set {key}: empty value; write KEY=VALUE (leave the key out to keep the scenario's own value)"
    )
    assert not (tmp_path / "out").exists()


def test_an_empty_value_under_a_sweeps_set_names_its_line(tmp_path, capsys):
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(
        f"schema: 1\nscenario: {BASELINE}\nset:\n  west.sanctions:\ndesign: {{method: grid, levels: 2}}\n"
        "parameters: {russia.economy: [0.5, 1.0]}\n"
    )
    code, _, err = cli(capsys, "sweep", sweep, "--dry-run")
    assert one_line_error(code, err).startswith(f"casim: error: {sweep}:4: set: empty value")


def test_the_scenario_files_own_value_is_what_a_missing_set_keeps(tmp_path):
    path = scenario(tmp_path, "name: own\npowers: {west: {sanctions: 0.25}}\n")
    assert load_scenario(path).values["west.sanctions"] == 0.25
    with pytest.raises(CasimError, match="empty value"):
        load_scenario(path, [("west.sanctions", "")])


# ---------------------------------------------------------------------------
# 6. only regular files of bounded size are read


def special(tmp_path: Path, kind: str) -> Path:
    """A path that is not a regular file: a FIFO, a socket, /dev/zero or a directory."""
    if kind == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)
        return path
    if kind == "socket":
        path = tmp_path / "sock"
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(path))
        s.close()
        return path
    return Path("/dev/zero") if kind == "device" else tmp_path


KINDS = {"fifo": "a FIFO (named pipe)", "socket": "", "device": "a character device", "dir": "a directory"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_special_file_as_scenario_extends_target_or_design_is_an_error_not_a_hang(tmp_path, capsys, kind):
    target = special(tmp_path, kind)
    why = f"it is {KINDS[kind]}; casim reads regular files only" if KINDS[kind] else "cannot read"
    code, _, err = cli(capsys, "check", target)
    assert why in one_line_error(code, err) and str(target) in err

    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {target}\nname: child\n")
    code, _, err = cli(capsys, "check", child)
    assert why in one_line_error(code, err)

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"schema: 1\nscenario: {BASELINE}\ndesign: {{method: csv, file: {target}}}\n")
    code, _, err = cli(capsys, "sweep", sweep, "--dry-run")
    assert why in one_line_error(code, err) and "design file" in err


def test_a_scenario_larger_than_the_cap_is_refused_without_reading_it(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:  # sparse: takes no disk
        f.truncate(yamlfile.MAX_YAML_BYTES + 1)
    code, _, err = cli(capsys, "check", big)
    assert one_line_error(code, err) == f"casim: error: {big}: file is larger than casim reads (16 MB)"


def test_a_design_file_larger_than_the_cap_is_refused(tmp_path, capsys):
    design = tmp_path / "design.csv"
    with design.open("wb") as f:
        f.truncate(csv_design.MAX_CSV_BYTES + 1)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text(f"schema: 1\nscenario: {BASELINE}\ndesign: {{method: csv, file: {design}}}\n")
    code, _, err = cli(capsys, "sweep", sweep, "--dry-run")
    assert one_line_error(code, err) == f"casim: error: {design}: design file is larger than casim reads (256 MB)"


def test_a_file_that_grows_past_the_cap_while_read_is_cut_off(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert yamlfile.read_bytes(path, limit=100) == b"x" * 100
    with pytest.raises(CasimError, match="larger than casim reads"):
        yamlfile.read_bytes(path, limit=99)


# ---------------------------------------------------------------------------
# 10. one line, never a traceback


def test_a_symlink_loop_as_scenario_or_in_extends_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    code, _, err = cli(capsys, "check", tmp_path / "a.yaml")
    assert one_line_error(code, err) == f"casim: error: {tmp_path / 'a.yaml'}: cannot read file: a symbolic link loop"
    child = tmp_path / "child.yaml"
    child.write_text("extends: a.yaml\nname: child\n")
    code, _, err = cli(capsys, "check", child)
    assert "a.yaml: cannot read file: a symbolic link loop" in one_line_error(code, err)


def test_an_extends_chain_longer_than_the_cap_is_a_one_line_error(tmp_path, capsys):
    n = max(MAX_EXTENDS + 1, sys.getrecursionlimit())  # past the cap and past Python's recursion limit
    for i in range(n):
        body = f"extends: f{i + 1}.yaml\n" if i < n - 1 else f"schema: 1\nname: deep\n{SHORT}"
        (tmp_path / f"f{i}.yaml").write_text(body)
    code, _, err = cli(capsys, "check", tmp_path / "f0.yaml")
    last = tmp_path / f"f{MAX_EXTENDS - 1}.yaml"
    assert one_line_error(code, err) == f"casim: error: {last}: 'extends' chains more than {MAX_EXTENDS} files"
    # a chain of exactly the cap loads
    assert load_scenario(tmp_path / f"f{n - MAX_EXTENDS}.yaml").name == "deep"


def test_an_extends_cycle_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\nname: b\n")
    code, _, err = cli(capsys, "check", tmp_path / "a.yaml")
    assert "'extends' makes a cycle: a.yaml -> b.yaml -> a.yaml" in one_line_error(code, err)


@pytest.mark.parametrize("depth", [yamlfile.MAX_DEPTH + 1, 100_000])
def test_deeply_nested_yaml_is_a_one_line_error(tmp_path, capsys, depth):
    path = tmp_path / "deep.yaml"
    path.write_text("schema: 1\nname: deep\nmodel: " + "[" * depth + "]" * depth + "\n")
    code, _, err = cli(capsys, "check", path)
    assert f"mappings and lists nest more than {yamlfile.MAX_DEPTH} deep" in one_line_error(code, err)


def test_deeply_nested_set_value_is_a_one_line_error(capsys):
    code, _, err = cli(capsys, "check", "baseline")
    assert code == 0
    code, _, err = cli(capsys, "run", "baseline", "--set", "west.sanctions=" + "[" * 100_000)
    assert "cannot read this value: it nests too deeply" in one_line_error(code, err)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("schema: 1\nname: a\x00b\n", 2, "malformed YAML: character #x0000"),
        ("schema: 1\n\x07name: x\n", 2, "malformed YAML: character #x0007"),
        ("schema: 1\nname: x\nseed: \xff\n", 3, "not UTF-8 text (byte 0xc3)"),
    ],
)
def test_control_characters_and_bad_encodings_are_one_line_errors_with_their_line(tmp_path, capsys, text, line, words):
    path = tmp_path / "bad.yaml"
    path.write_bytes(text.encode("utf-8") if "\xff" not in text else text.encode("latin-1"))
    code, _, err = cli(capsys, "check", path)
    assert one_line_error(code, err).startswith(f"casim: error: {path}:{line}: {words.replace('0xc3', '0xff')}")


@pytest.mark.parametrize("year", ["0999Q1", "0001Q4", "0000Q1"])
def test_a_year_before_1000_is_an_error_at_its_key(tmp_path, capsys, year):
    path = tmp_path / "old.yaml"
    path.write_text(f"schema: 1\nname: old\nstart: {year}\nend: 2030Q4\n")
    code, _, err = cli(capsys, "check", path)
    assert one_line_error(code, err) == f"casim: error: {path}:3: start {year}: the year must be from 1000 to 9999"
    path.write_text(f"schema: 1\nname: old\nstart: 1000Q1\nend: {year}\n")
    code, _, err = cli(capsys, "check", path)
    assert f"{path}:4: end {year}: the year must be from 1000 to 9999" in one_line_error(code, err)


@pytest.mark.parametrize(
    "content", [b"", b"PAR1", b"PAR1" + bytes(range(256)) * 4 + b"PAR1", b"not a table at all\n\x00\x01"]
)
def test_a_corrupt_results_file_given_to_plot_is_a_one_line_error(tmp_path, capsys, content):
    bad = tmp_path / "results.parquet"
    bad.write_bytes(content)
    code, _, err = cli(capsys, "plot", bad)
    assert one_line_error(code, err).startswith(f"casim: error: {bad}: not a readable results table: ")
    with pytest.raises(CasimError, match="not a readable results table"):
        casim.read_results(tmp_path)


def test_a_truncated_parquet_written_by_casim_is_a_one_line_error(tmp_path, capsys):
    df = casim.run(load_scenario(BASELINE, {"end": "2023Q3"}), replicates=1, posterior=None)
    path = results.write(df, df.attrs["manifest"], tmp_path / "out")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    code, _, err = cli(capsys, "plot", tmp_path / "out")
    assert "not a readable results table" in one_line_error(code, err)


def test_a_fifo_given_as_results_is_an_error_not_a_hang(tmp_path, capsys):
    fifo = tmp_path / "results.parquet"
    os.mkfifo(fifo)
    code, _, err = cli(capsys, "plot", fifo)
    assert one_line_error(code, err).startswith(f"casim: error: {fifo}: not a regular file")


def test_a_fifo_as_the_manifest_beside_a_results_table_is_an_error_not_a_hang(tmp_path, capsys):
    out = tmp_path / "run"
    code, _, _ = cli(capsys, "run", "baseline", "--replicates", "1", "--out", out)
    assert code == 0
    (out / "manifest.json").unlink()
    os.mkfifo(out / "manifest.json")
    code, _, err = cli(capsys, "plot", out / "results.parquet", "--kind", "trajectories")
    line = one_line_error(code, err)
    assert (
        line.startswith(f"casim: error: {out / 'manifest.json'}: ") and "FIFO" in line and "regular files only" in line
    )


@pytest.mark.parametrize("command", [["check", "baseline"], ["schema"]])
def test_stdout_on_a_full_disk_is_a_one_line_error_exit_2(command):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "casim", *command], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120
        )
    assert one_line_error(proc.returncode, proc.stderr) == (
        "casim: error: cannot write the output: No space left on device"
    )


def test_an_unreadable_file_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("schema: 1\nname: x\n")
    path.chmod(0)
    if os.access(path, os.R_OK):
        pytest.skip("running as root: permissions do not apply")
    code, _, err = cli(capsys, "check", path)
    assert one_line_error(code, err) == f"casim: error: {path}: cannot read file: permission denied"


def test_a_nul_in_a_path_is_a_one_line_error(tmp_path):
    with pytest.raises(CasimError, match="a path cannot hold a NUL character"):
        load_scenario(str(tmp_path / "a\0b.yaml"))
    child = tmp_path / "child.yaml"
    child.write_text('extends: "a\\0b.yaml"\nname: child\n')
    with pytest.raises(CasimError, match=f"{child}:1: 'extends' must be a file path"):
        load_scenario(child)


def test_a_line_break_in_a_file_name_still_gives_one_line(tmp_path, capsys):
    for command in ("check", "run"):
        code, _, err = cli(capsys, command, tmp_path / "a\nb.yaml")
        line = one_line_error(code, err)  # the reader shows the name's repr; the CLI joins any line left
        assert line.startswith(f"casim: error: {tmp_path}") or line.startswith(f"casim: error: '{tmp_path}")
        assert line.endswith("b.yaml: file not found") or line.endswith("b.yaml': file not found")


def test_pyyaml_messages_that_span_lines_are_joined_into_one():
    with pytest.raises(CasimError) as e:
        yamlfile.value("!!python/object:os.system ls")
    assert "\n" not in str(e.value) and "cannot read this value" in str(e.value)
