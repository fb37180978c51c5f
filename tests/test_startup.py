"""The command line starts without the heavy libraries: what it imports is checked here, never how long it takes.

The times themselves are printed by benchmarks/bench_startup.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
        assert getattr(casim, name).__name__ == name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = casim.nope  # type: ignore[attr-defined]


def test_the_command_lines_choices_are_those_of_the_modules_that_own_them():
    from casim import api
    from casim.sweep import executors

    assert early.ENGINES == api.ENGINES
    assert early.EXECUTORS == executors.EXECUTORS
