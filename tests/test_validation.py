"""The scorecard: `casim validate` passes on the shipped scenarios, and its measures mean what they say."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, ES11_6, HELD_OUT, HINDCAST, NOTEBOOKS, ROOT, one_line_error

import casim
from casim import measures, validation, votes
from casim.cli import main
from casim.errors import CasimError


def validate(*extra: str) -> list[str]:
    return ["validate", "--baseline", str(BASELINE), "--hindcast", str(HINDCAST), "--replicates", "2", *extra]


def test_casim_validate_passes_every_fitted_fact_on_the_shipped_scenarios(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the default files are found in the repository, not the working directory
    code = main(["validate"])
    out = capsys.readouterr().out
    assert "FAIL" not in out, out
    assert code == 0
    n = len(
        validation.checks(
            {"baseline": casim.load_scenario(BASELINE), "hindcast": casim.load_scenario(HINDCAST)},
            votes.read_resolutions(ES11_6),
        )
    )
    assert out.count("PASS") == n
    assert f"{n}/{n} fitted checks pass" in out
    assert "held-out votes (out of sample" in out


def test_validate_reads_its_default_inputs_from_package_data_in_any_directory(tmp_path, monkeypatch, capsys):
    """No repository needed: the shipped baseline, hindcast and resolution files come with the package."""
    monkeypatch.chdir(tmp_path)  # an empty directory: nothing to find by climbing
    code = main(["validate", "--replicates", "2", "--held-out", "none"])
    out = capsys.readouterr().out
    assert code in (0, 1), out  # 1 = a fact failed: a result, not a missing file
    assert "scorecard: baseline and hindcast-2021" in out and "fitted checks pass" in out


def test_scorecard_names_each_documented_fact_in_each_scenario():
    checks = validation.checks(
        {"baseline": casim.load_scenario(BASELINE), "hindcast": casim.load_scenario(HINDCAST)},
        votes.read_resolutions(ES11_6),
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
        + ", ".join(f"{c}: 0.0" for c in channels)
        + "}\n"
    )
    code = main(
        [
            "validate",
            "--baseline",
            str(bad),
            "--hindcast",
            str(HINDCAST),
            "--resolutions",
            str(ES11_6),
            "--held-out",
            "none",
            "--replicates",
            "4",
        ]
    )
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
    impossible = votes.Resolution("X", dt.date(2022, 3, 2), "condemnation", observed={"TKM": "yes"}, role="held_out")
    card = validation.scorecard(b, h, votes.read_resolutions(ES11_6) + (impossible,), replicates=3, seed=1)
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
    rows = {
        "KAZ": [0.34, 0.33, 0.33],
        "KGZ": [0.9, 0.05, 0.05],
        "TJK": [0.8, 0.1, 0.1],
        "UZB": [0.4, 0.3, 0.3],
        "TKM": [0.5, 0.25, 0.25],
    }
    a[0, 1] = np.array([rows[s] for s in sc.states])
    h = measures.hedging(a[0, 1])
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


def test_scorecard_table_can_be_written(tmp_path, capsys):
    out = tmp_path / "card.csv"
    code = main(["validate", "--replicates", "3", "--out", str(out)])
    printed = capsys.readouterr().out
    card = pd.read_csv(out)
    assert {"check", "role", "measured", "passed", "source"} <= set(card.columns)
    assert set(card["role"]) == {"fitted", "held_out"}
    # the table written is the one the command scored: its fitted rows give the printed count and the exit code
    fitted = card[card["role"] == "fitted"]
    assert f"{fitted['passed'].sum()}/{len(fitted)} fitted checks pass" in printed
    assert code == (0 if fitted["passed"].all() else 1)


# -- every recorded vote and fact is checked or refused, never dropped -----------------


def test_a_fitted_vote_outside_both_horizons_is_refused_naming_the_text_and_the_horizons(tmp_path, capsys):
    f = tmp_path / "fitted.yaml"
    f.write_text(
        "resolutions:\n  - {id: OLD, date: 2020-06-01, kind: condemnation, role: fitted, observed: {KAZ: abstain}}\n"
    )
    err = one_line_error(main(validate("--resolutions", str(f), "--held-out", "none")), capsys.readouterr().err)
    assert f"{f}:2" in err and "resolution OLD" in err and "2020Q2" in err
    assert "2023Q1..2030Q4" in err and "2021Q4..2026Q4" in err


def test_a_fitted_vote_inside_one_horizon_is_checked_there_only():
    late = votes.Resolution("LATE", dt.date(2028, 5, 1), "condemnation", observed={"KAZ": "abstain"}, role="fitted")
    cs = validation.checks(
        {"baseline": casim.load_scenario(BASELINE), "hindcast": casim.load_scenario(HINDCAST)}, (late,)
    )
    assert [c.id for c in cs if c.resolution is not None] == ["vote:LATE:KAZ@baseline:2028Q2"]


def test_a_held_out_vote_outside_the_hindcast_is_refused(tmp_path, capsys):
    f = tmp_path / "held.yaml"
    f.write_text(
        "resolutions:\n  - {id: FUTURE, date: 2028-06-01, kind: condemnation, role: held_out, observed: {KAZ: abstain}}\n"
    )
    err = one_line_error(main(validate("--resolutions", str(ES11_6), "--held-out", str(f))), capsys.readouterr().err)
    assert "resolution FUTURE" in err and "horizon of the hindcast" in err and "2021Q4..2026Q4" in err


@pytest.mark.parametrize(
    "option, role, expected",
    [("--resolutions", "held_out", "role: fitted"), ("--held-out", "fitted", "role: held_out")],
)
def test_the_file_decides_the_role_of_its_records(tmp_path, capsys, option, role, expected):
    f = tmp_path / "votes.yaml"
    f.write_text(
        f"resolutions:\n  - {{id: X, date: 2023-02-23, kind: peace_terms, role: {role}, observed: {{KAZ: abstain}}}}\n"
    )
    files = {"--resolutions": str(ES11_6), "--held-out": str(HELD_OUT), option: str(f)}
    err = one_line_error(main(validate(*[x for kv in files.items() for x in kv])), capsys.readouterr().err)
    assert f"{f}:2" in err and f"resolution X has role {role!r}" in err and option in err and expected in err


def test_a_misspelt_scenario_key_in_a_facts_file_is_an_error_not_a_dropped_check(tmp_path):
    text = (ROOT / "src" / "casim" / "data" / "facts.yaml").read_text()
    assert "checks: {hindcast: [2023Q1]}" in text
    bad = tmp_path / "facts.yaml"
    bad.write_text(text.replace("checks: {hindcast: [2023Q1]}", "checks: {hindcats: [2023Q1]}"))
    line = next(i for i, x in enumerate(bad.read_text().splitlines(), 1) if "hindcats" in x)
    with pytest.raises(CasimError, match=r"unknown scenario key 'hindcats'.*did you mean 'hindcast'") as e:
        validation.read_facts(bad)
    assert f"{bad}:{line}" in str(e.value)
    assert len(validation.read_facts(ROOT / "src" / "casim" / "data" / "facts.yaml").facts) == len(validation.facts())


def test_a_fact_date_outside_a_horizon_is_an_error_naming_the_fact():
    late = casim.load_scenario(BASELINE, [("start", "2023Q3")])  # as the hindcast: its 2023Q1 is outside
    with pytest.raises(CasimError, match=r"fact russia_top_two: date 2023Q1 .*outside the horizon .*2023Q3\.\.2030Q4"):
        validation.checks({"baseline": casim.load_scenario(BASELINE), "hindcast": late})


# -- the measured values and the held-out comparator -------------------------------------


def test_the_hedging_check_prints_the_state_it_is_compared_with_and_its_value():
    b, h = casim.load_scenario(BASELINE), casim.load_scenario(HINDCAST)
    rows = {
        "KAZ": [0.34, 0.33, 0.33],
        "KGZ": [0.9, 0.05, 0.05],
        "TJK": [0.8, 0.1, 0.1],
        "UZB": [0.4, 0.3, 0.3],
        "TKM": [0.5, 0.25, 0.25],
    }
    a = np.array([rows[s] for s in b.states])
    traj = {k: np.broadcast_to(a, (2, sc.steps + 1, *a.shape)).copy() for k, sc in (("baseline", b), ("hindcast", h))}
    card = validation.score({"baseline": b, "hindcast": h}, traj)
    hedging = dict(zip(b.states, measures.hedging(a)))
    # UZB's comparator is TKM, the 2nd highest of the others (KAZ is the highest); the median of five is UZB itself
    text = card.loc[card["check"] == "uzb_hedging@baseline:2023Q1", "measured"].iloc[0]
    assert f"vs TKM {hedging['TKM']:.3f}" in text and f"UZB {hedging['UZB']:.3f}" in text and "median" not in text


def test_persistence_predicts_from_the_latest_earlier_record_only():
    texts = (
        votes.Resolution("A", dt.date(2022, 3, 1), "condemnation", observed={"KAZ": "abstain"}, role="held_out"),
        votes.Resolution(
            "B", dt.date(2022, 3, 20), "condemnation", observed={"KAZ": "no", "UZB": "no"}, role="held_out"
        ),
        votes.Resolution("C", dt.date(2022, 3, 20), "condemnation", observed={"UZB": "abstain"}, role="held_out"),
        votes.Resolution(
            "FIT", dt.date(2023, 2, 23), "peace_terms", observed={"KAZ": "yes", "UZB": "yes"}, role="fitted"
        ),
    )
    assert validation.previous_vote(texts, texts[0], "KAZ") is None  # nothing earlier; the later records are not used
    assert validation.previous_vote(texts, texts[1], "KAZ") == "abstain"
    assert validation.previous_vote(texts, texts[1], "UZB") is None  # C, on the same date, is not earlier
    assert validation.previous_vote(texts, texts[3], "KAZ") == "no"  # fitted records use held-out ones alike


def test_held_out_summary_counts_the_scorecard_and_the_docs_quote_it():
    b, h = casim.load_scenario(BASELINE), casim.load_scenario(HINDCAST)
    card = validation.scorecard(b, h, validation.resolutions(ES11_6, HELD_OUT))
    held = card[card["role"] == "held_out"]
    s = validation.held_out_summary(card)
    assert s.votes == len(held) == s.by_text["votes"].sum()
    assert s.hits == held["passed"].sum() == s.by_text["hits"].sum()
    assert s.persistence_predictions == held["previous"].notna().sum() == s.by_text["persistence_predictions"].sum()
    assert s.persistence_hits == (held["previous"] == held["observed"]).sum() == s.by_text["persistence_hits"].sum()
    assert s.hits_where_persistence_predicts <= s.persistence_predictions
    # the first held-out text has no earlier record; ES-11/4 (Oct 2022) follows ES-11/3 (Apr 2022), not ES-11/6 (Feb 2023)
    assert held[held["resolution"] == "ES-11/1"]["previous"].isna().all()
    assert held.loc[held["check"].str.startswith("vote:ES-11/4:UZB"), "previous"].iloc[0] == "no"
    docs = (ROOT / "docs" / "validation.md").read_text()
    for text in (docs, (ROOT / "README.md").read_text(), (ROOT / "docs" / "ODD.md").read_text()):
        assert f"{s.hits} of {s.votes}" in text or f"{s.hits}/{s.votes}" in text
        assert (
            f"{s.persistence_hits}/{s.persistence_predictions}" in text
            or f"{s.persistence_hits} of {s.persistence_predictions}" in text
        )
    assert f"{s.hits_where_persistence_predicts}/{s.persistence_predictions}" in docs


@pytest.mark.slow
def test_validation_notebook_is_committed_executed_runs_and_reports_every_fitted_check_passing(kernel):
    """notebooks/validation.ipynb runs top to bottom (nbclient), its scorecard cell agrees with `casim validate`,
    and every cell that draws a figure shows it. That it is committed with outputs and holds no model logic is
    tests/test_notebooks.py's check, made of every notebook, this one included."""
    import re

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / "validation.ipynb", as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    NotebookClient(nb, timeout=300, kernel_name=kernel, resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    assert not [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    text = "".join(
        o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"
    )
    passed, total = text.split(" fitted checks pass")[0].rsplit("\n", 1)[-1].split("/")
    assert passed == total
    # every figure cell (one that calls a casim.figures function returning a Figure, or makes one with pyplot) shows one
    import inspect

    from casim import figures

    makers = sorted(
        n
        for n, f in inspect.getmembers(figures, inspect.isfunction)
        if str(inspect.signature(f).return_annotation).endswith("Figure")
    )
    figure_call = re.compile(r"\b(plt\.(subplots|subplot_mosaic|figure)|figures\.(" + "|".join(makers) + r"))\(")
    figure_cells = [c for c in code_cells if figure_call.search(c.source)]
    assert figure_cells, "the notebook draws no figure"
    blank = [c.source for c in figure_cells if not any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    assert not blank, f"figure cells without an image: {blank}"


# -- the same facts over the posterior -------------------------------------------------


def test_over_posterior_gives_each_facts_share_of_draws_as_the_draws_replicate_means_give_it():
    from casim import posterior

    post = posterior.load()
    base, hind = casim.load_scenario(BASELINE), casim.load_scenario(HINDCAST)
    table = validation.over_posterior(base, hind, post, draws=12, replicates=3, seed=5).set_index("check")
    assert (table["draws"] == 12).all() and (table["replicates"] == 3).all()
    assert (table["seed"] == 5).all() and (table["posterior_sha256"] == post.sha256()).all()  # what ran, recorded
    # west_top in the baseline's last quarter, by hand from casim.run's table over the same draws and seeds
    df = casim.run(BASELINE, replicates=3, seed=5, draws=12)
    last = df[df["date"].astype(str) == base.end].groupby(["draw", "state"], observed=True)["west"].mean().unstack()
    margin = last["KAZ"] - last.drop(columns="KAZ").max(axis=1)
    row = table.loc[[c for c in table.index if c.startswith("west_top") and base.end in c][0]]
    assert row["share_of_draws"] == pytest.approx((margin > 0).mean(), abs=1e-12)
    assert row["margin_median"] == pytest.approx(margin.median(), abs=1e-12)
    assert row["margin_q05"] <= row["margin_median"] <= row["margin_q95"]
    assert row["claim"] == "Kazakhstan holds the largest Western share"


def test_validate_prints_the_facts_over_the_posterior_apart_and_writes_them_beside_the_card(tmp_path, capsys):
    out = tmp_path / "card.csv"
    code = main(validate("--draws", "6", "--held-out", "none", "--out", str(out)))
    printed = capsys.readouterr().out
    assert code in (0, 1)
    assert "scorecard: baseline and hindcast-2021 at the parameters' point values" in printed
    head = "the same facts over the posterior (shipped: 6 draws x 2 replicates)"
    assert head in printed and "reported, not counted" in printed
    drawn = pd.read_csv(tmp_path / "card_posterior.csv")
    section = printed.split(head)[1].splitlines()[1 : 1 + len(drawn)]
    for line, (_, r) in zip(section, drawn.iterrows(), strict=True):
        assert line.strip().startswith(f"{r['share_of_draws']:.0%}") and r["claim"] in line
    scenarios = {"baseline": casim.load_scenario(BASELINE), "hindcast": casim.load_scenario(HINDCAST)}
    assert len(drawn) == len([c for c in validation.checks(scenarios) if c.fact is not None])  # every fact, no vote
    main(validate("--posterior", "none", "--held-out", "none"))
    assert "over the posterior" not in capsys.readouterr().out


def test_readme_and_docs_quote_the_facts_over_the_shipped_posterior_as_validate_gives_them():
    from casim import posterior

    base, hind = casim.load_scenario(BASELINE), casim.load_scenario(HINDCAST)
    table = validation.over_posterior(base, hind, posterior.load())  # casim validate's defaults

    def span(prefix: str) -> str:
        shares = (
            table.loc[table["check"].str.startswith(prefix), "share_of_draws"] if prefix else table["share_of_draws"]
        )
        return f"{shares.min():.0%}–{shares.max():.0%}".replace("%–", "–")

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"hold in {span('')} of draws" in readme
    assert f"Western share in {span('west_top')} of them" in readme and f"median in {span('uzb_hedging')}" in readme
    printed = validation.describe_over_posterior(table, "shipped")
    assert printed in (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
