"""Per-run seeds: the vectorised ``run_seeds`` against one ``run_seed`` per run, side by side in one process.

    python3 benchmarks/bench_seeding.py [--runs 100000] [--rounds 5]

Both give the same seeds (checked here, and in tests/test_engines.py); the
figures are the median over interleaved rounds.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from casim import seeding


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    loop, fast = [], []
    for r in range(a.rounds):
        t = time.perf_counter()
        one_by_one = np.array([seeding.run_seed(r, i) for i in range(a.runs)], dtype=np.int64)
        loop.append(time.perf_counter() - t)
        t = time.perf_counter()
        vectorised = seeding.run_seeds(r, a.runs)
        fast.append(time.perf_counter() - t)
        assert np.array_equal(one_by_one, vectorised)
    lo, fa = statistics.median(loop), statistics.median(fast)
    print(f"{a.runs} seeds, median of {a.rounds} rounds")
    print(f"  one run_seed per run : {lo * 1e3:9.1f} ms  ({lo / a.runs * 1e6:.2f} us a run)")
    print(f"  vectorised run_seeds : {fa * 1e3:9.1f} ms  ({fa / a.runs * 1e9:.0f} ns a run)")
    print(f"  ratio                : {lo / fa:9.0f}x")


if __name__ == "__main__":
    main()
