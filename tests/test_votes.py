"""Observables: hedging, dominant partner, the vote model, resolution files and ``casim votes``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, ES11_6, HELD_OUT, HINDCAST, one_line_error
from hypothesis import given, settings
from hypothesis import strategies as st

import casim
from casim import measures, projection, votes
from casim.cli import main
from casim.seeding import run_seeds

POWERS = ("russia", "west", "china")
STATES = ("KAZ", "KGZ", "TJK", "UZB", "TKM")


# -- hedging and dominant partner ---------------------------------------------------


def test_hedging_is_one_at_equidistance_and_zero_at_a_corner():
    h = measures.hedging(np.array([[1 / 3, 1 / 3, 1 / 3], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0]]))
    assert h[0] == pytest.approx(1.0)
    assert h[1] == pytest.approx(0.0, abs=1e-9)
    assert h[2] == pytest.approx(np.log(2) / np.log(3))


def test_dominant_partner_is_largest_share_with_margin_over_second():
    idx, margin = measures.dominant(np.array([[0.2, 0.5, 0.3], [0.7, 0.1, 0.2]]))
    assert idx.tolist() == [1, 0]
    assert margin == pytest.approx([0.2, 0.5])


def test_dominant_partner_of_a_results_table_is_its_largest_share():
    # the one table-level function; measures.dominant works on arrays
    from casim.analysis.summary import dominant_partner as dominant

    df = casim.run(casim.load_scenario(BASELINE), replicates=2, seed=1, posterior=None)
    shares = df[list(POWERS)].to_numpy(dtype=float)
    dom = dominant(df)
    assert (dom.astype(str).to_numpy() == np.asarray(POWERS)[shares.argmax(1)]).all()
    _, margin = measures.dominant(shares)
    np.testing.assert_allclose(margin, np.sort(shares)[:, -1] - np.sort(shares)[:, -2])


# -- the vote model ---------------------------------------------------------------


alignments = st.lists(st.floats(0.01, 1.0), min_size=15, max_size=15).map(
    lambda xs: (lambda a: a / a.sum(-1, keepdims=True))(np.array(xs).reshape(5, 3))
)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)  # reproducible: the same examples every run
@given(alignments, st.sampled_from(votes.TEXT_KINDS))
def test_vote_probabilities_are_a_distribution_over_four_outcomes(a, kind):
    p = votes.vote_probabilities(a, POWERS, votes.doctrines(STATES), kind)
    assert p.shape == (5, 4)
    assert np.all(p >= 0)
    assert p.sum(-1) == pytest.approx(np.ones(5))


@pytest.mark.parametrize("kind", ["condemnation", "peace_terms", "suspension"])
def test_leaning_west_raises_yes_and_lowers_no(kind):
    # same hedging index (a permutation), west and russia swapped
    toward_russia = np.array([[0.7, 0.1, 0.2]] * 5)
    toward_west = np.array([[0.1, 0.7, 0.2]] * 5)
    d = votes.doctrines(STATES)
    p_r = votes.vote_probabilities(toward_russia, POWERS, d, kind)
    p_w = votes.vote_probabilities(toward_west, POWERS, d, kind)
    assert np.all(p_w[:, 0] > p_r[:, 0])
    assert np.all(p_w[:, 1] < p_r[:, 1])


def test_neutral_doctrine_raises_non_participation():
    a = np.array([[0.3, 0.3, 0.4]] * 3)
    p = votes.vote_probabilities(a, POWERS, ["neutral", "multi_vector", "dependent"], "condemnation")
    absent = p[:, votes.OUTCOMES.index("absent")]
    assert absent[0] > absent[1] and absent[0] > absent[2]


def test_precedent_risk_raises_no_on_a_suspension():
    a = np.array([[0.6, 0.1, 0.3]] * 5)
    d = votes.doctrines(STATES)
    low = votes.vote_probabilities(a, POWERS, d, "suspension", {"precedent": 0.0})
    high = votes.vote_probabilities(a, POWERS, d, "suspension", {"precedent": 5.0})
    assert np.all(high[:, 1] > low[:, 1])


def test_per_run_coefficients_equal_separate_scalar_calls():
    rng = np.random.default_rng(3)
    a = rng.dirichlet(np.ones(3), size=(4, 5))
    d = votes.doctrines(STATES)
    hedge = np.array([0.5, 2.0, 4.0, 7.0])
    neutral = np.array([1.0, 3.0, 9.0, 11.0])
    batch = votes.vote_probabilities(a, POWERS, d, "peace_terms", {"hedging": hedge, "doctrine.neutral": neutral})
    for r in range(4):
        one = votes.vote_probabilities(
            a[r], POWERS, d, "peace_terms", {"hedging": hedge[r], "doctrine.neutral": neutral[r]}
        )
        np.testing.assert_allclose(batch[r], one)


def test_projected_probabilities_are_the_mean_over_replicates_and_vote_the_most_probable():
    sc = casim.load_scenario(BASELINE)
    res = votes.read_resolutions(ES11_6)
    traj = casim.simulate(sc, run_seeds(5, 6))
    df = projection.project_votes(sc, traj, res)
    per_run = votes.vote_probabilities(traj[:, 0], sc.powers, votes.doctrines(sc.states), "peace_terms")
    cols = [f"p_{o}" for o in votes.OUTCOMES]
    np.testing.assert_allclose(df[cols].to_numpy(), per_run.mean(0))
    assert (df["vote"] == [votes.OUTCOMES[i] for i in df[cols].to_numpy().argmax(1)]).all()


@pytest.mark.parametrize(
    "date, step",
    [
        ("2021-10-01", 0),  # the first day of the start quarter
        ("2022-03-31", 1),  # the last day of 2022Q1 ...
        ("2022-04-01", 2),  # ... and the first of 2022Q2
        ("2025-02-24", 13),  # a later step (ES-11/7)
        ("2026-12-31", 20),  # the last day of the horizon, 2026Q4
    ],
)
def test_a_text_is_projected_from_the_alignment_of_its_quarter(tmp_path, date, step):
    """Date -> quarter -> step in the hindcast (start 2021Q4), checked against the trajectories themselves."""
    sc = casim.load_scenario(HINDCAST)
    (r,) = votes.read_resolutions(write(tmp_path, f"resolutions:\n  - {{id: X, date: {date}, kind: condemnation}}\n"))
    traj = casim.simulate(sc, run_seeds(4, 3))
    got = projection.project_votes(sc, traj, [r])[[f"p_{o}" for o in votes.OUTCOMES]].to_numpy()
    at = lambda t: votes.vote_probabilities(traj[:, t], sc.powers, votes.doctrines(sc.states), "condemnation").mean(0)  # noqa: E731
    assert sc.dates()[step] == r.quarter
    np.testing.assert_allclose(got, at(step))
    neighbour = step - 1 if step else step + 1
    assert not np.allclose(got, at(neighbour), atol=1e-6)  # the steps are told apart


# -- resolution files and `casim votes` -----------------------------------------


def test_votes_cli_writes_one_row_per_text_and_state(tmp_path, capsys):
    out = tmp_path / "votes.csv"
    code = main(
        ["votes", str(HINDCAST), "--resolutions", str(HELD_OUT), "--replicates", "5", "--seed", "3", "--out", str(out)]
    )
    assert code == 0, capsys.readouterr().err
    df = pd.read_csv(out)
    base = ["resolution", "state", "vote", "p_yes", "p_no", "p_abstain", "p_absent"]
    spread = [f"p_{o}_{q}" for o in votes.OUTCOMES for q in ("q05", "q95")]  # over posterior draws (the default)
    assert list(df.columns) == base + spread
    for o in votes.OUTCOMES:
        assert (df[f"p_{o}_q05"] <= df[f"p_{o}_q95"]).all()
    n_texts = len(votes.read_resolutions(HELD_OUT))
    assert len(df) == n_texts * 5
    assert set(df["state"]) == set(STATES)
    np.testing.assert_allclose(df[["p_yes", "p_no", "p_abstain", "p_absent"]].sum(axis=1), 1.0, atol=1e-3)


def test_same_seed_gives_identical_votes():
    sc = casim.load_scenario(BASELINE)
    res = votes.read_resolutions(ES11_6)
    a = projection.run_votes(sc, res, replicates=4, seed=9)
    b = projection.run_votes(sc, res, replicates=4, seed=9)
    pd.testing.assert_frame_equal(a, b)


def test_bare_yes_and_no_in_yaml_are_read_as_votes(tmp_path):
    f = tmp_path / "r.yaml"
    f.write_text(
        "resolutions:\n  - {id: X, date: 2023-03-01, kind: suspension, role: held_out, observed: {KAZ: no, KGZ: yes}}\n"
    )
    (r,) = votes.read_resolutions(f)
    assert r.observed == {"KAZ": "no", "KGZ": "yes"}
    assert r.quarter == "2023Q1"


def write(tmp_path, body: str) -> Path:
    f = tmp_path / "res.yaml"
    f.write_text(textwrap.dedent(body))
    return f


def votes_error(tmp_path, capsys, body: str, scenario: Path = BASELINE) -> tuple[str, Path]:
    f = write(tmp_path, body)
    code = main(["votes", str(scenario), "--resolutions", str(f), "--replicates", "1"])
    return one_line_error(code, capsys.readouterr().err), f


def test_unknown_kind_is_a_one_line_error_suggesting_the_nearest(tmp_path, capsys):
    err, f = votes_error(
        tmp_path,
        capsys,
        """\
        resolutions:
          - id: ES-11/6
            date: 2023-02-23
            kind: peace_term
        """,
    )
    assert f"{f}:4" in err and "unknown kind 'peace_term'" in err and "'peace_terms'" in err


def test_date_outside_the_horizon_is_a_one_line_error(tmp_path, capsys):
    err, f = votes_error(
        tmp_path,
        capsys,
        """\
        resolutions:
          - id: ES-11/1
            date: 2022-03-02
            kind: condemnation
        """,
    )
    assert f"{f}:2" in err and "2022Q1" in err and "outside the horizon" in err and "2023Q1..2030Q4" in err


def test_missing_field_is_a_one_line_error_naming_it(tmp_path, capsys):
    err, f = votes_error(
        tmp_path,
        capsys,
        """\
        resolutions:
          - id: ES-11/6
            date: 2023-02-23
        """,
    )
    assert f"{f}:2" in err and "resolution ES-11/6 has no 'kind'" in err


def test_duplicated_id_is_a_one_line_error_naming_both_lines(tmp_path, capsys):
    err, f = votes_error(
        tmp_path,
        capsys,
        """\
        resolutions:
          - {id: A, date: 2023-02-23, kind: peace_terms}
          - {id: A, date: 2023-05-01, kind: humanitarian}
        """,
    )
    assert f"{f}:3" in err and "duplicate resolution id 'A'" in err and f"{f}:2" in err


@pytest.mark.parametrize(
    "item, message",
    [
        ("{id: A, date: 2023-02-23, kind: peace_terms, kinds: x}", "unknown field 'kinds'"),
        ("{id: A, date: 23/02/2023, kind: peace_terms}", "is not a date"),
        (
            "{id: A, date: 2023-02-23, kind: peace_terms, role: fitted, observed: {KAZ: maybe}}",
            "'maybe' of KAZ is not one of",
        ),
        ("{id: A, date: 2023-02-23, kind: peace_terms, role: fitted, observed: {KZ: abstain}}", "unknown state 'KZ'"),
        ("{id: A, date: 2023-02-23, kind: peace_terms, observed: {KAZ: abstain}}", "needs a role"),
    ],
)
def test_other_bad_resolution_entries_are_one_line_errors(tmp_path, capsys, item, message):
    err, f = votes_error(tmp_path, capsys, f"resolutions:\n  - {item}\n")
    assert str(f) in err and message in err


def test_missing_resolutions_file_is_a_one_line_error(tmp_path, capsys):
    code = main(["votes", str(BASELINE), "--resolutions", str(tmp_path / "nope.yaml")])
    assert "file not found" in one_line_error(code, capsys.readouterr().err)


# -- the powers' recorded votes and the Assembly's tally (measurement model inputs) -------


def test_an_entry_gives_the_powers_votes_and_tally_and_its_kind_supplies_the_rest(tmp_path):
    f = write(
        tmp_path,
        """\
        resolutions:
          - id: A
            date: 2022-03-02
            kind: condemnation
            powers: {russia: "no", west: "yes", china: absent}
            tally: {"yes": 141, "no": 5, abstain: 35}
          - {id: B, date: 2022-04-07, kind: suspension, powers: {china: abstain}, tally: "93-24-58"}
          - {id: C, date: 2022-04-07, kind: humanitarian}
        """,
    )
    a, b, c = votes.read_resolutions(f)
    kinds = votes.vote_data().kind_powers
    assert a.power_votes() == {"russia": "no", "west": "yes", "china": "absent"}
    assert a.tally == {"yes": 141, "no": 5, "abstain": 35} and a.support == pytest.approx(141 / 181)
    assert b.power_votes() == {**kinds["suspension"], "china": "abstain"} and b.support == pytest.approx(93 / 175)
    assert c.powers == {} and c.power_votes() == kinds["humanitarian"]
    assert c.tally is None and c.support == votes.vote_data().kind_support["humanitarian"]


def test_every_kind_codes_the_powers_votes_and_support_as_tagged_judgements():
    import yaml

    raw = yaml.safe_load((Path(casim.__file__).parent / "data" / "votes.yaml").read_text())
    for kind, spec in raw["kinds"].items():
        assert {"russia", "west", "china"} <= set(spec["powers"]), kind
        for value in [*spec["powers"].values(), spec["support"]]:
            assert len(value) == 3 and value[1] == "U" and len(value[2]) > 20, (kind, value)
        assert 0 < spec["support"][0] < 1


def test_the_shipped_2022_on_entries_carry_the_tallies_their_sources_quote():
    for r in votes.read_resolutions(HELD_OUT) + votes.read_resolutions(ES11_6):
        if r.tally is None:
            assert r.id == "A/RES/77/284"  # its source gives only the yes votes
            continue
        t = r.tally
        assert f"{t['yes']}-{t['no']}-{t['abstain']}" in r.source or (
            f"{t['yes']} yes, {t['no']} no, {t['abstain']} abstentions" in r.source
        ), r.id


@pytest.mark.parametrize(
    "item, line, message",
    [
        ('powers: {russia: "no", chna: abstain}', 5, "unknown power 'chna' in 'powers'; did you mean 'china'?"),
        ("powers: {russia: maybe}", 5, "vote 'maybe' of russia is not one of yes, no, abstain, absent"),
        ("powers: [russia]", 5, "'powers' maps powers to their recorded votes"),
        ('tally: {"yes": 1, "no": 2}', 5, "tally has no 'abstain'"),
        ('tally: {"yes": 1, "no": 2, abstain: 3, absent: 4}', 5, "unknown tally key 'absent'"),
        ('tally: {"yes": 1, "no": -2, abstain: 3}', 5, "tally no -2 is not a count"),
        ('tally: {"yes": 1.5, "no": 2, abstain: 3}', 5, "tally yes 1.5 is not a count"),
        ("tally: 141-5", 5, "tally '141-5' is not yes-no-abstain"),
        ('tally: {"yes": 0, "no": 0, abstain: 0}', 5, "tally is all zero"),
    ],
)
def test_bad_powers_and_tally_are_one_line_errors_naming_file_and_line(tmp_path, capsys, item, line, message):
    body = f"resolutions:\n  - id: A\n    date: 2022-03-02\n    kind: condemnation\n    {item}\n"
    err, f = votes_error(tmp_path, capsys, body, scenario=HINDCAST)
    assert f"{f}:{line}:" in err and message in err, err


# -- `casim votes` on the measurement model with the posterior ----------------------------


def test_votes_with_posterior_none_is_the_old_kind_logit_table_bit_for_bit(tmp_path, capsys):
    from casim import results

    out = tmp_path / "none.csv"
    argv = ["votes", str(HINDCAST), "--resolutions", str(HELD_OUT), "--replicates", "3", "--seed", "5"]
    assert main([*argv, "--posterior", "none", "--out", str(out)]) == 0
    sc = casim.load_scenario(HINDCAST)
    res = votes.read_resolutions(HELD_OUT)
    old = projection.project_votes(sc, casim.simulate(sc, run_seeds(5, 3)), res)  # the pre-posterior path
    ref = results.write_csv(old.round(4), tmp_path / "ref.csv")
    assert out.read_bytes() == ref.read_bytes()
    assert "kind logit" in capsys.readouterr().out


def test_votes_with_the_posterior_sum_to_one_repeat_with_the_seed_and_record_provenance(tmp_path, capsys):
    from casim import posterior

    post = posterior.load()
    sc = casim.load_scenario(HINDCAST)
    res = votes.read_resolutions(HELD_OUT)
    a = projection.run_votes(sc, res, replicates=2, seed=11, posterior=post, draws=6)
    b = projection.run_votes(sc, res, replicates=2, seed=11, posterior=post, draws=6)
    pd.testing.assert_frame_equal(a, b)
    cols = [f"p_{o}" for o in votes.OUTCOMES]
    np.testing.assert_allclose(a[cols].sum(axis=1), 1.0, atol=1e-12)
    assert a.attrs["draws"] == 6 and a.attrs["seed"] == 11 and a.attrs["posterior"] == post.source
    c = projection.run_votes(sc, res, replicates=2, seed=12, posterior=post, draws=6)
    assert not np.allclose(a[cols], c[cols])  # another seed: other draws and replicates
    out = tmp_path / "v.csv"
    argv = ["votes", str(HINDCAST), "--resolutions", str(HELD_OUT), "--replicates", "2", "--seed", "11"]
    assert main([*argv, "--draws", "6", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "seed 11" in printed and "6 draw(s)" in printed and "posterior" in printed
    np.testing.assert_allclose(pd.read_csv(out)[cols], a[cols].round(4))


def test_posterior_votes_average_each_draws_coefficients_over_its_own_runs():
    from casim import measurement, posterior

    post = posterior.load().subset(3, 1)
    sc = casim.load_scenario(HINDCAST)
    (r,) = votes.read_resolutions(ES11_6)
    df = projection.run_votes(sc, [r], replicates=2, seed=4, posterior=post, draws=3)
    seeds = run_seeds(4, 2)
    fields = projection.text_fields(r, sc.powers)
    # a single text: its habit is each state's vote on the record's last directed text (2021), one-hot
    fields |= {"same": np.zeros(1), "habit": projection.record_habit(sc.states)[:, None, :]}
    step = votes.check_horizon([r], sc)[0]
    per_draw = []
    for d in range(3):
        values = {k: v[d] for k, v in post.model_values(sc.states).items()}
        traj = casim.simulate(sc, seeds, values)
        coef = {k: v[d] for k, v in post.coefficients().items()}
        per_draw.append(measurement.vote_probabilities(traj[:, step], fields, coef, sc.states)[:, :, 0].mean(0))
    cols = [f"p_{o}" for o in votes.OUTCOMES]
    np.testing.assert_allclose(df[cols].to_numpy(), np.mean(per_draw, axis=0), atol=1e-12)
    for j, o in enumerate(votes.OUTCOMES):  # each outcome's spread: quantiles over the draws' own means
        lo, hi = np.quantile(np.array(per_draw)[:, :, j], [0.05, 0.95], axis=0)
        np.testing.assert_allclose(df[f"p_{o}_q05"], lo, atol=1e-12)
        np.testing.assert_allclose(df[f"p_{o}_q95"], hi, atol=1e-12)


def test_bad_draws_and_posterior_are_one_line_errors(tmp_path, capsys):
    argv = ["votes", str(HINDCAST), "--resolutions", str(ES11_6), "--replicates", "1"]
    assert "--draws must be at least 1" in one_line_error(main([*argv, "--draws", "0"]), capsys.readouterr().err)
    err = one_line_error(main([*argv, "--posterior", str(tmp_path)]), capsys.readouterr().err)
    assert "no posterior draws here" in err
