"""The command line starts without the heavy libraries: what it imports is checked here, never how long it takes.

The times themselves are printed by benchmarks/bench_startup.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import casim
from casim.cli import early

HEAVY = ("pandas", "matplotlib", "scipy", "SALib", "numba", "dask", "mesa")


def imported_after(code: str) -> list[str]:
    """The heavy libraries in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    probe = f"""
import contextlib, io, json, sys
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
{chr(10).join("        " + line for line in code.strip().splitlines())}
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in {list(HEAVY)!r} if m in sys.modules)))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_building_the_parser_imports_no_heavy_library():
    assert imported_after("import casim.cli; casim.cli.parser()") == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["run", "--help"],
        ["plot", "--kind", "nope", "x"],
        ["sweep", "x.yaml", "--workers", "two"],
        ["run", "no_such_file.yaml"],
        ["sweep", "no_such_file.yaml"],
        ["sensitivity", "no_such_folder"],
        ["validate", "--baseline", "no_such_file.yaml"],
    ],
    ids=[
        "help",
        "run-help",
        "bad-kind",
        "bad-int",
        "missing-scenario",
        "missing-sweep",
        "missing-store",
        "missing-baseline",
    ],
)
def test_help_argument_errors_and_missing_inputs_are_answered_before_heavy_imports(argv):
    assert imported_after(f"import casim.cli; sys.exit(casim.cli.main({argv!r}))") == []


def test_a_missing_input_is_a_one_line_error_naming_it(capsys):
    from casim.cli import main

    assert main(["run", "no_such_file.yaml"]) == 2
    assert capsys.readouterr().err.strip() == "casim: error: no_such_file.yaml: file not found"


def test_import_casim_is_lazy_and_its_public_api_still_works():
    assert imported_after("import casim") == []
    for name in casim.__all__:
        assert name in dir(casim)
        assert getattr(casim, name).__name__ == casim._EXPORTS[name].partition(":")[2] or name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = casim.nope  # type: ignore[attr-defined]


def test_the_command_lines_choices_are_those_of_the_modules_that_own_them():
    from casim import api
    from casim.sweep import executors

    assert early.ENGINES == api.ENGINES
    assert early.EXECUTORS == executors.EXECUTORS


@pytest.mark.parametrize(("given", "expected"), [(None, "False"), ("1", "True")])
def test_the_command_turns_numpys_huge_page_madvise_off_unless_told(given, expected):
    """docs/performance.md: with the kernel compacting memory on madvised faults, large new tables cost more."""
    code = (
        "from casim.cli import main; from helpers import BASELINE; main(['check', str(BASELINE)]); "
        "import numpy._core.multiarray as m; print(m._get_madvise_hugepage())"
    )
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if given is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = given
    tests = str(Path(__file__).parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (tests, env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == expected
