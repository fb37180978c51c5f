"""Experiments per second through the EMA Workbench (casim.ema.BatchEvaluator) against ``casim sweep``, one process.

    python benchmarks/bench_ema.py [--experiments 2000] [--repeat 3]

Both run the same design on the baseline (EMA's Latin hypercube over the
default uncertainties and levers, one run per experiment, the same seeds) in
this process on one core: EMA's ``perform_experiments`` with the batch
evaluator (sampling and its callback included), and ``casim.run_sweep`` of a
CSV design holding EMA's experiments (one kept date, the horizon; store
written to a temporary directory). Checks that the numbers agree, then prints
best-of-``--repeat`` rates and their ratio. Needs the ``ema`` extra (Python >= 3.12).
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

import casim
import casim.ema
from casim.scenario import load_scenario

BASELINE = Path(__file__).parents[1] / "scenarios" / "baseline.yaml"


def through_ema(m, n: int):
    with casim.ema.BatchEvaluator(m) as ev:
        return ev.perform_experiments(scenarios=n)


def through_sweep(m, experiments, folder: Path, tag: str):
    sampled = [p for p in [*m.uncertainties, *m.levers] if p.name in experiments]  # levers: only if sampled
    design = folder / f"design_{tag}.csv"
    table = experiments[[p.name for p in sampled]].copy()
    table.columns = [p.variable_name[0] for p in sampled]
    table.to_csv(design, index=False)
    spec = {
        "schema": 1,
        "name": "ema-bench",
        "scenario": str(BASELINE),
        "design": {"method": "csv", "file": str(design)},
        "replicates": 1,
        "seed": m.seed,
        "keep": {"dates": [m.scenario.dates()[-1]]},
    }
    casim.run_sweep(spec, out=folder / f"store_{tag}")
    return casim.read_results(folder / f"store_{tag}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiments", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    logging.disable(logging.WARNING)  # EMA logs progress; keep the output to the figures
    m = casim.ema.model(load_scenario(BASELINE))
    n = args.experiments
    through_ema(m, 20)  # warm up imports and caches
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ema_t, sweep_t = [], []
        for k in range(args.repeat):
            t0 = time.perf_counter()
            experiments, outcomes = through_ema(m, n)
            ema_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            table = through_sweep(m, experiments, folder, str(k))
            sweep_t.append(time.perf_counter() - t0)
        kaz = table[table["state"] == "KAZ"].sort_values("run")["russia"].to_numpy()
        diff = float(np.abs(kaz - outcomes["KAZ_russia"]).max())
    ema_rate, sweep_rate = n / min(ema_t), n / min(sweep_t)
    print(f"baseline, {len(m.uncertainties)} uncertainties + {len(m.levers)} levers, {n} experiments, 1 run each")
    print(f"  EMA perform_experiments + BatchEvaluator: {ema_rate:8,.0f} experiments/s  (best of {args.repeat})")
    print(f"  casim.run_sweep (CSV design, same seeds): {sweep_rate:8,.0f} experiments/s  (store written, read back)")
    print(f"  ratio sweep/EMA: {sweep_rate / ema_rate:.2f}   max |EMA - sweep| KAZ russia share: {diff:.1e}")


if __name__ == "__main__":
    main()
