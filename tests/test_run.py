"""casim run / check / schema, the tidy table and its manifest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, ROOT

import casim
from casim import dynamics
from casim.cli import main
from casim.scenario import load_scenario, scenario_from_dict
from casim.schedule import timelines

CORE = ["scenario", "run", "replicate", "seed", "step", "date", "state", "russia", "west", "china", "hedging"]


def test_run_writes_parquet_table_and_manifest(tmp_path, capsys):
    out = tmp_path / "o"
    assert (
        main(["run", str(BASELINE), "--posterior", "none", "--replicates", "3", "--seed", "5", "--out", str(out)]) == 0
    )
    printed = capsys.readouterr().out
    df = pd.read_parquet(out / "results.parquet")
    assert list(df.columns) == CORE
    sc = load_scenario(BASELINE)
    assert len(df) == 3 * (sc.steps + 1) * 5
    assert set(df["state"]) == {"KAZ", "KGZ", "TJK", "UZB", "TKM"}
    np.testing.assert_allclose(df[["russia", "west", "china"]].sum(axis=1), 1.0, atol=1e-12)
    assert df["date"].astype(str).iloc[0] == sc.start and df["date"].astype(str).iloc[-1] == sc.end
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["seed"] == 5 and meta["replicates"] == 3 and meta["engine"] == "ensemble"
    assert meta["scenario"]["parameters"]["west.sanctions"] == sc.values["west.sanctions"]
    assert meta["scenario_file_sha256"] == hashlib.sha256(BASELINE.read_bytes()).hexdigest()
    assert list(meta["scenario_files_sha256"].values()) == [meta["scenario_file_sha256"]]
    assert {"python", "mesa", "numpy", "pandas", "pyarrow"} <= set(meta["versions"])
    assert meta["timing"]["seconds"] >= 0 and meta["rows"] == len(df)
    assert sorted(set(df["seed"])) == sorted(casim.seeding.run_seeds(5, 3).tolist())
    # the printed summary is the mean at the horizon
    last = df[df["step"] == df["step"].max()].groupby("state", observed=True)["russia"].mean()
    assert f"{last['TJK']:.3f}" in printed and sc.end in printed


def test_run_csv_format_and_mesa_engine(tmp_path):
    out = tmp_path / "o"
    assert (
        main(
            [
                "run",
                str(BASELINE),
                "--posterior",
                "none",
                "--replicates",
                "2",
                "--format",
                "csv",
                "--engine",
                "mesa",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    df = pd.read_csv(out / "results.csv")
    assert list(df.columns) == CORE
    assert json.loads((out / "manifest.json").read_text())["engine"] == "mesa"


def test_hedging_column_is_normalised_entropy():
    df = casim.run(load_scenario(BASELINE), replicates=2, seed=1, posterior=None)
    shares = df[["russia", "west", "china"]].to_numpy()
    expected = -(shares * np.log(shares)).sum(1) / np.log(3)
    np.testing.assert_allclose(df["hedging"], expected, rtol=1e-12)
    assert dynamics.hedging(np.full(3, 1 / 3)) == pytest.approx(1.0)


def test_set_override_changes_the_resolved_parameter(tmp_path):
    sc = load_scenario(BASELINE, [("west.sanctions", "0.9"), ("KAZ.stubbornness", "0.4")])
    assert sc.values["west.sanctions"] == 0.9 and sc.values["KAZ.stubbornness"] == 0.4
    assert ("west.sanctions", "0.9") in sc.overrides


def test_extends_merges_mappings_and_appends_shocks(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "schema: 1\nname: base\nseed: 3\npowers: {west: {sanctions: 0.4}}\n"
        "shocks:\n  - {at: 2024Q1, set: {west.sanctions: 0.6}}\n"
    )
    (tmp_path / "child.yaml").write_text(
        "schema: 1\nname: child\nextends: base.yaml\npowers: {russia: {economy: 0.8}}\n"
        "shocks:\n  - {at: 2025Q1, set: {russia.economy: 0.7}}\n"
    )
    sc = load_scenario(tmp_path / "child.yaml")
    assert sc.name == "child" and sc.seed == 3
    assert sc.values["west.sanctions"] == 0.4 and sc.values["russia.economy"] == 0.8
    assert [s.path for s in sc.shocks] == ["west.sanctions", "russia.economy"]


def test_shock_kinds_make_the_documented_timelines():
    sc = scenario_from_dict(
        {
            "schema": 1,
            "name": "t",
            "start": "2023Q1",
            "end": "2025Q4",
            "powers": {"west": {"sanctions": 0.2}},
            "region": {"afghan_threat": 0.1},
            "shocks": [
                {"at": "2023Q3", "ramp": {"west.sanctions": 1.0}, "over": 4},
                {"at": "2024Q2", "pulse": {"region.afghan_threat": 0.9}, "over": 2},
                {"at": "2025Q2", "set": {"region.afghan_threat": 0.5}},
            ],
        }
    )
    tl = timelines(sc)
    np.testing.assert_allclose(tl["west.sanctions"], [0.2, 0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(tl["region.afghan_threat"], [0.1] * 5 + [0.9, 0.9] + [0.1, 0.1] + [0.5] * 3)


def test_a_shock_moves_the_trajectory_only_from_its_date():
    raw = {"schema": 1, "name": "t", "model": {"noise": 0.0}}
    calm = casim.run(scenario_from_dict(raw), replicates=1, seed=1, posterior=None)
    shocked = casim.run(
        scenario_from_dict({**raw, "shocks": [{"at": "2025Q1", "set": {"west.sanctions": 1.0}}]}),
        replicates=1,
        seed=1,
        posterior=None,
    )
    before = calm["date"].astype(str) < "2025Q1"
    np.testing.assert_array_equal(calm.loc[before, "russia"], shocked.loc[before, "russia"])
    at = (calm["date"].astype(str) == "2025Q1") & (calm["state"] == "KAZ")
    assert shocked.loc[at, "russia"].iloc[0] < calm.loc[at, "russia"].iloc[0]  # already at the shock's own date
    kaz_end = lambda df: df[(df["state"] == "KAZ") & (df["step"] == df["step"].max())]["russia"].iloc[0]  # noqa: E731
    assert kaz_end(shocked) < kaz_end(calm) - 0.01


def test_a_power_added_in_yaml_gets_a_column(tmp_path):
    sc = scenario_from_dict(
        {
            "schema": 1,
            "name": "with-india",
            "powers": {"india": {"exposure": {"KAZ": {"trade": 0.05}, "UZB": {"trade": 0.03, "investment": 0.02}}}},
        }
    )
    assert sc.powers == ("russia", "west", "china", "india")
    df = casim.run(sc, replicates=2, seed=1, posterior=None)
    assert "india" in df.columns
    np.testing.assert_allclose(df[["russia", "west", "china", "india"]].sum(axis=1), 1.0, atol=1e-12)


def test_check_accepts_every_shipped_scenario(capsys):
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    assert len(files) >= 10  # the baseline, the hindcast, the alternatives and the extensions
    assert main(["check", *files]) == 0
    assert capsys.readouterr().out.count(": ok") == len(files)


def test_schema_prints_json_schema_for_editors(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "casim scenario"
    assert {"schema", "name", "powers", "states", "shocks", "extends"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_scenario_is_frozen():
    sc = load_scenario(BASELINE)
    seed, sanctions = sc.seed, sc.values["west.sanctions"]
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'seed'"):
        sc.seed = seed + 1  # type: ignore[misc]
    with pytest.raises(TypeError, match="does not support item assignment"):
        sc.values["west.sanctions"] = sanctions + 0.1  # type: ignore[index]
    assert sc.seed == seed and sc.values["west.sanctions"] == sanctions


def test_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["run", str(BASELINE), "--replicates", "1", "--out", str(blocker / "sub")])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write results" in err and len(err.strip().splitlines()) == 1


def test_a_power_with_no_ties_does_not_dilute_the_others():
    raw = {"schema": 1, "name": "t", "model": {"noise": 0.0}}
    plain = casim.run(scenario_from_dict(raw), replicates=1, seed=1, posterior=None)
    ghost = casim.run(
        scenario_from_dict({**raw, "powers": {"ghost": {"exposure": {"KAZ": {"trade": 0.0}}}}}),
        replicates=1,
        seed=1,
        posterior=None,
    )
    assert ghost["ghost"].max() < 1e-4
    for p in ("russia", "west", "china"):
        assert np.abs(plain[p].to_numpy() - ghost[p].to_numpy()).max() < 1e-3


def test_an_added_power_is_a_pole_of_the_anchor_only_if_its_scenario_says_so():
    """The anchor balances russia, west and china (pole 1 in the data); Turkey is a partner unless set a pole."""
    partner = load_scenario("multipolar")
    pole = load_scenario("multipolar", {"turkey.pole": 1.0})
    assert partner.values["turkey.pole"] == 0.0 and partner.values["russia.pole"] == 1.0
    tkm, turkey = partner.states.index("TKM"), partner.powers.index("turkey")
    start = {name: casim.simulate(sc, np.array([1]))[0, 0, tkm, turkey] for name, sc in (("p", partner), ("o", pole))}
    assert start["p"] < 0.02  # only what Turkey's ties give it through the utility
    assert start["o"] > 0.1  # as a pole it also gets its part of TKM's neutral anchor (stubbornness / 4.4)


def test_extends_records_the_hash_of_every_file_in_the_chain(tmp_path):
    (tmp_path / "base.yaml").write_text("schema: 1\nname: base\n")
    (tmp_path / "child.yaml").write_text("schema: 1\nname: child\nextends: base.yaml\n")
    sc = load_scenario(tmp_path / "child.yaml")
    digests = {Path(p).name: d for p, d in sc.sources}
    assert digests == {n: hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("child.yaml", "base.yaml")}


def test_a_later_dated_shock_wins_whatever_the_file_order(tmp_path):
    (tmp_path / "base.yaml").write_text(
        "schema: 1\nname: base\nend: 2025Q4\nshocks:\n  - {at: 2024Q1, ramp: {west.sanctions: 0.9}, over: 2}\n"
    )
    (tmp_path / "child.yaml").write_text(
        "schema: 1\nname: child\nextends: base.yaml\nshocks:\n  - {at: 2023Q3, set: {west.sanctions: 0.6}}\n"
    )
    tl = timelines(load_scenario(tmp_path / "child.yaml"))["west.sanctions"]
    np.testing.assert_allclose(tl, [0.5, 0.5, 0.6, 0.6, 0.75, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9])


def test_a_ramp_longer_than_the_horizon_stops_part_way():
    sc = scenario_from_dict(
        {
            "schema": 1,
            "name": "t",
            "end": "2023Q4",
            "powers": {"west": {"sanctions": 0.0}},
            "shocks": [{"at": "2023Q3", "ramp": {"west.sanctions": 1.0}, "over": 10}],
        }
    )
    np.testing.assert_allclose(timelines(sc)["west.sanctions"], [0.0, 0.0, 0.1, 0.2])


def test_an_empty_block_in_a_child_keeps_the_parents(tmp_path):
    (tmp_path / "base.yaml").write_text("schema: 1\nname: base\nmodel: {noise: 0.2}\n")
    (tmp_path / "child.yaml").write_text("schema: 1\nname: child\nextends: base.yaml\nmodel:\n  # noise: 0\n")
    assert load_scenario(tmp_path / "child.yaml").values["model.noise"] == 0.2


def test_set_overrides_top_level_keys():
    sc = load_scenario(BASELINE, [("seed", "7"), ("end", "2031Q2"), ("replicates", "3")])
    assert (sc.seed, sc.end, sc.replicates, sc.steps) == (7, "2031Q2", 3, 33)


def test_scenarios_do_not_share_list_parameters(tmp_path):
    """A list parameter is held as a tuple, so no scenario can change it in place under another one."""
    f = tmp_path / "wider.yaml"
    f.write_text("schema: 1\nname: wider\npowers: {west: {sanctions_target: [russia, china]}}\n")
    a, b = load_scenario(f), load_scenario(BASELINE)
    assert a.values["west.sanctions_target"] == ("russia", "china")  # the YAML list, as a tuple
    with pytest.raises(AttributeError):
        a.values["west.sanctions_target"].append("iran")  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        b.values["west.sanctions_target"].append("china")  # type: ignore[attr-defined]
    assert b.values["west.sanctions_target"] == ("russia",) == load_scenario(BASELINE).values["west.sanctions_target"]


def test_a_table_of_the_other_format_is_not_read_stale(tmp_path):
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "--replicates", "1", "--out", str(out)]) == 0
    assert main(["run", str(BASELINE), "--replicates", "3", "--draws", "2", "--format", "csv", "--out", str(out)]) == 0
    assert not (out / "results.parquet").exists()
    assert casim.read_results(out)["run"].nunique() == 6
