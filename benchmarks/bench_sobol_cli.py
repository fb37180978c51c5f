"""End to end from the command line: a Sobol analysis over 8 parameters, 1,024 base samples, 4 replicates.

    python3 benchmarks/bench_sobol_cli.py [--workers 2] [--repeat 3] [--figures] [--keep DIR]

Writes a sweep file (Saltelli design with second-order terms: 1,024 x (2 x 8 + 2)
= 18,432 points x 4 replicates = 73,728 runs, summaries at the horizon), then
times, as a user would type them,

    casim sweep SWEEP --out DIR --workers 2
    casim sensitivity DIR --no-figures        (with --figures: the figure is drawn too)

``--repeat`` times (a fresh store each time), and prints the wall-clock seconds
of each command and in total for every repeat, then the median and the range
(sensitivity indices included), with the load average before and after.
Target: 10 s or less in total on the 2-core development machine when it is quiet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
SWEEP = """\
schema: 1
name: bench-sobol-8
description: Sobol analysis over eight levers (benchmark).
scenario: {baseline}
design: {{method: sobol, n: 1024, seed: 11, second_order: true}}
parameters:
  west.sanctions: [0.0, 1.0]
  west.engage: [0.0, 1.0]
  russia.economy: [0.4, 1.2]
  russia.coercion: [0.0, 1.0]
  china.engage: [0.0, 1.0]
  china.trade: [0.7, 1.5]
  region.integration: [0.0, 3.0]
  region.afghan_threat: [0.0, 0.8]
replicates: 4
seed: 20261127
keep: {{dates: [2030Q4]}}
"""


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode:
        sys.exit(f"{' '.join(cmd[2:4])} failed: {done.stderr}")
    return seconds


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--figures", action="store_true", help="let casim sensitivity draw its figure (PNG and SVG)")
    ap.add_argument("--keep", help="keep the last store here instead of a temporary folder")
    args = ap.parse_args()
    if args.keep and Path(args.keep).exists():
        sys.exit(f"{args.keep} exists; give --keep a new folder")
    work = Path(tempfile.mkdtemp(prefix="casim-bench-"))
    casim = [sys.executable, "-m", "casim"]
    sens_flags = [] if args.figures else ["--no-figures"]
    print(f"{os.cpu_count()} cores; load average (1 / 5 / 15 min) at start: {load()}", flush=True)
    try:
        sweep = work / "sobol8.yaml"
        sweep.write_text(SWEEP.format(baseline=BASELINE))
        rows = []
        for k in range(args.repeat):
            store = Path(args.keep) if args.keep and k == args.repeat - 1 else work / f"store{k}"
            t_sweep = timed([*casim, "sweep", str(sweep), "--out", str(store), "--workers", str(args.workers)])
            out = work / f"sensitivity{k}"
            t_sens = timed([*casim, "sensitivity", str(store), "--out", str(out), *sens_flags])
            rows.append((t_sweep, t_sens, t_sweep + t_sens))
            print(f"  run {k + 1}: sweep {t_sweep:5.1f} s + sensitivity {t_sens:5.1f} s = {t_sweep + t_sens:5.1f} s")
        runs = pd.read_parquet(store / "chunks", columns=["run"])["run"].nunique()
        indices = pd.read_csv(out.with_suffix(".csv"))
        drawn = "figure drawn" if args.figures else "--no-figures"
        print(f"Sobol analysis, 8 parameters, 1,024 base samples, 4 replicates: {runs:,} runs, {args.workers} workers")
        for j, what in enumerate(("casim sweep", f"casim sensitivity ({drawn})", "total")):
            xs = [r[j] for r in rows]
            print(
                f"  {what:34s} median {statistics.median(xs):5.1f} s  (range {min(xs):.1f}-{max(xs):.1f} s "
                f"over {len(xs)} runs)"
            )
        print(f"  {len(indices):,} index rows (S1, ST, bootstrap intervals); target: total <= 10 s, quiet machine")
        print(f"load average at end: {load()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
