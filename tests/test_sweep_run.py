"""Running sweeps: the results table, seeds, grouped parameters, executors, the store and resume."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, one_line_error

import casim
from casim import api, seeding
from casim.cli import main
from casim.errors import CasimError
from casim.scenario import load_scenario
from casim.sweep import plan_info
from casim.sweep import store as stores

BASELINE = ROOT / "scenarios" / "baseline.yaml"

GRID = """\
design: {method: grid, levels: 3}
parameters:
  west.sanctions: [0.0, 1.0]
  russia.economy: {range: [0.4, 1.2], levels: 2}
replicates: 2
seed: 11
chunk: 5
"""


def write_sweep(tmp_path: Path, body: str = GRID, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + body)
    return path


def by_run(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["run", "step", "state"]).reset_index(drop=True)


def test_results_carry_the_core_columns_the_point_and_the_swept_values(tmp_path):
    out = tmp_path / "out"
    outcome = casim.run_sweep(write_sweep(tmp_path), out=out)
    df = casim.read_results(out)
    sc = load_scenario(BASELINE)
    core = ["scenario", "run", "replicate", "seed", "step", "date", "state", *sc.powers, "hedging"]
    assert list(df.columns) == [*core, "point", "west.sanctions", "russia.economy"]
    assert outcome.runs == 12 and outcome.chunks == 3 and outcome.complete
    assert len(df) == 12 * (sc.steps + 1) * 5
    runs = df.drop_duplicates("run").set_index("run")
    assert (runs["point"] == runs.index // 2).all() and (runs["replicate"] == runs.index % 2).all()
    assert runs["seed"].tolist() == [seeding.run_seed(11, i) for i in range(12)]
    design = pd.read_parquet(out / "design.parquet")
    np.testing.assert_array_equal(runs["west.sanctions"], design["west.sanctions"].to_numpy()[runs["point"]])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 11 and manifest["replicates"] == 2
    assert manifest["problem"] == {
        "num_vars": 2,
        "names": ["west.sanctions", "russia.economy"],
        "bounds": [[0.0, 1.0], [0.4, 1.2]],
    }
    assert manifest["design"]["method"] == "grid" and manifest["chunks"] == {
        **manifest["chunks"],
        "size": 5,
        "count": 3,
    }
    # the chunks folder is a Parquet dataset pandas reads directly
    assert by_run(pd.read_parquet(out / "chunks")).equals(by_run(df))


def test_each_run_equals_a_single_simulation_with_its_values_and_seed(tmp_path):
    out = tmp_path / "out"
    casim.run_sweep(write_sweep(tmp_path), out=out)
    df = casim.read_results(out)
    sc = load_scenario(BASELINE)
    for run in (0, 7, 11):
        rows = df[df["run"] == run]
        first = rows.iloc[0]
        values = {
            "west.sanctions": np.array([first["west.sanctions"]]),
            "russia.economy": np.array([first["russia.economy"]]),
        }
        traj = api.simulate(sc, np.array([first["seed"]]), values)
        np.testing.assert_array_equal(rows[list(sc.powers)].to_numpy(), traj.reshape(-1, len(sc.powers)))


def test_summaries_keep_only_the_named_dates_with_the_dominant_partner(tmp_path):
    out = tmp_path / "out"
    casim.run_sweep(write_sweep(tmp_path, GRID + "keep: {dates: [2026Q4, 2030Q4]}\n"), out=out)
    df = casim.read_results(out)
    full_out = tmp_path / "full"
    casim.run_sweep(write_sweep(tmp_path, GRID, "full.yaml"), out=full_out)
    full = casim.read_results(full_out)
    assert sorted(df["date"].astype(str).unique()) == ["2026Q4", "2030Q4"]
    assert len(df) == 12 * 2 * 5
    powers = ["russia", "west", "china"]
    assert (df["dominant"].astype(str) == df[powers].idxmax(axis=1)).all()
    kept = full[full["date"].astype(str).isin(["2026Q4", "2030Q4"])]
    cols = ["run", "seed", "step", "state", *powers, "hedging", "point", "west.sanctions"]
    pd.testing.assert_frame_equal(
        by_run(df)[cols].astype({"state": str}), by_run(kept)[cols].astype({"state": str}), check_exact=True
    )


def test_integer_and_categorical_parameters_run_as_their_own_scenarios(tmp_path):
    scen = tmp_path / "shocked.yaml"
    scen.write_text(
        f"schema: 1\nname: shocked\nextends: {BASELINE}\n"
        "shocks:\n  - {id: push, at: 2025Q1, ramp: {russia.coercion: 0.9}, over: 4}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(
        f"schema: 1\nscenario: {scen}\ndesign: {{method: grid}}\nseed: 5\nchunk: 3\nparameters:\n"
        "  shocks.push.over: {values: [1, 6]}\n"
        "  shocks.push.at: {values: [2024Q1, 2027Q2]}\n"
        "  west.sanctions_target: {values: [[russia], [russia, china]]}\n"
        "  west.sanctions: {range: [0.2, 0.8], levels: 2}\n"
    )
    out = tmp_path / "out"
    casim.run_sweep(path, out=out)
    df = casim.read_results(out)
    assert df["run"].nunique() == 16
    assert set(df["west.sanctions_target"]) == {'["russia"]', '["russia", "china"]'}
    for run in (0, 5, 10, 15):
        rows = df[df["run"] == run]
        r = rows.iloc[0]
        target = json.loads(r["west.sanctions_target"])
        variant = tmp_path / f"variant{run}.yaml"
        variant.write_text(
            f"schema: 1\nname: shocked\nextends: {BASELINE}\n"
            f"shocks:\n  - {{id: push, at: {r['shocks.push.at']}, ramp: {{russia.coercion: 0.9}}, over: {int(r['shocks.push.over'])}}}\n"
        )
        sc = load_scenario(variant, [("west.sanctions_target", target), ("west.sanctions", float(r["west.sanctions"]))])
        traj = api.simulate(sc, np.array([r["seed"]]))
        np.testing.assert_array_equal(rows[list(sc.powers)].to_numpy(), traj.reshape(-1, len(sc.powers)))
    # the grouped values make a difference: a long late ramp differs from a short early one
    a = df[(df["shocks.push.over"] == 1) & (df["shocks.push.at"] == "2024Q1")]["russia"].to_numpy()
    b = df[(df["shocks.push.over"] == 6) & (df["shocks.push.at"] == "2027Q2")]["russia"].to_numpy()
    assert not np.array_equal(a, b)


def test_serial_local_processes_and_any_executor_give_identical_bytes(tmp_path):
    path = write_sweep(tmp_path)
    casim.run_sweep(path, out=tmp_path / "serial")
    casim.run_sweep(path, out=tmp_path / "procs", workers=2)
    with ThreadPoolExecutor(3) as ex:
        casim.run_sweep(path, out=tmp_path / "threads", executor=ex)
    for other in ("procs", "threads"):
        for f in sorted((tmp_path / "serial" / "chunks").iterdir()):
            assert f.read_bytes() == (tmp_path / other / "chunks" / f.name).read_bytes(), (other, f.name)
        pd.testing.assert_frame_equal(
            casim.read_results(tmp_path / "serial"), casim.read_results(tmp_path / other), check_exact=True
        )


def test_a_mapping_in_the_file_format_runs_like_the_file(tmp_path):
    import yaml

    raw = yaml.safe_load(f"schema: 1\nscenario: {BASELINE}\n" + GRID)
    casim.run_sweep(raw, out=tmp_path / "a")
    casim.run_sweep(write_sweep(tmp_path), out=tmp_path / "b")
    pd.testing.assert_frame_equal(
        casim.read_results(tmp_path / "a"), casim.read_results(tmp_path / "b"), check_exact=True
    )


def test_mesa_engine_gives_the_ensembles_numbers(tmp_path):
    body = "design: {method: lhs, n: 3, seed: 2}\nparameters: {west.sanctions: [0, 1]}\nreplicates: 2\nseed: 4\n"
    path = write_sweep(tmp_path, body)
    casim.run_sweep(path, out=tmp_path / "ens")
    assert main(["sweep", str(path), "--out", str(tmp_path / "mesa"), "--engine", "mesa"]) == 0
    a, b = casim.read_results(tmp_path / "ens"), casim.read_results(tmp_path / "mesa")
    assert json.loads((tmp_path / "mesa" / "manifest.json").read_text())["engine"] == "mesa"
    assert a[["run", "seed", "west.sanctions"]].equals(b[["run", "seed", "west.sanctions"]])
    np.testing.assert_allclose(a[["russia", "west", "china"]], b[["russia", "west", "china"]], rtol=0, atol=1e-12)


def test_resume_runs_only_the_missing_chunks(tmp_path):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    casim.run_sweep(path, out=out)
    before = casim.read_results(out)
    chunks = sorted((out / "chunks").iterdir())
    kept = {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in chunks[1:]}
    chunks[0].unlink()
    (out / "chunks" / ".part-000000.parquet.x.tmp").write_bytes(b"half a chunk")  # left by a killed sweep
    with pytest.raises(CasimError, match="incomplete"):
        casim.read_results(out)
    assert casim.read_results(out, partial=True)["run"].min() == 5
    outcome = casim.run_sweep(path, out=out, resume=True)
    assert (outcome.chunks_before, outcome.chunks_run, outcome.runs_run) == (2, 1, 5)
    for name, stamp in kept.items():
        f = out / "chunks" / name
        assert (f.stat().st_ino, f.stat().st_mtime_ns) == stamp
    assert not list((out / "chunks").glob(".*"))
    pd.testing.assert_frame_equal(casim.read_results(out), before, check_exact=True)


def test_resume_refuses_a_changed_sweep_file(tmp_path, capsys):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    casim.run_sweep(path, out=out)
    path.write_text(path.read_text().replace("seed: 11", "seed: 12"))
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip()
    assert "sweep file" in err and "changed since this store was started" in err and len(err.splitlines()) == 1


def test_a_store_made_by_another_sweep_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    casim.run_sweep(write_sweep(tmp_path), out=out)
    other = write_sweep(tmp_path, GRID.replace("levels: 3", "levels: 4"), "other.yaml")
    assert main(["sweep", str(other), "--out", str(out), "--resume"]) == 2
    assert "made by another sweep" in capsys.readouterr().err
    assert main(["sweep", str(other), "--out", str(out)]) == 2
    assert "already holds a sweep store; pass --resume" in capsys.readouterr().err
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "notes.txt").write_text("mine")
    assert main(["sweep", str(other), "--out", str(tmp_path / "run")]) == 2
    assert "not empty" in capsys.readouterr().err


def test_an_output_path_under_a_regular_file_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["sweep", str(write_sweep(tmp_path)), "--out", str(blocker / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write the sweep store" in err[0] and str(blocker) in err[0]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_an_unwritable_output_folder_is_a_one_line_error(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert main(["sweep", str(write_sweep(tmp_path)), "--out", str(locked / "out")]) == 2
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write the sweep store" in err[0] and "ermission denied" in err[0]
    assert not (locked / "out").exists()


@pytest.mark.parametrize(
    "bad, words",
    [
        (["--workers", "0"], "workers must be a whole number"),
        (["--executor", "local", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --executor dask"),
        (["--scheduler", "nonsense"], "not a Dask scheduler address"),
    ],
    ids=["workers", "scheduler-on-local", "bad-address"],
)
def test_a_failed_start_leaves_no_store_and_the_corrected_command_runs(tmp_path, capsys, bad, words):
    path, out = write_sweep(tmp_path), tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), *bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and words in err[0], err
    assert not out.exists()
    assert main(["sweep", str(path), "--out", str(out)]) == 0


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_resume_where_there_is_no_store_is_refused(tmp_path, capsys, folder):
    out = tmp_path / folder
    if folder == "empty":
        out.mkdir()
    assert main(["sweep", str(write_sweep(tmp_path)), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"nothing to resume in {out}" in err[0]
    assert out.exists() == (folder == "empty")
    assert not out.exists() or not list(out.iterdir())


def test_resume_refuses_another_engine(tmp_path, capsys):
    path, out = write_sweep(tmp_path), tmp_path / "out"
    casim.run_sweep(path, out=out)
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--engine", "mesa"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "started with --engine ensemble; resume it with the same engine" in err[0]


def test_resume_refuses_a_changed_scenario_file(tmp_path, capsys):
    scen = tmp_path / "base.yaml"
    scen.write_text(f"schema: 1\nname: base\nextends: {BASELINE}\n")
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {scen}\n" + GRID)
    out = tmp_path / "out"
    casim.run_sweep(path, out=out)
    scen.write_text(scen.read_text() + "region: {integration: 2.5}\n")
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the scenario it starts from changed since this store was started" in err[0]


@pytest.mark.parametrize("package", ["casim", "numpy", "SALib"])
def test_resume_refuses_a_store_started_with_another_version(tmp_path, capsys, package):
    path, out = write_sweep(tmp_path), tmp_path / "out"
    casim.run_sweep(path, out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    if package == "casim":
        manifest["casim_version"] = "0.0.1"
    else:
        manifest["versions"][package] = "0.0.1"
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"this store was started with {package} 0.0.1" in err[0]


def test_resume_refuses_a_design_that_differs_from_the_stored_one(tmp_path, capsys):
    path, out = write_sweep(tmp_path), tmp_path / "out"
    casim.run_sweep(path, out=out)
    (out / "chunks" / "part-000002.parquet").unlink()
    design = pd.read_parquet(out / "design.parquet")
    design.loc[3, "west.sanctions"] += 1e-9  # as if SALib or numpy now drew another sample
    design.to_parquet(out / "design.parquet", index=False)
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "differs from the one stored in design.parquet" in err[0]
    assert not (out / "chunks" / "part-000002.parquet").exists()


def test_a_manifest_that_is_not_a_json_object_is_a_one_line_error(tmp_path, capsys):
    path, out = write_sweep(tmp_path), tmp_path / "out"
    casim.run_sweep(path, out=out)
    (out / "manifest.json").write_text("[1, 2, 3]")
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a casim sweep store manifest" in err[0] and "manifest.json" in err[0]
    with pytest.raises(CasimError, match="not a casim sweep store manifest"):
        casim.read_results(out)


def test_the_default_store_is_results_sweeps_and_the_sweep_name(tmp_path, monkeypatch):
    path = write_sweep(tmp_path, name="my-grid.yaml")
    monkeypatch.chdir(tmp_path)
    outcome = casim.run_sweep(path)
    assert outcome.out == Path("results") / "sweeps" / "my-grid"
    assert casim.read_results(tmp_path / "results" / "sweeps" / "my-grid")["run"].nunique() == 12


class GatedThreads(ThreadPoolExecutor):
    """A thread pool whose tasks wait until ``gate_at`` tasks were submitted; records the most submitted and unfinished."""

    def __init__(self, threads: int, gate_at: int):
        super().__init__(threads)
        self.gate, self.gate_at = threading.Event(), gate_at
        self.lock = threading.Lock()
        self.submitted = self.live = self.most = 0

    def submit(self, fn, *args, **kwargs):
        with self.lock:
            self.submitted += 1
            self.live += 1
            self.most = max(self.most, self.live)
            if self.submitted >= self.gate_at:
                self.gate.set()

        def gated():
            self.gate.wait(10)
            return fn(*args, **kwargs)

        future = super().submit(gated)
        future.add_done_callback(self._done)
        return future

    def _done(self, _):
        with self.lock:
            self.live -= 1


@pytest.mark.parametrize(
    "threads, window, expected", [(4, None, 8), (4, 3, 3)], ids=["twice-the-threads", "window-given"]
)
def test_an_executor_passed_in_gets_a_window_sized_from_its_threads(tmp_path, threads, window, expected):
    path = write_sweep(tmp_path, GRID.replace("chunk: 5", "chunk: 1"))  # 12 chunks
    with GatedThreads(threads, gate_at=expected) as ex:
        outcome = casim.run_sweep(path, out=tmp_path / "out", executor=ex, window=window)
    assert outcome.complete and ex.submitted == 12
    assert ex.most == expected


def test_ctrl_c_during_a_chunk_write_leaves_no_temporary_file(tmp_path, capsys, monkeypatch):
    path, out = write_sweep(tmp_path), tmp_path / "out"
    real = stores._write_bytes
    calls = []

    def interrupted_on_second(f, data):
        calls.append(1)
        if len(calls) == 2:
            f.write(data[: len(data) // 2])
            raise KeyboardInterrupt
        real(f, data)

    monkeypatch.setattr(stores, "_write_bytes", interrupted_on_second)
    assert main(["sweep", str(path), "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"resume with: casim sweep {path} --out {out} --resume"
    assert sorted(p.name for p in (out / "chunks").iterdir()) == ["part-000000.parquet"]


def test_a_full_disk_mid_write_leaves_no_chunk_marked_complete(tmp_path, capsys, monkeypatch):
    path = write_sweep(tmp_path)
    out = tmp_path / "out"
    real = stores._write_bytes
    calls = []

    def full_on_second(f, data):
        calls.append(1)
        if len(calls) == 2:
            f.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, data)

    monkeypatch.setattr(stores, "_write_bytes", full_on_second)
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("casim: error:") and "the disk is full" in err[-1]
    assert sorted(p.name for p in (out / "chunks").iterdir()) == ["part-000000.parquet"]  # no temp file, no half chunk
    assert json.loads((out / "manifest.json").read_text())["status"] == "incomplete"


@pytest.fixture
def tiny_disk(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_a_really_full_disk_is_a_clean_error_and_leaves_only_whole_chunks(tmp_path, tiny_disk, capsys):
    body = GRID.replace("chunk: 5", "chunk: 4").replace("replicates: 2", "replicates: 20")  # 120 runs, ~280 kB a chunk
    path = write_sweep(tmp_path, body)
    out = tiny_disk / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "the disk is full" in err[-1]
    names = sorted(p.name for p in (out / "chunks").iterdir())
    assert not [n for n in names if not n.startswith("part-")]
    for n in names:  # every chunk that is there is whole
        pd.read_parquet(out / "chunks" / n)
    assert len(names) < 30


def test_cli_prints_plan_rate_and_summary(tmp_path, capsys):
    assert main(["sweep", str(write_sweep(tmp_path)), "--out", str(tmp_path / "o")]) == 0
    cap = capsys.readouterr()
    assert "6 points x 2 replicate(s) = 12 runs in 3 chunk(s) of 5" in cap.err
    assert "runs/s" in cap.out and "mean shares at 2030Q4" in cap.out and "dominant" in cap.out


def test_dry_run_prints_the_plan_the_sweep_reports_and_writes_nothing(tmp_path, capsys):
    path, out = write_sweep(tmp_path), tmp_path / "o"
    assert main(["sweep", str(path), "--out", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == (
        f"sweep: grid design, 6 points x 2 replicate(s) = 12 runs in 3 chunk(s) of 5 (ensemble) into {out}; "
        "parameters: west.sanctions, russia.economy"
    )
    assert not out.exists()
    started = []
    casim.run_sweep(path, out=out, on_start=started.append)
    planned = plan_info(path, out=out)
    assert {k: started[0][k] for k in planned} == planned
    assert started[0]["done"] == 0 and started[0]["runs_todo"] == 12


def test_a_range_beyond_the_calibrated_one_is_noted(tmp_path, capsys):
    path = write_sweep(tmp_path, GRID.replace("west.sanctions: [0.0, 1.0]", "west.sanctions: [0.0, 1.5]"))
    assert main(["sweep", str(path), "--out", str(tmp_path / "o")]) == 0
    assert "beyond its calibrated range [0, 1]" in capsys.readouterr().err


def test_casim_sweep_is_the_subpackage_and_run_sweep_the_function():
    assert casim.sweep.store is stores
    assert not callable(casim.sweep)
    assert casim.run_sweep is casim.sweep.run_sweep


def test_a_table_too_big_for_memory_is_refused_before_any_run_is_seeded(tmp_path, capsys, monkeypatch):
    sc = load_scenario(BASELINE)
    rows = len(sc.dates()) * len(sc.states)  # per replicate
    need = rows * (44 + 16 * len(sc.powers))  # bytes per replicate: the table's row and the trajectories'
    seeded = []
    real_seeds = api.run_seeds
    monkeypatch.setattr(api, "run_seeds", lambda *a: seeded.append(a) or real_seeds(*a))
    out = tmp_path / "r"
    argv = ["run", str(BASELINE), "--posterior", "none", "--replicates", "1000000000"]
    code = main([*argv, "--out", str(out)])  # the machine's own memory
    line = one_line_error(code, capsys.readouterr().err)
    assert f"1,000,000,000 replicates of {sc.name} make a table of {1_000_000_000 * rows:,} rows" in line
    assert "casim sweep with 'keep: {dates: [...]}'" in line
    assert not seeded and not out.exists()
    monkeypatch.setattr(api, "available_memory", lambda: 10 * need)  # room for 10 replicates, not 11
    with pytest.raises(CasimError, match=f"11 replicates of {sc.name} make a table of {11 * rows:,} rows"):
        api.run(sc, replicates=11)
    assert not seeded
    assert len(api.run(sc, replicates=10)) == 10 * rows
