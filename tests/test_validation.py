"""The scorecard: `casim validate` passes on the shipped scenarios, and its measures mean what they say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import casim
from casim import observables as obs
from casim import validation
from casim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
HINDCAST = ROOT / "scenarios" / "hindcast_2021.yaml"
ES11_6 = ROOT / "scenarios" / "resolutions" / "unga_es11_6.yaml"


def test_casim_validate_passes_every_fitted_fact_on_the_shipped_scenarios(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)  # the command's default paths are the repository's scenarios/
    code = main(["validate"])
    out = capsys.readouterr().out
    assert "FAIL" not in out, out
    assert code == 0
    n = len(validation.checks(
        {"baseline": casim.load_scenario(BASELINE), "hindcast": casim.load_scenario(HINDCAST)},
        obs.read_resolutions(ES11_6),
    ))
    assert out.count("PASS") == n
    assert f"{n}/{n} fitted checks pass" in out
    assert "held-out votes (out of sample" in out


def test_scorecard_names_each_documented_fact_in_each_scenario():
    checks = validation.checks(
        {"baseline": casim.load_scenario(BASELINE), "hindcast": casim.load_scenario(HINDCAST)},
        obs.read_resolutions(ES11_6),
    )
    ids = {c.id for c in checks}
    for fact in ("russia_top_two", "west_top", "china_top", "uzb_hedging"):
        assert {f"{fact}@baseline:2023Q1", f"{fact}@baseline:2030Q4", f"{fact}@hindcast:2023Q1"} <= ids
    assert "kaz_distances_russia@hindcast:2023Q1" in ids
    for s, v in {"KAZ": "abstain", "KGZ": "abstain", "TJK": "abstain", "UZB": "abstain", "TKM": "absent"}.items():
        assert f"vote:ES-11/6:{s}@baseline:2023Q1" in ids and f"vote:ES-11/6:{s}@hindcast:2023Q1" in ids
        assert any(c.observed == v for c in checks if c.state == s)


def test_validate_exits_1_when_a_fact_fails(tmp_path, capsys):
    # Kazakhstan stripped of every Western tie: it can no longer hold the largest Western share
    channels = ["trade", "investment", "energy", "aid", "security", "institutions", "remittances", "society"]
    bad = tmp_path / "no_west.yaml"
    bad.write_text(
        f"extends: {BASELINE}\nname: no-west\npowers:\n  west:\n    exposure:\n      KAZ: {{"
        + ", ".join(f"{c}: 0.0" for c in channels) + "}\n"
    )
    code = main(["validate", "--baseline", str(bad), "--hindcast", str(HINDCAST), "--resolutions", str(ES11_6),
                 "--held-out", "none", "--replicates", "4"])
    out = capsys.readouterr().out
    assert code == 1
    assert any(line.startswith("FAIL") and "largest Western share" in line for line in out.splitlines())


def test_validate_bad_input_exits_2(tmp_path, capsys):
    code = main(["validate", "--baseline", str(tmp_path / "missing.yaml")])
    err = capsys.readouterr().err
    assert code == 2 and "file not found" in err and len(err.strip().splitlines()) == 1


def test_held_out_misses_are_reported_but_never_count_as_failures():
    b, h = casim.load_scenario(BASELINE), casim.load_scenario(HINDCAST)
    # a record the model cannot produce: Turkmenistan voting for a condemnation
    impossible = obs.Resolution("X", dt.date(2022, 3, 2), "condemnation", observed={"TKM": "yes"}, role="held_out")
    card = validation.scorecard(b, h, obs.read_resolutions(ES11_6) + (impossible,), replicates=3, seed=1)
    row = card[card["check"].str.startswith("vote:X:TKM")]
    assert len(row) == 1 and not row["passed"].iloc[0]
    assert row["scenario"].iloc[0] == h.name  # held-out texts are scored on the hindcast only
    failures = validation.failures(card)
    assert not failures["check"].str.startswith("vote:X:").any()
    assert (failures["role"] == "fitted").all()


def _scenario():
    return casim.load_scenario(BASELINE)


def _check(fact_id: str, sc) -> validation.Check:
    f = next(f for f in validation.facts() if f.id == fact_id)
    since = 0 if "falls" in f.test else None
    return validation.Check(fact_id, "baseline", sc.start, 1, f.claim, f.source, "fitted", fact=f, since_step=since)


def test_largest_share_margin_is_listed_minimum_less_best_other():
    sc = _scenario()
    a = np.full((1, 2, 5, 3), 1 / 3)
    # russia shares at step 1: KAZ .40 KGZ .70 TJK .80 UZB .50 TKM .20
    a[0, 1, :, 0] = [0.40, 0.70, 0.80, 0.50, 0.20]
    m = validation.ordering_margin(_check("russia_top_two", sc), a, sc)
    assert m == pytest.approx([0.70 - 0.50])
    a[0, 1, 3, 0] = 0.75  # UZB above KGZ: the fact fails
    assert validation.ordering_margin(_check("russia_top_two", sc), a, sc)[0] < 0


def test_above_median_margin_is_distance_to_second_highest_other():
    sc = _scenario()
    a = np.zeros((1, 2, 5, 3))
    # hedging rises with the spread of shares; UZB second most equidistant of five
    rows = {"KAZ": [0.34, 0.33, 0.33], "KGZ": [0.9, 0.05, 0.05], "TJK": [0.8, 0.1, 0.1], "UZB": [0.4, 0.3, 0.3], "TKM": [0.5, 0.25, 0.25]}
    a[0, 1] = np.array([rows[s] for s in sc.states])
    h = obs.hedging(a[0, 1])
    m = validation.ordering_margin(_check("uzb_hedging", sc), a, sc)
    assert m == pytest.approx([h[3] - h[4]])  # UZB vs TKM, the 2nd largest among the others
    assert m[0] > 0 and h[3] > np.median(h)


def test_falls_margin_is_the_drop_since_the_reference_date():
    sc = _scenario()
    a = np.full((1, 2, 5, 3), 1 / 3)
    a[0, 0, 0, 0], a[0, 1, 0, 0] = 0.45, 0.38
    assert validation.ordering_margin(_check("kaz_distances_russia", sc), a, sc) == pytest.approx([0.07])


def test_every_fact_cites_a_source_and_exposure_facts_are_listed_as_not_scored():
    for f in validation.facts():
        assert f.source.strip() and ("FACTS" in f.source or "article" in f.source)
    assert any("exposure" in x for x in validation.not_scored())


def test_scorecard_table_can_be_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "card.csv"
    assert main(["validate", "--replicates", "3", "--out", str(out)]) in (0, 1)
    capsys.readouterr()
    card = pd.read_csv(out)
    assert {"check", "role", "measured", "passed", "source"} <= set(card.columns)
    assert set(card["role"]) == {"fitted", "held_out"}


def test_validation_notebook_is_committed_executed_runs_and_reports_every_fitted_check_passing():
    """notebooks/validation.ipynb is committed with outputs, holds no model logic (as tests/test_notebooks.py
    requires of the others), runs top to bottom (nbclient) and its scorecard cell agrees with `casim validate`."""
    import re

    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / "notebooks" / "validation.ipynb", as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells), "commit the notebook executed"
    forbidden = re.compile(r"^\s*(def |class |import mesa|from mesa|from casim\.(dynamics|ensemble|model|agents|params)\b)", re.M)
    assert not [c.source for c in code_cells if forbidden.search(c.source)]
    if "python3" not in KernelSpecManager().find_kernel_specs():  # a fresh machine: register this interpreter
        from ipykernel.kernelspec import install

        install(user=True)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    passed, total = text.split(" fitted checks pass")[0].rsplit("\n", 1)[-1].split("/")
    assert passed == total
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 4
