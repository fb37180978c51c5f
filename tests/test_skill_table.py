"""The skill table of `casim validate`: backtests read as written, the 2022-on test set scored honestly."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ES11_6, HELD_OUT, HINDCAST, ROOT

import casim
from casim import heldout, posterior, projection, skill, votes
from casim.cli import main

TEXTS = votes.read_resolutions(HELD_OUT) + votes.read_resolutions(ES11_6)


@pytest.fixture(scope="module")
def small():
    """The skill table on a small ensemble (8 draws x 2 replicates)."""
    return heldout.skill_table(casim.load_scenario(HINDCAST), TEXTS, posterior.load(), draws=8, replicates=2, seed=3)


def test_the_backtest_rows_are_the_shipped_report_and_the_docs_copy_is_identical():
    shipped = Path(casim.__file__).parent / "data" / "posterior" / "backtest.json"
    assert shipped.read_bytes() == (ROOT / "docs" / "measurement_backtest.json").read_bytes()
    report = json.loads(shipped.read_text())
    table = heldout.backtest_table()
    for _, r in table.iterrows():
        fold = report["folds"][r["period"]]
        if r["target"] == "ideal_points":
            assert r["rmse"] == fold["ideal_points"][r["forecast"]]["rmse"]
            assert r["coverage90"] == fold["ideal_points"][r["forecast"]]["coverage90"]
        else:
            sc = fold["votes"][r["target"]][r["forecast"]]
            assert (r["log_loss"], r["brier"], r["accuracy"], r["n"]) == (
                sc["log_loss"],
                sc["brier"],
                sc["accuracy"],
                sc["n"],
            )
    assert len(table) == 2 * (2 * 4 + 3)


def test_the_test_set_is_every_recorded_vote_dated_2022_or_later_in_date_order():
    texts = heldout.test_texts(TEXTS)
    assert all(r.date.year >= 2022 for r in texts)
    assert [r.date for r in texts] == sorted(r.date for r in texts)
    assert {r.id for r in texts} == {r.id for r in TEXTS if r.observed}  # ES-11/6 (2023) is test data too


def test_the_test_scores_equal_those_recomputed_from_the_cases(small):
    cases = small.attrs["cases"]
    assert len(cases) == sum(len(r.observed) for r in TEXTS)
    obs = cases["observed"].to_numpy()
    hit = heldout.training_hit_rates(casim.load_scenario(HINDCAST).states)
    test = small[small["target"] == "test_2022_on"].set_index("forecast")
    p = cases[["p_yes", "p_no", "p_abstain", "p_absent"]].to_numpy()
    np.testing.assert_allclose(p.sum(1), 1.0)
    picked = p[np.arange(len(obs)), obs]
    assert test.loc["model", "log_loss"] == pytest.approx(-np.mean(np.log(picked)))
    assert test.loc["model", "brier"] == pytest.approx(np.mean(((p - np.eye(4)[obs]) ** 2).sum(1)))
    assert test.loc["model", "accuracy"] == pytest.approx(np.mean(p.argmax(1) == obs))
    for rival in heldout.RIVALS:
        f = cases[rival].to_numpy()
        q = np.where(f == obs, hit[rival], (1 - hit[rival]) / 3)
        assert test.loc[rival, "log_loss"] == pytest.approx(-np.mean(np.log(q)))
        assert test.loc[rival, "accuracy"] == pytest.approx(np.mean(f == obs))
        assert test.loc[rival, "n"] == len(obs)


def test_the_model_column_is_the_projection_on_the_hindcast_with_the_same_draws_and_seed(small):
    cases = small.attrs["cases"]
    sc = casim.load_scenario(HINDCAST)
    df = projection.run_votes(sc, heldout.test_texts(TEXTS), 2, 3, posterior=posterior.load(), draws=8)
    merged = cases.merge(df, on=["resolution", "state"], suffixes=("", "_v"))
    assert len(merged) == len(cases)
    for o in votes.OUTCOMES:
        np.testing.assert_array_equal(merged[f"p_{o}"], merged[f"p_{o}_v"])
    assert (small.attrs["draws"], small.attrs["replicates"], small.attrs["seed"]) == (8, 2, 3)


def test_persistence_is_the_last_recorded_vote_of_the_kind_else_of_a_directed_text(small):
    cases = small.attrs["cases"]
    start = heldout.last_record_2021(("KAZ", "KGZ", "TJK", "UZB", "TKM"))
    assert start == {"KAZ": 1, "KGZ": 1, "TJK": 2, "UZB": 3, "TKM": 3}  # A/RES/76/179 (2021-12-16): N N A X X
    by = {r: g.set_index("state")["persistence"].to_dict() for r, g in cases.groupby("resolution")}
    assert by["ES-11/1"] == {"KAZ": 1, "KGZ": 1}  # nothing earlier in 2022: the 2021 record
    assert by["ES-11/3"]["TJK"] == 2  # TJK abstained on ES-11/2, the last directed text before
    assert by["ES-11/4"]["KAZ"] == 2  # condemnation: KAZ abstained on ES-11/1, the last condemnation text
    assert by["ES-11/4"]["TJK"] == 1  # no condemnation vote recorded for TJK: its last directed one (ES-11/3, no)
    assert (cases["as_russia"] == 1).all()  # Russia votes no on every 2022-on text (kind judgements)


def test_the_pure_test_set_knows_only_the_2021_record(small):
    pure = small.attrs["cases_pure"]
    start = heldout.last_record_2021(("KAZ", "KGZ", "TJK", "UZB", "TKM"))
    assert (pure["persistence"] == pure["state"].map(start)).all()
    one_step = small.attrs["cases"]
    first = pure["resolution"] == "ES-11/1"  # the first text: the same habit either way
    cols = ["p_yes", "p_no", "p_abstain", "p_absent"]
    np.testing.assert_allclose(pure.loc[first, cols].to_numpy(), one_step.loc[first, cols].to_numpy())
    later = pure["resolution"] == "ES-11/4"  # after recorded votes: the habits differ, and so do the forecasts
    assert not np.allclose(pure.loc[later, cols].to_numpy(), one_step.loc[later, cols].to_numpy())
    assert set(small.loc[small["part"] == "test", "target"]) == {"test_2022_on", "test_2022_on_pure"}


def test_the_test_set_scoring_never_fits(monkeypatch):
    """Temporal rule: nothing dated 2022 or later reaches a fit; the test set is only scored."""
    from casim import fit

    def refuse(*a, **k):
        raise AssertionError("the 2022-on test set reached casim.fit")

    monkeypatch.setattr(fit, "run", refuse)
    monkeypatch.setattr(fit.Problem, "__post_init__", refuse)
    heldout.skill_table(casim.load_scenario(HINDCAST), TEXTS, posterior.load(), draws=2, replicates=1, seed=1)
    tree = ast.parse(Path(heldout.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "fit" not in imported and "emcee" not in imported


def test_validate_prints_the_skill_table_and_writes_it_beside_the_scorecard(tmp_path, capsys):
    out = tmp_path / "card.csv"
    argv = ["validate", "--replicates", "2", "--draws", "4", "--seed", "5", "--out", str(out)]
    code = main(argv)
    printed = capsys.readouterr().out
    assert code in (0, 1)
    assert "skill: the measurement model vs simple forecasts" in printed
    assert (
        "2022-on texts (test set, one step ahead)" in printed
        and "from the 2021 record only" in printed
        and "4 posterior draw(s) x 2 replicate(s)" in printed
    )
    table = pd.read_csv(tmp_path / "card_skill.csv")
    assert set(table["part"]) == {"backtest", "test"}
    assert list(table.columns) == heldout.COLUMNS


def test_validate_with_posterior_none_prints_the_backtests_only(capsys):
    code = main(["validate", "--replicates", "2", "--posterior", "none"])
    printed = capsys.readouterr().out
    assert code in (0, 1) and "Ukraine/Crimea texts, 2018-2021" in printed and "test set" not in printed


@pytest.mark.slow
def test_the_docs_quote_the_skill_table_of_the_default_command():
    """docs/validation.md §7 holds the table `casim validate` prints with its defaults (regenerate: heldout.markdown)."""
    table = heldout.skill_table(casim.load_scenario(HINDCAST), TEXTS, posterior.load())
    docs = (ROOT / "docs" / "validation.md").read_text()
    assert heldout.markdown(table) in docs


def test_skill_is_scored_with_the_functions_of_casim_skill():
    p = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]])
    assert skill.log_loss(p, np.array([0, 2])) == pytest.approx(-np.log(0.7))
