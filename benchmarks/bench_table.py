"""Benchmark (a) of issue 11: what the tidy table costs beside the model, in time and memory.

    python3 benchmarks/bench_table.py [--runs 100000] [--rounds 5] [--stream 1000000] [--scenario baseline]

1. Time: ``casim.run(scenario, runs, posterior=None)`` (model, table, manifest)
   against the model alone, side by side in one process, interleaved rounds,
   medians: the model as ``casim.run`` runs it (batches of 2,048 runs, the
   reference), and in one ``api.simulate`` call; and ``casim.run`` with its
   table's columns in NumPy's default pages (without ``tidy.small_pages``), and
   with the table filled in the model's thread (without ``Layout.fill_from``).
   Target: total <= 1.5x model-only. Most of what the table adds is the first
   touch of its memory (~67 bytes a row).
2. Memory: the peak RSS of each, in a fresh process, against the size of the
   trajectory array ``(runs, steps + 1, states, powers)`` float64.
   Target: ``casim.run`` <= 2.5x the trajectory array.
3. Parquet options: one batch of 2,048 runs written with pyarrow's defaults and
   with casim's (``results.parquet_options``), interleaved, medians.
4. ``casim run`` of ``--stream`` runs (full trajectories, Parquet, streamed) to
   a temporary folder: wall time and peak RSS. Target: < 2 GiB.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np

import casim
from casim import api, results, tidy
from casim.scenario import load_scenario
from casim.seeding import run_seeds

MIB = 2**20

CHILD = """
import sys
import casim
from casim import api
from casim.cli import main
from casim.scenario import load_scenario
from casim.seeding import run_seeds

what, scenario, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
sc = load_scenario(scenario)
if what == "model":
    traj = api.simulate(sc, run_seeds(sc.seed, n))
elif what == "run":
    df = casim.run(sc, replicates=n, posterior=None)
elif what == "cli":
    assert main(["run", scenario, "--posterior", "none", "--replicates", str(n), "--out", sys.argv[4]]) == 0
# else "import": the interpreter and the imports alone
print(PEAK())
"""
# The peak RSS of this process's own memory (VmHWM). Not getrusage's ru_maxrss: Linux carries the parent's
# peak over fork and exec into it, so a child of a big process would read as big as its parent.
PEAK = """int(next(line for line in open("/proc/self/status") if line.startswith("VmHWM:")).split()[1]) * 1024"""
CHILD = CHILD.replace("PEAK()", PEAK)


def peak_of(what: str, scenario: str, runs: int, *extra: str) -> tuple[float, int]:
    """Wall time (s) and peak RSS (bytes) of ``what`` in a fresh process."""
    t = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, what, scenario, str(runs), *extra], capture_output=True, text=True, check=True
    ).stdout
    return time.perf_counter() - t, int(out.split()[-1])


def times(scenario: str, runs: int, rounds: int) -> None:
    sc = load_scenario(scenario)
    casim.run(sc, replicates=64, posterior=None)  # warm up: imports, caches, any compiled kernel

    def huge_pages() -> None:  # the table's columns in NumPy's default pages (before tidy.small_pages)
        with mock.patch.object(tidy, "small_pages", contextlib.nullcontext):
            casim.run(sc, replicates=runs, posterior=None)

    def one_thread() -> None:  # the table filled batch by batch between the model's batches (before fill_from)
        def fill_from(self, cols, batches):
            for batch in batches:
                self.fill(cols, *batch)

        with mock.patch.object(tidy.Layout, "fill_from", fill_from):
            casim.run(sc, replicates=runs, posterior=None)

    contenders = {
        "model, one call (api.simulate)": lambda: api.simulate(sc, run_seeds(sc.seed, runs)),
        "model, in casim.run's batches": lambda: collections.deque(api._chunks(sc, sc.seed, runs, "ensemble", None), 0),
        "casim.run (model + table)": lambda: casim.run(sc, replicates=runs, posterior=None),
        "casim.run, table in huge pages": huge_pages,
        "casim.run, filled in one thread": one_thread,
    }
    spent: dict[str, list[float]] = {k: [] for k in contenders}
    for _ in range(rounds):
        for name, f in contenders.items():
            t = time.perf_counter()
            f()
            spent[name].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in spent.items()}
    model = med["model, in casim.run's batches"]
    print(f"1. time, {runs:,} runs of {sc.name} (point values), median of {rounds} interleaved rounds [range]")
    for name, v in spent.items():
        ratio = med[name] / model
        print(f"   {name:32s} {med[name]:6.2f} s [{min(v):.2f}-{max(v):.2f}]   {ratio:.2f}x the batched model")
    print("   target: casim.run <= 1.5x the model")


def memory(scenario: str, runs: int) -> None:
    sc = load_scenario(scenario)
    traj = runs * len(sc.dates()) * len(sc.states) * len(sc.powers) * 8
    rows = runs * len(sc.dates()) * len(sc.states)
    peaks = {what: peak_of(what, scenario, runs)[1] for what in ("import", "model", "run")}
    one = casim.run(sc, replicates=1, posterior=None)
    table = one.memory_usage(index=False).sum() / len(one) * rows  # codes of the categoricals, 8 bytes the others
    print(f"2. peak RSS, {runs:,} runs, fresh process each; trajectory array {traj / MIB:,.0f} MiB, {rows:,} rows")
    print(f"   interpreter and imports      {peaks['import'] / MIB:7,.0f} MiB")
    print(f"   model only (api.simulate)    {peaks['model'] / MIB:7,.0f} MiB   {peaks['model'] / traj:.2f}x the array")
    print(
        f"   casim.run                    {peaks['run'] / MIB:7,.0f} MiB   {peaks['run'] / traj:.2f}x the array   "
        "(target <= 2.5x)"
    )
    print(f"   the DataFrame's own columns  {table / MIB:7,.0f} MiB   {table / traj:.2f}x the array (the floor)")


def parquet(scenario: str, rounds: int) -> None:
    import pyarrow.parquet as pq

    sc = load_scenario(scenario)
    layout = tidy.Layout(sc)
    seeds = run_seeds(sc.seed, 2048)
    cols = layout.empty(len(seeds))
    layout.fill(cols, 0, api.simulate(sc, seeds), seeds, np.arange(len(seeds)), np.arange(len(seeds)))
    batch = layout.arrow(cols)
    options = {"pyarrow defaults": {}, "casim's options": results.parquet_options(layout.names, layout.categories)}
    spent: dict[str, list[float]] = {k: [] for k in options}
    size = {}
    with tempfile.TemporaryDirectory() as d:
        path = Path(d, "t.parquet")
        for _ in range(rounds):
            for name, o in options.items():
                t = time.perf_counter()
                with pq.ParquetWriter(path, batch.schema, **o) as w:
                    for _ in range(4):
                        w.write_batch(batch, row_group_size=batch.num_rows)
                spent[name].append((time.perf_counter() - t) / 4)
                size[name] = path.stat().st_size / 4
    print(f"3. Parquet, one batch of {len(seeds):,} runs ({batch.num_rows:,} rows), median of {rounds} rounds")
    for name in options:
        ms, per_row = statistics.median(spent[name]) * 1e3, size[name] / batch.num_rows
        print(f"   {name:18s} {ms:6.1f} ms a batch   {per_row:5.1f} bytes a row")


def stream(scenario: str, runs: int) -> None:
    with tempfile.TemporaryDirectory(dir=".") as d:
        out = Path(d, "run")
        wall, peak = peak_of("cli", scenario, runs, str(out))
        size = (out / "results.parquet").stat().st_size
    print(f"4. casim run, {runs:,} runs streamed to Parquet (full trajectories): {wall:.1f} s, peak RSS")
    print(f"   {peak / MIB:,.0f} MiB (target < 2,048 MiB); file {size / 2**30:.2f} GiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--stream", type=int, default=1_000_000, help="runs of the streamed casim run (0: skip)")
    ap.add_argument("--scenario", default="baseline")
    a = ap.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1-minute average), {os.cpu_count()} cores")
    print(f"NUMPY_MADVISE_HUGEPAGE={os.environ.get('NUMPY_MADVISE_HUGEPAGE', '(unset: numpy asks for huge pages)')}")
    times(a.scenario, a.runs, a.rounds)
    memory(a.scenario, a.runs)
    parquet(a.scenario, a.rounds)
    if a.stream:
        stream(a.scenario, a.stream)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
