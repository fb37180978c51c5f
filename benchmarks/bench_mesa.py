"""Runs per second of the Mesa path on the baseline scenario, one core.

    python3 benchmarks/bench_mesa.py [--runs 200]

Times whole runs (model construction with spin-up, 31 quarterly steps,
DataCollector) through casim.api.simulate(engine="mesa").
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from casim import api, seeding
from casim.scenario import load_scenario

BASELINE = Path(__file__).parents[1] / "scenarios" / "baseline.yaml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    sc = load_scenario(BASELINE)
    api.simulate(sc, seeding.run_seeds(0, 3), engine="mesa")  # warm up imports and caches
    seeds = seeding.run_seeds(1, args.runs)
    t0 = time.perf_counter()
    api.simulate(sc, seeds, engine="mesa")
    dt = time.perf_counter() - t0
    print(f"mesa path, baseline ({sc.steps} quarters, {len(sc.powers)} powers): {args.runs} runs in {dt:.2f} s")
    print(
        f"  {args.runs / dt:,.0f} runs/s   {args.runs * sc.steps / dt:,.0f} run-quarters/s   "
        f"{dt / args.runs / sc.steps * 1e6:.0f} us per step"
    )


if __name__ == "__main__":
    main()
