"""The tidy table built from numpy columns (casim.tidy.Layout), as a DataFrame or streamed to Parquet/CSV.

`casim.run` must return the very DataFrame the first implementation built (values, dtypes, column order, index):
`old_table` below is that implementation, kept as the reference.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, SCENARIOS, one_line_error

import casim
from casim import api, columns, dynamics, results, tidy
from casim.cli import main
from casim.scenario import load_scenario
from casim.seeding import run_seeds


def old_table(scenario, trajectories, seeds, runs=None, replicates=None, extra=None) -> pd.DataFrame:
    """casim.results.table as it was before the tables were built column by column (commit 6e340d0)."""
    R, T1, S, P = trajectories.shape
    runs = np.arange(R) if runs is None else np.asarray(runs)
    replicates = runs if replicates is None else np.asarray(replicates)
    per_row = T1 * S
    dates = scenario.dates()
    date_codes = np.tile(np.repeat(np.arange(T1, dtype=np.int16), S), R)
    cols = {
        "scenario": pd.Categorical.from_codes(np.zeros(R * per_row, dtype=np.int8), [scenario.name]),
        "run": np.repeat(runs.astype(np.int64), per_row),
        "replicate": np.repeat(replicates.astype(np.int64), per_row),
        "seed": np.repeat(np.asarray(seeds, dtype=np.int64), per_row),
        "step": np.tile(np.repeat(np.arange(T1, dtype=np.int64), S), R),
        "date": pd.Categorical.from_codes(date_codes, dates, ordered=True),
        "state": pd.Categorical.from_codes(np.tile(np.arange(S, dtype=np.int8), R * T1), list(scenario.states)),
    }
    flat = trajectories.reshape(R * T1 * S, P)
    for j, p in enumerate(scenario.powers):
        cols[p] = flat[:, j]
    cols["hedging"] = dynamics.hedging(flat)
    for name, v in (extra or {}).items():
        cols[name] = np.repeat(np.asarray(v), per_row)
    return pd.DataFrame(cols)


def old_run(scenario, replicates: int, seed: int, engine: str = "ensemble") -> pd.DataFrame:
    """casim.run as it was: every run simulated at once, then the whole table built."""
    sc = load_scenario(scenario).with_values(replicates=replicates, seed=seed)
    seeds = run_seeds(seed, replicates)
    return old_table(sc, api.simulate(sc, seeds, engine=engine), seeds)


def assert_identical(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Equal values bit for bit (no tolerance), dtypes (categories and their order too), columns and index."""
    pd.testing.assert_frame_equal(new, old, check_exact=True, check_categorical=True, check_index_type=True)
    assert list(new.dtypes) == list(old.dtypes)
    for c in new.columns:
        if isinstance(old[c].dtype, pd.CategoricalDtype):
            assert new[c].cat.codes.dtype == old[c].cat.codes.dtype, c
            assert new[c].cat.categories.dtype == old[c].cat.categories.dtype, c


@pytest.mark.parametrize(
    ("scenario", "replicates", "engine"),
    [
        (BASELINE, 5, "ensemble"),
        (SCENARIOS / "multipolar.yaml", 4, "ensemble"),  # extra powers: more share columns
        (SCENARIOS / "sanctions_tighten.yaml", 2 * 2048 + 3, "ensemble"),  # three batches, the last one short
        (BASELINE, 3, "mesa"),
    ],
    ids=["baseline", "multipolar", "batches", "mesa"],
)
def test_casim_run_returns_the_old_implementations_dataframe_bit_for_bit(scenario, replicates, engine):
    new = casim.run(scenario, replicates=replicates, seed=7, engine=engine, posterior=None)
    assert_identical(new, old_run(scenario, replicates, 7, engine))


def test_table_with_runs_replicates_and_extra_columns_equals_the_old_implementation():
    sc = load_scenario(SCENARIOS / "multipolar.yaml")
    n = 6
    seeds = run_seeds(3, n)
    traj = api.simulate(sc, seeds)
    runs = np.arange(10, 10 + n)
    extra = {
        "parameter": np.array(["", "a.b", "a.b", "c", "c", "c"]),  # strings, as a one-at-a-time table has
        "value": np.linspace(0.1, 0.6, n),
        "point": np.arange(n) // 2,
    }
    new = results.table(sc, traj, seeds, runs=runs, replicates=runs % 3, extra=extra)
    assert_identical(new, old_table(sc, traj, seeds, runs=runs, replicates=runs % 3, extra=extra))


def test_the_dataframe_shares_its_columns_without_copies():
    df = casim.run(BASELINE, replicates=3, seed=1, posterior=None)
    # one block per column: no consolidation copy of the float or int columns into 2-D blocks
    assert df._mgr.nblocks == len(df.columns)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_streamed_table_reads_back_as_casim_runs_dataframe(tmp_path, fmt):
    sc = load_scenario(SCENARIOS / "multipolar.yaml")
    replicates = 2048 + 5  # two row groups
    path, _, manifest = api.run_to(tmp_path, sc, replicates=replicates, seed=11, fmt=fmt)
    df = casim.run(sc, replicates=replicates, seed=11, posterior=None)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        back = pd.read_parquet(path)
        assert_identical(back, df)
        meta = pq.ParquetFile(path).metadata
        assert meta.num_row_groups == 2 and meta.num_rows == len(df)
    else:
        assert path.read_text() == df.to_csv(index=False)  # the same text as writing the whole table at once
    written = json.loads((tmp_path / "manifest.json").read_text())
    assert written["rows"] == len(df) and written["results"] == path.name
    assert written["seed"] == 11 and written["replicates"] == replicates == manifest["replicates"]


def test_the_streamed_summary_equals_api_summary_of_the_whole_table(tmp_path):
    sc = load_scenario(SCENARIOS / "multipolar.yaml")
    _, summary, _ = api.run_to(tmp_path, sc, replicates=2048 + 7, seed=2)
    expected = api.summary(casim.run(sc, replicates=2048 + 7, seed=2, posterior=None))
    # sums accumulated per batch, not pandas' groupby mean: the same to rounding
    pd.testing.assert_frame_equal(summary, expected, check_exact=False, rtol=1e-12, atol=1e-15)


def test_the_parquet_file_dictionary_encodes_the_labels_only(tmp_path):
    import pyarrow.parquet as pq

    path, _, _ = api.run_to(tmp_path, SCENARIOS / "multipolar.yaml", replicates=3, seed=1)
    group = pq.ParquetFile(path).metadata.row_group(0)
    chunks = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    labels = set(columns.CORE_COLUMNS)
    assert {name for name, c in chunks.items() if c.has_dictionary_page} == labels
    assert len(chunks) == len(labels) + 6  # the multipolar scenario's five powers and hedging: plain
    assert all(c.is_stats_set for c in chunks.values())
    schema = pq.read_schema(path)
    assert schema.field(columns.DATE).type.ordered and not schema.field(columns.STATE).type.ordered
    assert schema.field(columns.RUN).type == "int64"  # a dictionary in the file, plain integers when read


@pytest.mark.parametrize("posterior", [["--posterior", "none"], ["--draws", "3"]], ids=["point", "posterior"])
def test_casim_run_cli_streams_and_prints_the_summary(tmp_path, capsys, posterior):
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "--replicates", "4", "--seed", "9", *posterior, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    over = {"posterior": None} if "none" in posterior else {"draws": 3}
    df = casim.run(BASELINE, replicates=4, seed=9, **over)
    assert_identical(pd.read_parquet(out / "results.parquet"), df)
    assert api.summary(df).round(3).to_string() in printed
    assert json.loads((out / "manifest.json").read_text())["rows"] == len(df)


def test_a_streamed_run_bigger_than_memory_is_not_refused_but_one_bigger_than_the_disk_is(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(api, "available_memory", lambda: 1000)  # no table fits in memory
    out = tmp_path / "o"
    assert main(["run", str(BASELINE), "--replicates", "2", "--out", str(out)]) == 0
    with pytest.raises(casim.CasimError, match="GB of memory is available"):
        api.run(BASELINE, replicates=2)
    free = type("Usage", (), {"free": 10_000})  # 10 kB free: not even one run's shares fit
    monkeypatch.setattr(api.shutil, "disk_usage", lambda path: free)
    line = one_line_error(
        main(["run", str(BASELINE), "--replicates", "2", "--out", str(tmp_path / "p")]), capsys.readouterr().err
    )
    assert "at least 0.0 GB on disk" in line and "GB is free at" in line
    assert not (tmp_path / "p").exists()


PEAK = """
import sys
from casim.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as f:  # this process's own peak; ru_maxrss would carry over its parent's (fork, exec)
    print(next(line for line in f if line.startswith("VmHWM:")).split()[1])  # KiB
sys.exit(code)
"""


def peak_kib(tmp_path, replicates: int) -> int:
    """Peak RSS (KiB) of a `casim run` streaming a short horizon to Parquet, in a fresh process."""
    out = tmp_path / f"r{replicates}"
    argv = ["run", str(BASELINE), "--posterior", "none", "--replicates", str(replicates), "--set", "end=2023Q4"]
    argv += ["--out", str(out)]
    proc = subprocess.run([sys.executable, "-c", PEAK, *argv], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((out / "manifest.json").read_text())["rows"]
    assert rows == replicates * 4 * 5  # 2023Q1..2023Q4, 5 states
    return int(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_peak_memory_of_a_streamed_run_does_not_grow_with_replicates(tmp_path):
    small = peak_kib(tmp_path, 20_000)
    large = peak_kib(tmp_path, 200_000)  # 10x the runs: 16,000,000 rows
    print(f"peak RSS: 20,000 runs {small / 1024:.0f} MiB, 200,000 runs {large / 1024:.0f} MiB")
    assert large < 1.5 * small + 50 * 1024


@pytest.mark.parametrize("powers", range(2, 10))  # one power has no hedging index (0 / log 1)
def test_the_folded_hedging_index_equals_the_kernels_bit_for_bit(powers):
    rng = np.random.default_rng(np.random.SeedSequence(powers))
    shares = rng.dirichlet(np.full(powers, 0.3), size=(500, 7))  # many near 0
    shares[0, 0] = np.eye(powers)[0]  # shares of exactly 1 and 0 (clipped)
    np.testing.assert_array_equal(tidy.hedging(shares), dynamics.hedging(shares))


def test_a_dataframe_written_whole_reads_back_the_same_with_dictionaries_for_labels_only(tmp_path):
    import pyarrow.parquet as pq

    df = casim.run(BASELINE, replicates=2, seed=4, posterior=None)
    path = results.write(df, dict(df.attrs["manifest"]), tmp_path / "r")
    assert_identical(pd.read_parquet(path), df)
    group = pq.ParquetFile(path).metadata.row_group(0)
    encoded = {group.column(i).path_in_schema for i in range(group.num_columns) if group.column(i).has_dictionary_page}
    assert encoded == set(columns.CORE_COLUMNS)


@pytest.mark.parametrize("dates", [126, 127, 128])  # pandas stores codes as int8 below 127 categories
def test_the_codes_take_pandas_own_type_at_the_int8_boundary(dates):
    class Long:
        name, states, powers = "long", ("A", "B"), ("x", "y")

        def dates(self):
            return [f"d{i}" for i in range(dates)]

    traj = np.full((2, dates, 2, 2), 0.5)
    seeds = np.array([1, 2])
    new, old = results.table(Long(), traj, seeds), old_table(Long(), traj, seeds)
    assert_identical(new, old)
    layout = tidy.Layout(Long())
    cols = layout.empty(2)
    layout.fill(cols, 0, traj, seeds, np.arange(2), np.arange(2))
    batch = layout.arrow(cols)
    assert batch.schema.field("date").type.index_type.bit_width == new["date"].cat.codes.dtype.itemsize * 8


def test_filling_in_a_second_thread_raises_a_failing_batchs_error_and_writes_the_batches_before_it():
    sc = load_scenario(BASELINE)
    layout = tidy.Layout(sc)
    seeds = run_seeds(5, 4)
    traj = api.simulate(sc, seeds)
    cols = layout.empty(4)
    runs = np.arange(4)
    good = (0, traj[:2], seeds[:2], runs[:2], runs[:2])
    bad = (2, traj[2:, :-1], seeds[2:], runs[2:], runs[2:])  # a step short: its rows do not fit
    with pytest.raises(ValueError):
        layout.fill_from(cols, iter([good, bad]))
    first = slice(0, 2 * layout.per_run)
    expected = layout.empty(2)
    layout.fill(expected, 0, traj[:2], seeds[:2], runs[:2], runs[:2])
    for name in layout.names:
        assert np.array_equal(cols[name][first], expected[name]), name


def huge_pages_requested() -> bool:
    import numpy._core.multiarray as m

    return bool(m._get_madvise_hugepage())


def test_small_pages_turns_numpys_huge_page_request_off_inside_and_restores_it_after(monkeypatch):
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    import numpy._core.multiarray as m

    original = huge_pages_requested()
    for before in (True, False):
        m._set_madvise_hugepage(before)
        try:
            with pytest.raises(RuntimeError), tidy.small_pages():
                assert huge_pages_requested() is False
                raise RuntimeError  # restored on the way out of an error too
            assert huge_pages_requested() is before
        finally:
            m._set_madvise_hugepage(original)


def test_small_pages_leaves_a_users_numpy_madvise_hugepage_setting_alone(monkeypatch):
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    before = huge_pages_requested()
    with tidy.small_pages():
        assert huge_pages_requested() is before
