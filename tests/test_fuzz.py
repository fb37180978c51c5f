"""Fuzzing the command line: random scenario and sweep files, ``--set`` strings and odd file types.

Documents are built from the schemas' own keys (``casim.scenario.json_schema()`` and the sweep file's schema) with
values that fit and near-misses that do not (wrong types, out-of-range numbers, reserved or misspelt names, control
characters, impossible quarters), and the file handed to casim is sometimes not a document at all (a FIFO,
``/dev/zero``, a directory, a symlink loop, binary bytes, a truncated document). Every command either succeeds with a
consistent result, or exits 2 with exactly one line on stderr starting ``casim: error:``; never a traceback, and never
a hang (each example runs under an alarm).

The example count comes from ``CASIM_FUZZ_EXAMPLES`` (default 50 per command: about 20 s for the file here); the
longer run on demand::

    CASIM_FUZZ_EXAMPLES=2000 python3 -m pytest tests/test_fuzz.py -q -p no:cacheprovider
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from helpers import BASELINE, one_line_error
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_hostile_inputs import no_hang

import casim
from casim import columns
from casim.cli import main
from casim.scenario import json_schema, load_scenario, parse_set
from casim.sweep.schema import SweepFile

EXAMPLES = int(os.environ.get("CASIM_FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    derandomize=True,
    max_examples=EXAMPLES,
    deadline=None,  # timing is never asserted; a hang is caught by the alarm instead
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SCENARIO_SCHEMA = json_schema()
SWEEP_SCHEMA = SweepFile.model_json_schema(by_alias=True)

QUARTERS = ["2023Q1", "2023Q2", "2023Q3", "2024Q1", "2025Q4"]  # valid dates with short horizons: fast runs
BAD_QUARTERS = ["0999Q1", "0000Q1", "2024Q5", "2024q1", "24Q1", "", "2024-01-01", " 2024Q1", "２０２４Q1"]
PATHS = ["west.sanctions", "russia.economy", "model.noise", "KAZ.stubbornness", "region.integration", "west.sanction"]
NAMES = ["fz", "fuzz scenario", "a/b", ".x", "a\x00b", "a\nb", "x" * 101, "  ", "Ürümqi"]
POWERS = ["west", "russia", "china", "newpower", "West", "KAZ", "model", *sorted(columns.RESERVED)]
ODD_KEYS = ["", "schemas", "nme", "powers ", "1", "x.y"]

TEXT = st.text(st.characters(codec="utf-8"), max_size=8)  # control characters, NUL and line breaks included
NEAR_MISS = st.sampled_from([None, True, "0.5", "1", -1, 2**70, 1.5, [], {}, "nan", math.nan, math.inf, "x"])


def _deref(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _string(title: str) -> st.SearchStrategy:
    if title in ("Start", "End", "At"):
        return st.sampled_from(QUARTERS) | st.sampled_from(BAD_QUARTERS)
    if title in ("Name", "Id"):
        return st.sampled_from(NAMES) | TEXT
    return TEXT


KEEP = st.sampled_from(["trajectories", {"dates": ["2023Q3"]}, {"dates": ["2023Q2", "2023Q3"]}, {"dates": []}, "all"])


def _object(schema: dict, node: dict, depth: int) -> st.SearchStrategy:
    props = node.get("properties", {})
    extra = node.get("additionalProperties")
    keys = list(props) + ODD_KEYS[:2]
    if isinstance(extra, dict) and extra.get("$ref", "").endswith("PowerSpec"):
        keys = POWERS
    elif isinstance(extra, dict) and extra.get("type") == "number" or extra is True:
        keys = PATHS

    def build(chosen: list[str]) -> st.SearchStrategy:
        values = {}
        for k in chosen:
            if k in props:
                values[k] = value(schema, props[k], depth + 1)
            elif isinstance(extra, dict):
                values[k] = value(schema, extra, depth + 1)
            else:
                values[k] = _parameter_values() if extra is True else NEAR_MISS
        return st.fixed_dictionaries(values)

    return st.lists(st.sampled_from(keys), unique=True, max_size=4).flatmap(build)


def _parameter_values() -> st.SearchStrategy:
    """What a sweep's ``parameters:`` or ``set:`` entry holds: a range, listed values, or a near-miss."""
    return st.one_of(
        st.sampled_from(
            [[0.0, 1.0], [0.5, 1.2], [1.0, 0.0], {"values": [0.1, 0.9]}, {"range": [0.0, 1.0], "levels": 2}]
        ),
        st.sampled_from([0.5, "0.5", [0, 1, 2], {"values": []}, {"range": [0, 1], "levels": 1}, None, ""]),
    )


def value(schema: dict, node: dict, depth: int = 0) -> st.SearchStrategy:
    """Values of a schema node: ones that fit and near-misses; below 6 levels, scalars only."""
    node = _deref(schema, node)
    if depth > 6:
        return NEAR_MISS
    if "anyOf" in node:
        return st.one_of([value(schema, n, depth) for n in node["anyOf"]])
    if "const" in node:
        return st.just(node["const"]) | NEAR_MISS
    if "enum" in node:
        return st.sampled_from(node["enum"]) | NEAR_MISS
    kind = node.get("type")
    lo = node.get("minimum", node.get("exclusiveMinimum", -1))
    if kind == "integer":
        fits: st.SearchStrategy = st.integers(lo, lo + 4)  # small: a sweep's n, levels or chunk stays tiny
    elif kind == "number":
        fits = st.floats(lo, node.get("maximum", lo + 3), allow_nan=False)
    elif kind == "string":
        fits = _string(node.get("title", ""))
    elif kind == "boolean":
        fits = st.booleans()
    elif kind == "null":
        return st.none()
    elif kind == "array":
        fits = st.lists(value(schema, node.get("items", {}), depth + 1), max_size=2)
    elif kind == "object":
        fits = _object(schema, node, depth)
    else:  # no type: a sweep's keep
        fits = KEEP if node.get("title") == "Keep" else _parameter_values()
    return st.one_of(fits, fits, fits, fits, fits, NEAR_MISS)  # mostly values that fit


def document(schema: dict, required: dict) -> st.SearchStrategy:
    """A document of the schema's top-level keys; ``required`` usually present (else almost everything fails early)."""
    body = _object(schema, schema, 0)
    return st.tuples(body, st.sampled_from([True] * 5 + [False])).map(lambda d: {**required, **d[0]} if d[1] else d[0])


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data) -> bool:  # a value drawn twice is written twice, not as an alias
        return True


SCENARIOS = document(SCENARIO_SCHEMA, {"schema": 1, "name": "fz", "end": "2023Q3"})
SETS = st.lists(
    st.tuples(st.sampled_from([*PATHS, "name", "end", "seed", "newpower.economy", "", "west"]), TEXT).map(
        lambda kv: f"{kv[0]}={kv[1]}"
    )
    | st.sampled_from(["west.sanctions=", "west.sanctions=[[[[", "name=a/b", "end=0999Q1", "noequals", "seed=-1"]),
    max_size=2,
)
FILE_KINDS = ["document"] * 6 + ["fifo", "dir", "dev_zero", "dev_null", "loop", "missing", "empty", "binary", "cut"]


def place(folder: Path, kind: str, doc: dict, name: str = "doc.yaml") -> Path:
    """Where casim is pointed: the document as YAML, or an odd file in its place."""
    path = folder / name
    text = yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    if kind == "document":
        path.write_text(text, encoding="utf-8")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dir":
        path.mkdir()
    elif kind in ("dev_zero", "dev_null"):
        path.symlink_to("/dev/zero" if kind == "dev_zero" else "/dev/null")
    elif kind == "loop":
        path.symlink_to(path)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 3)
    elif kind == "cut":
        path.write_text(text[: len(text) // 2] + "\x00" + text[len(text) // 2 :], encoding="utf-8")
    return path  # "missing": nothing there


def invoke(*argv) -> tuple[int, str, str]:
    """``casim.cli.main`` in this process, its stdout and stderr captured; an exception escaping it fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with no_hang(30), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def refused_or(code: int, err: str) -> bool:
    """True if the command succeeded; else assert it is exactly one ``casim: error:`` line with exit 2."""
    if code == 0:
        event("ok")
        return True
    message = one_line_error(code, err).removeprefix("casim: error: ")
    if message.startswith(("/", "'/")):  # drop the file (and line) it names
        message = message.split(": ", 1)[-1]
    event("refused: " + message[:40])  # --hypothesis-show-statistics tallies them
    return False


def check_table(df, powers) -> None:
    """A consistent results table: the power columns are none of casim's own, and each row's shares sum to 1."""
    assert not set(powers) & columns.RESERVED
    cols = list(df.columns)
    assert cols[: len(columns.CORE_COLUMNS)] == list(columns.CORE_COLUMNS)
    assert cols[cols.index("state") + 1 : cols.index("hedging")] == list(powers)
    np.testing.assert_allclose(df[list(powers)].sum(axis=1).to_numpy(), 1.0, atol=1e-9)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(doc=SCENARIOS, kind=st.sampled_from(FILE_KINDS))
def test_check_accepts_or_refuses_any_scenario_file_in_one_line(scratch, doc, kind):
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        path = place(Path(tmp), kind, doc)
        code, out, err = invoke("check", path)
        if refused_or(code, err):
            sc = load_scenario(path)
            assert out.startswith(f"{path}: ok ({sc.name}: {sc.start}..{sc.end}, {len(sc.powers)} powers")
            assert columns.name_problem(sc.name) is None and not set(sc.powers) & columns.RESERVED


@FUZZ
@given(doc=SCENARIOS, kind=st.sampled_from(FILE_KINDS), sets=SETS, extends=st.booleans())
def test_run_writes_a_consistent_table_or_refuses_in_one_line(scratch, doc, kind, sets, extends):
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        if extends and kind == "document":
            doc = {**doc, "extends": str(BASELINE)}
        path = place(Path(tmp), kind, doc)
        out = Path(tmp) / "out"
        code, _, err = invoke("run", path, "--replicates", "1", "--out", out, *(f"--set={s}" for s in sets))
        if refused_or(code, err):
            df = casim.read_results(out)
            sc = load_scenario(path, parse_set(sets))
            check_table(df, sc.powers)
            assert set(df["scenario"].astype(str)) == {sc.name}
        else:
            assert not (out / "results.parquet").exists()  # no result, not a half-written one


DESIGNS = [
    {"method": "grid", "levels": 2},
    {"method": "lhs", "n": 3},
    {"method": "sobol", "n": 2},
    {"method": "morris", "n": 2},
    {"method": "csv"},
]
PARAMETERS = [{"west.sanctions": [0.0, 1.0]}, {"west.sanctions": [0.0, 1.0], "russia.economy": [0.5, 1.0]}]


def _tiny_scenario(folder: Path) -> Path:
    path = folder / "base.yaml"
    path.write_text(f"schema: 1\nname: base\nextends: {BASELINE}\nend: 2023Q3\nreplicates: 1\n")
    return path


@FUZZ
@given(
    doc=document(SWEEP_SCHEMA, {"schema": 1}),
    design=st.sampled_from(DESIGNS) | value(SWEEP_SCHEMA, SWEEP_SCHEMA["$defs"]["DesignSpec"]),
    params=st.sampled_from(PARAMETERS) | st.dictionaries(st.sampled_from(PATHS), _parameter_values(), max_size=2),
    kind=st.sampled_from(FILE_KINDS),
    csv=st.sampled_from(["west.sanctions\n0.1\n0.9\n", "west.sanctions,model.noise\n0.1,x\n", "", "\x00\n", "a\n1\n"]),
)
def test_sweep_runs_a_consistent_store_or_refuses_in_one_line(scratch, doc, design, params, kind, csv):
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        folder = Path(tmp)
        (folder / "design.csv").write_text(csv, encoding="utf-8")
        if isinstance(design, dict) and design.get("method") == "csv":
            design = {**design, "file": "design.csv"}
        doc = {**doc, "scenario": str(_tiny_scenario(folder)), "parameters": params, "design": design}
        path = place(folder, kind, doc, "sweep.yaml")
        out = folder / "store"
        code, _, err = invoke("sweep", path, "--out", out)
        if refused_or(code, err):
            df = casim.read_results(out)
            check_table(df, load_scenario(folder / "base.yaml").powers)
            assert df["point"].min() == 0 and df["run"].nunique() == df["run"].max() + 1


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "loop", "cut"])
def test_the_real_command_exits_2_with_one_line_on_odd_files(tmp_path, kind):
    """The installed entry point, in its own process: the exit code and stderr after interpreter shutdown."""
    path = place(tmp_path, kind, {"schema": 1, "name": "x"})
    proc = subprocess.run(
        [sys.executable, "-m", "casim", "run", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    one_line_error(proc.returncode, proc.stderr)
    assert proc.stdout == ""
