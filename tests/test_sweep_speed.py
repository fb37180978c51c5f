"""Only what a command needs (issue 11): each design imports only its sampler, `casim sensitivity --no-figures`
draws nothing, and a sweep's closing summary is tallied as chunks finish instead of read back from the store.

Speed itself is shown by benchmarks/bench_sobol_cli.py and bench_peers.py, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from helpers import ROOT

import casim
from casim.cli import main
from casim.scenario import load_scenario
from casim.sweep import SweepInterrupted, summarise
from casim.sweep import store as stores

BASELINE = ROOT / "scenarios" / "baseline.yaml"
SALIB_SAMPLERS = ("SALib.sample.latin", "SALib.sample.sobol", "SALib.sample.morris")


def sweep_file(tmp_path: Path, design: str, keep: str = "{dates: [2028Q4, 2030Q4]}", name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(
        f"schema: 1\nscenario: {BASELINE}\ndesign: {design}\n"
        "parameters:\n  west.sanctions: [0.0, 1.0]\n  russia.economy: [0.4, 1.2]\n"
        f"replicates: 2\nseed: 5\nkeep: {keep}\nchunk: 6\n"
    )
    return path


def samplers_imported(path: Path, out: Path) -> set[str]:
    """The SALib sampler modules a fresh interpreter holds after planning and running the sweep at ``path``."""
    code = (
        "import sys, json, casim\nfrom casim.sweep import plan_info\n"
        f"plan_info({str(path)!r})\n"
        f"casim.run_sweep({str(path)!r}, out={str(out)!r})\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m in {SALIB_SAMPLERS!r})))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "design, sampler",
    [
        ("{method: lhs, n: 6, seed: 1}", "SALib.sample.latin"),
        ("{method: sobol, n: 4, seed: 1}", "SALib.sample.sobol"),
        ("{method: morris, n: 3, seed: 1}", "SALib.sample.morris"),
    ],
)
def test_a_sweep_imports_only_its_designs_sampler(tmp_path, design, sampler):
    got = samplers_imported(sweep_file(tmp_path, design), tmp_path / "out")
    assert got == {sampler}


def test_a_grid_sweep_imports_no_sampler(tmp_path):
    design = "{method: grid, levels: 2}"
    assert samplers_imported(sweep_file(tmp_path, design), tmp_path / "out") == set()


@pytest.fixture(scope="module")
def sobol_store(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("sobol")
    out = tmp / "store"
    casim.run_sweep(sweep_file(tmp, "{method: sobol, n: 8, seed: 3}"), out=out)
    return out


def test_sensitivity_no_figures_prints_and_writes_the_table_draws_nothing_and_never_imports_matplotlib(
    sobol_store, tmp_path
):
    code = (
        "import sys\nfrom casim.cli import main\n"
        f"code = main(['sensitivity', {str(sobol_store)!r}, '--state', 'UZB', '--no-figures', "
        f"'--out', {str(tmp_path / 'fast')!r}])\n"
        "print('MATPLOTLIB' if any(m.split('.')[0] == 'matplotlib' for m in sys.modules) else 'NO MATPLOTLIB')\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "NO MATPLOTLIB"
    assert lines[-2] == f"wrote {tmp_path / 'fast.csv'}"
    assert "west.sanctions" in done.stdout and "S1" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fast.csv"]  # no .png, no .svg
    # the same indices as the command that draws the figure
    assert main(["sensitivity", str(sobol_store), "--state", "UZB", "--out", str(tmp_path / "drawn")]) == 0
    assert (tmp_path / "drawn.svg").exists() and (tmp_path / "drawn.png").exists()
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "fast.csv"), pd.read_csv(tmp_path / "drawn.csv"), check_exact=True
    )


def test_sensitivity_table_equals_the_indices_computed_state_by_state(sobol_store):
    """The analysis splits the horizon by state once; each state's indices equal design_outputs' X and Y for it."""
    from casim.analysis import inputs, sensitivity

    df, manifest = inputs.load_results(sobol_store)
    table = sensitivity.from_manifest(df, manifest, outcomes=["russia", "hedging"])
    assert len(table) == 5 * 2 * 2  # states x outcomes x parameters
    for (state, outcome), got in table.groupby(["state", "outcome"], sort=False):
        X, Y = sensitivity.design_outputs(df, manifest["problem"], str(state), str(outcome))
        one = sensitivity.sobol_indices(manifest["problem"], Y, X, seed=manifest["seed"])
        pd.testing.assert_frame_equal(got[one.columns].reset_index(drop=True), one, check_exact=True, check_dtype=False)


class ChunkReads:
    """Counts the chunk files pyarrow reads (the closing summary must read none of the chunks it tallied)."""

    def __init__(self, monkeypatch):
        self.files: list[str] = []
        real = pq.read_table

        def spy(source, *args, **kwargs):
            if "part-" in str(source):
                self.files.append(Path(str(source)).name)
            return real(source, *args, **kwargs)

        monkeypatch.setattr(pq, "read_table", spy)


@pytest.mark.parametrize("keep", ["{dates: [2028Q4, 2030Q4]}", "trajectories"])
def test_the_closing_summary_tallied_as_chunks_finish_equals_the_store_read_back_and_reads_no_chunk(
    tmp_path, monkeypatch, keep
):
    out = tmp_path / "out"
    outcome = casim.run_sweep(sweep_file(tmp_path, "{method: lhs, n: 10, seed: 2}", keep), out=out)
    assert outcome.chunks == 4 and outcome.tallied == {0, 1, 2, 3}
    reads = ChunkReads(monkeypatch)
    last, table = outcome.summary()
    assert reads.files == []
    expected_last, expected = summarise(out)
    assert len(reads.files) == 4  # the premise: reading the store back does read every chunk
    assert last == expected_last == ("2030Q4" if keep != "trajectories" else load_scenario(BASELINE).end)
    pd.testing.assert_frame_equal(table, expected, check_exact=True)
    assert list(table.index) == ["KAZ", "KGZ", "TJK", "UZB", "TKM"]


def test_the_printed_summary_is_the_one_the_store_gives(tmp_path, capsys):
    path, out = sweep_file(tmp_path, "{method: lhs, n: 10, seed: 2}"), tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    last, table = summarise(out)
    assert f"mean shares at {last} over all runs" in printed
    assert table.round(3).to_string() in printed


def test_a_resumed_sweeps_summary_equals_an_uninterrupted_ones_reading_only_the_chunks_stored_before(
    tmp_path, monkeypatch
):
    path = sweep_file(tmp_path, "{method: lhs, n: 10, seed: 2}")
    whole = casim.run_sweep(path, out=tmp_path / "whole")
    out = tmp_path / "resumed"
    real, calls = stores._write_bytes, []

    def stop_on_third(f, data):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(f, data)

    monkeypatch.setattr(stores, "_write_bytes", stop_on_third)
    with pytest.raises(SweepInterrupted):
        casim.run_sweep(path, out=out)
    monkeypatch.setattr(stores, "_write_bytes", real)
    resumed = casim.run_sweep(path, out=out, resume=True)
    assert (resumed.chunks_before, resumed.chunks_run) == (2, 2)
    reads = ChunkReads(monkeypatch)
    got = resumed.summary()
    assert sorted(reads.files) == ["part-000000.parquet", "part-000001.parquet"]  # only the chunks stored before
    want = whole.summary()
    assert got[0] == want[0]
    pd.testing.assert_frame_equal(got[1], want[1], check_exact=True)
    pd.testing.assert_frame_equal(got[1], summarise(out)[1], check_exact=True)


def test_a_summary_refuses_a_chunk_damaged_after_it_was_stored(tmp_path):
    """Chunks the runner wrote are checked by size, the others by SHA-256: damage to either is still found."""
    path, out = sweep_file(tmp_path, "{method: lhs, n: 10, seed: 2}"), tmp_path / "out"
    outcome = casim.run_sweep(path, out=out)
    chunk = out / "chunks" / "part-000001.parquet"
    chunk.write_bytes(chunk.read_bytes()[:-10])
    with pytest.raises(casim.CasimError, match="part-000001.parquet"):
        outcome.summary()


def test_local_workers_fork_server_starts_before_the_design_only_for_several_local_workers_and_loads_the_kernel_only_if_it_runs():
    code = (
        "from multiprocessing import forkserver\n"
        "from casim.sweep.executors import prestart\n"
        "started = lambda: forkserver._forkserver._forkserver_pid is not None\n"
        "seen = []\n"
        "for args in ((None, 1), ('local', 1), ('dask', 2), (None, 2, 'tcp://127.0.0.1:1'), ('local', 2)):\n"
        "    prestart(*args, kernel=True)\n"
        "    seen.append(started())\n"
        "print(seen, forkserver._forkserver._preload_modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[False, False, False, False, True] ['casim.sweep.preload']"
    small = code.replace("kernel=True", "kernel=False")  # a sweep too small for the fused kernel: the code only
    done = subprocess.run([sys.executable, "-c", small], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[False, False, False, False, True] ['casim.sweep.jobs']"


def test_the_fork_servers_preload_loads_the_kernel_a_sweeps_chunks_then_use_without_loading_more(tmp_path):
    """Workers forked from the server inherit the kernel's machine code: a chunk needs no signature it lacks."""
    path = sweep_file(tmp_path, "{method: sobol, n: 4, seed: 1}")
    code = (
        "import casim.sweep.preload\n"
        "from casim import ensemble\n"
        "name = ensemble.kernel()[0]\n"
        "if name != 'fused':\n"
        "    print('numpy')\n"
        "else:\n"
        "    from casim import fused\n"
        "    from casim.sweep import load_sweep, make_design\n"
        "    from casim.sweep.jobs import run_chunk\n"
        "    from casim.sweep.plan import Plan\n"
        "    before = sum(len(k.signatures) for k in fused.compiled())\n"
        f"    sweep = load_sweep({str(path)!r})\n"
        "    import dataclasses\n"
        "    job = Plan(sweep, make_design(sweep), 'ensemble').job(0)\n"
        "    run_chunk(dataclasses.replace(job, work=ensemble.FUSED_MIN_WORK))  # a sweep large enough for it\n"
        "    print(before, sum(len(k.signatures) for k in fused.compiled()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    if done.stdout.strip() == "numpy":
        pytest.skip("the fused kernel does not run here (numba not installed or CASIM_KERNEL=numpy)")
    before, after = map(int, done.stdout.split())
    assert before >= 1 and after == before


def test_totals_are_the_exact_sum_of_the_chunks_tallies_in_any_order(tmp_path):
    """Shares are added as exact integers: any order of the chunks gives the same table, the exact mean rounded once."""
    import random
    from fractions import Fraction

    from casim.sweep import summary as summaries

    out = tmp_path / "out"
    casim.run_sweep(sweep_file(tmp_path, "{method: lhs, n: 30, seed: 4}"), out=out)
    powers = ["russia", "west", "china"]
    tallies = []
    for f in sorted((out / "chunks").glob("part-*.parquet")):
        rows = pd.read_parquet(f, columns=["date", "state", *powers])
        tallies.append(summaries.tally(rows[rows["date"] == "2030Q4"], powers))
    assert len(tallies) == 10
    tables = []
    for seed in range(3):
        order = list(tallies)
        random.Random(seed).shuffle(order)
        totals = summaries.Totals()
        for t in order:
            totals.add(t)
        tables.append(totals.table(powers))
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0], check_exact=True)
    runs = sum(t["UZB"][2] for t in tallies)
    exact = sum((Fraction(float(t["UZB"][0][1])) for t in tallies), Fraction(0)) / runs
    assert tables[0].loc["UZB", "west"] == float(exact)  # the exact mean, correctly rounded
    assert runs == 60 and tables[0].loc["UZB", [f"{p} dominant %" for p in powers]].sum() == pytest.approx(
        100.0, abs=1e-9
    )
