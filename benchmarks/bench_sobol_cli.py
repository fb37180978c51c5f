"""End to end from the command line: a Sobol analysis over 8 parameters, 1,024 base samples, 4 replicates.

    python3 benchmarks/bench_sobol_cli.py [--workers 2] [--keep DIR]

Writes a sweep file (Saltelli design with second-order terms: 1,024 x (2 x 8 + 2)
= 18,432 points x 4 replicates = 73,728 runs, summaries at the horizon), then
times, as a user would type them,

    casim sweep SWEEP --out DIR --workers 2
    casim sensitivity DIR

and prints the wall-clock seconds of each and in total (sensitivity indices
included). Target: under 30 s on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import shutil
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
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", help="keep the store here instead of a temporary folder")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="casim-bench-"))
    try:
        sweep = work / "sobol8.yaml"
        sweep.write_text(SWEEP.format(baseline=BASELINE))
        store = Path(args.keep) if args.keep else work / "store"
        if store.exists():
            sys.exit(f"{store} exists; give --keep a new folder")
        casim = [sys.executable, "-m", "casim"]
        t_sweep = timed([*casim, "sweep", str(sweep), "--out", str(store), "--workers", str(args.workers)])
        t_sens = timed([*casim, "sensitivity", str(store), "--out", str(work / "sensitivity")])
        runs = pd.read_parquet(store / "chunks", columns=["run"])["run"].nunique()
        indices = pd.read_csv(next(work.glob("sensitivity*.csv")))
        print(f"Sobol analysis, 8 parameters, 1,024 base samples, 4 replicates: {runs:,} runs, {args.workers} workers")
        print(f"  casim sweep        {t_sweep:6.1f} s  ({runs / t_sweep:,.0f} runs/s including start-up)")
        print(
            f"  casim sensitivity  {t_sens:6.1f} s  ({len(indices):,} index rows: S1, ST, S2 with confidence intervals)"
        )
        print(f"  total              {t_sweep + t_sens:6.1f} s  (target < 30 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
