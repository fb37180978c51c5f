"""ABC calibration: priors, acceptance, reproducibility, output, and the shipped values it cites."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, ES11_6, HINDCAST, ROOT

import casim
from casim import calibrate, votes
from casim.cli import main
from casim.errors import CasimError

RUN = ROOT / "docs" / "calibration_run"


@pytest.fixture(scope="module")
def scenarios():
    return casim.load_scenario(BASELINE), casim.load_scenario(HINDCAST), votes.read_resolutions(ES11_6)


@pytest.fixture(scope="module")
def small(scenarios):
    b, h, res = scenarios
    return calibrate.run_abc(b, h, res, draws=1500, replicates=2, quantile=0.05, seed=11, verify_replicates=4)


def test_every_fitted_parameter_has_a_prior_range_from_the_data(scenarios):
    b, _, _ = scenarios
    prs = calibrate.priors(b)
    assert [p.path for p in prs] == list(calibrate.MODEL_PARAMETERS + calibrate.VOTE_PARAMETERS)
    for p in prs:
        assert p.low < p.high


def test_draws_lie_within_their_prior_ranges(small, scenarios):
    prs = calibrate.priors(scenarios[0])
    for p in prs:
        col = small.draws[p.path]
        assert col.min() >= p.low and col.max() <= p.high
        # uniform: the sample spreads over the range
        assert col.max() - col.min() > 0.9 * (p.high - p.low)


def test_accepted_sets_are_the_closest_quantile_of_draws(small):
    d = small.draws["distance"]
    acc = small.accepted
    assert len(acc) >= 0.05 * len(d)
    assert acc["distance"].max() <= d.drop(acc.index).min()
    assert acc["distance"].max() == pytest.approx(small.summary["threshold"])


def test_accepted_sets_meet_more_targets_than_the_prior(small):
    assert small.accepted["failed"].mean() < small.draws["failed"].mean()
    assert small.summary["accepted_passing_all"] / len(small.accepted) > small.summary["prior_passing_all"]


def test_calibration_learns_that_neutrality_shows_as_absence(small):
    """TKM's non-participation (FACTS §8) pushes the neutral absence propensity above its prior median."""
    rows = {r["parameter"]: r for r in small.summary["parameters"]}
    r = rows["votes.doctrine.neutral"]
    assert r["posterior_median"] > (r["prior_low"] + r["prior_high"]) / 2 + 1.0
    assert r["shrinkage"] > 0.2


def test_same_seed_gives_identical_calibration(scenarios):
    b, h, res = scenarios
    a = calibrate.run_abc(b, h, res, draws=60, replicates=1, quantile=0.2, seed=5, verify_replicates=2)
    c = calibrate.run_abc(b, h, res, draws=60, replicates=1, quantile=0.2, seed=5, verify_replicates=2)
    pd.testing.assert_frame_equal(a.draws, c.draws)
    assert a.summary["parameters"] == c.summary["parameters"]


def test_hinge_losses_are_zero_past_the_tolerance_and_grow_below_it():
    class C:  # a minimal stand-in for validation.Check
        def __init__(self, id, fact):
            self.id, self.fact, self.role = id, fact, "fitted"

    checks = [C("order", object()), C("vote", None)]
    values = {"order": np.array([0.2, 0.05, 0.0, -0.05]), "vote": np.array([0.9, 0.5, 0.25, 0.125])}
    ls = calibrate.losses(checks, values)
    np.testing.assert_allclose(ls["order"], [0.0, 0.0, 1.0, 2.0])
    np.testing.assert_allclose(ls["vote"], [0.0, 0.0, 1.0, 2.0])


def test_calibrate_cli_writes_accepted_sets_with_distances_and_a_summary(tmp_path, capsys):
    out = tmp_path / "cal"
    code = main(
        [
            "calibrate",
            "--baseline",
            str(BASELINE),
            "--hindcast",
            str(HINDCAST),
            "--resolutions",
            str(ES11_6),
            "--draws",
            "80",
            "--replicates",
            "1",
            "--quantile",
            "0.25",
            "--seed",
            "3",
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0
    acc = pd.read_csv(out / "accepted.csv")
    assert {"draw", "distance", "failed", *calibrate.MODEL_PARAMETERS, *calibrate.VOTE_PARAMETERS} <= set(acc.columns)
    assert len(acc) >= 20 and acc["distance"].is_monotonic_increasing
    summary = json.loads((out / "summary.json").read_text())
    assert summary["draws"] == 80 and summary["seed"] == 3
    assert "model.inertia" in summary["unfitted"]
    assert "not fitted" in text and "shrink" in text


def test_calibrate_rejects_a_bad_quantile_with_exit_2(capsys):
    code = main(
        [
            "calibrate",
            "--baseline",
            str(BASELINE),
            "--hindcast",
            str(HINDCAST),
            "--resolutions",
            str(ES11_6),
            "--quantile",
            "0",
            "--draws",
            "10",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "quantile must be in (0, 1]" in err and len(err.strip().splitlines()) == 1


def test_settings_are_checked_before_any_file_is_read(tmp_path, capsys):
    code = main(["calibrate", "--baseline", str(tmp_path / "missing.yaml"), "--quantile", "1.5"])
    err = capsys.readouterr().err
    assert code == 2 and "quantile must be in (0, 1] (got 1.5)" in err and "file not found" not in err


def test_a_fitted_vote_no_scenario_can_check_is_refused(scenarios):
    b, h, _ = scenarios
    old = votes.Resolution("OLD", dt.date(2020, 6, 1), "condemnation", observed={"KAZ": "abstain"}, role="fitted")
    with pytest.raises(
        CasimError, match="resolution OLD: its fitted votes, dated 2020-06-01 .*outside the horizons of both"
    ):
        calibrate.run_abc(b, h, (old,), draws=10, replicates=1)


def test_calibration_needs_a_fitted_vote_check_not_just_a_record(scenarios):
    b, h, res = scenarios
    projected_only = tuple(votes.Resolution(r.id, r.date, r.kind, role="fitted") for r in res)  # no observed votes
    held = tuple(votes.Resolution(r.id, r.date, r.kind, observed=r.observed, role="held_out") for r in res)
    for texts in (projected_only, held):
        with pytest.raises(CasimError, match="no fitted vote check"):
            calibrate.run_abc(b, h, texts, draws=10, replicates=1)


def test_the_report_has_one_line_per_fitted_parameter_of_the_committed_run():
    summary = json.loads((RUN / "summary.json").read_text())
    text = calibrate.report(summary)
    for r in summary["parameters"]:
        (line,) = [x for x in text.splitlines() if x.startswith(r["parameter"] + " ")]
        assert f"{r['shrinkage']:.3f}" in line and ("(identified)" in line) == r["identified"]
    assert "not fitted" in text and summary["command"] not in text  # the command is in summary.json, not repeated


def test_shipped_baseline_and_vote_model_use_the_committed_calibration():
    """scenarios/baseline.yaml and data/votes.yaml carry the values docs/calibration_run/summary.json ships, and cite it.

    What it catches: drift between the committed run and the shipped files (a value edited in baseline.yaml
    or votes.yaml, or a new run committed without updating them), a calibrated vote coefficient not tagged C,
    a shipped point that failed its verification, and a baseline that no longer cites the run it pins.
    It does not re-run the calibration (that a run is reproducible is test_same_seed_gives_identical_calibration's
    claim), nor compare the scenario files' sha256 with the run's (a comment edit would fail that).
    """
    summary = json.loads((RUN / "summary.json").read_text())
    text = BASELINE.read_text()
    assert summary["command"] in text and "docs/calibration_run/summary.json" in text
    b = casim.load_scenario(BASELINE)
    sim, vote = calibrate.split({r["parameter"]: r["shipped"] for r in summary["parameters"]}, b.states)
    for path, v in sim.items():
        assert b.values[path] == pytest.approx(v, abs=5e-4), path
    coeffs = votes.vote_data().defaults()
    for k, v in vote.items():
        assert coeffs[k] == pytest.approx(v, abs=5e-4), k
    identified = [r for r in summary["parameters"] if r["identified"]]
    for r in identified:
        key = r["parameter"]
        if key.startswith("votes."):
            p = votes.vote_data().parameters[key[len("votes.") :]]
            assert p.tag == "C" and "docs/calibration_run/summary.json" in p.reason
    assert summary["shipped_point"]["failed"] == 0
