"""Paths and plain helpers shared by the test files; the shared fixtures are in conftest.py.

tests/ is not a package (no ``__init__.py``) and pyproject.toml puts it on ``sys.path``
(``pythonpath = ["tests"]``), so a test file imports this module as ``helpers``. Module-level
values live here, not in conftest.py, because ``parametrize`` and default arguments need them
when the test module is imported, before any fixture exists.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))  # the shipped scenario files (not sweeps/ nor resolutions/)
BASELINE = SCENARIOS / "baseline.yaml"
HINDCAST = SCENARIOS / "hindcast_2021.yaml"
ES11_6 = SCENARIOS / "resolutions" / "unga_es11_6.yaml"
HELD_OUT = SCENARIOS / "resolutions" / "unga_held_out.yaml"
NOTEBOOKS = ROOT / "notebooks"


def one_line_error(code: int, err: str) -> str:
    """A command's bad-input error: exit code 2 and one ``casim: error: ...`` line, never a traceback.

    Returns the line.
    """
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casim: error: "), err
    assert "Traceback" not in err, err
    return lines[0]


def swept(folder: Path, body: str, store: str) -> tuple[Path, Path]:
    """A sweep file on the baseline with ``body`` in ``folder``, and an uninterrupted run of it into
    ``folder/store``: the reference an interrupted, damaged or resumed store is compared with."""
    import casim

    path = folder / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + body)
    casim.run_sweep(path, out=folder / store)
    return path, folder / store
