"""The notebooks run top to bottom through casim's API (nbclient), show their figures, and hold no model logic nor figure code."""

from __future__ import annotations

import re

import nbformat
import pytest
from helpers import NOTEBOOKS
from nbclient import NotebookClient

TESTED_ELSEWHERE = {"validation.ipynb"}  # tests/test_validation.py executes it and checks its scorecard
ALL = sorted(NOTEBOOKS.glob("*.ipynb"))
BOOKS = [p for p in ALL if p.name not in TESTED_ELSEWHERE]
# what would mean model logic crept into a notebook: defining functions or classes, or reaching past casim's API
# (seeding included: casim.api resolves seeds); and figure code of its own: figures are casim.figures functions
FORBIDDEN = re.compile(
    r"^\s*(def |class |import mesa|from mesa|from casim\.(dynamics|ensemble|model|agents|params|seeding)\b"
    r"|from casim import .*\b(seeding|dynamics|ensemble|model|agents|params)\b"
    r"|import matplotlib\.pyplot|from matplotlib import pyplot)",
    re.MULTILINE,
)


def code(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def images(nb) -> int:
    return sum(
        "image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )


def test_the_expected_notebooks_are_shipped():
    assert {p.stem for p in BOOKS} >= {"quickstart", "scenario_comparison", "sweep", "sensitivity"}


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_is_committed_with_outputs_and_holds_no_model_logic(path):
    nb = nbformat.read(path, as_version=4)
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code"), "commit the notebook executed"
    assert images(nb) >= 2
    for src in code(nb):
        assert not FORBIDDEN.search(src), src


@pytest.mark.slow
@pytest.mark.parametrize("path", BOOKS, ids=[p.stem for p in BOOKS])
def test_notebook_executes_and_shows_its_figures(path, kernel):
    nb = nbformat.read(path, as_version=4)
    committed = images(nb)
    NotebookClient(nb, timeout=240, kernel_name=kernel, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    stderr = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr")
    assert "Warning" not in stderr, stderr
    assert images(nb) == committed
