"""The fused kernel (numba) against the numpy kernel and the Mesa path, on one design, in one process.

    python3 benchmarks/bench_kernels.py [--runs 20000] [--mesa-runs 100] [--rounds 5] [--compile]

Design: bench_engines.py's (a Latin hypercube, SALib, seed 7, over its 8
parameters around the baseline, 32 quarters, one seed per run), 20,000 runs.
Each round times the numpy kernel and the fused kernel on the whole design and
the Mesa path on its first ``--mesa-runs`` points, interleaved so that load
from other jobs falls on all three alike; prints the median run-quarters/s
(wall clock, and CPU time of this process) and the ratios, and checks the
results equal (fused vs numpy on every run, fused vs Mesa on the Mesa runs).
One thread. The fused kernel's one-off costs are printed apart: loading it in
a process (numba's import and its cached machine code), and with ``--compile``
compiling it from scratch (a fresh process with an empty numba cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np
from bench_engines import BASELINE, PARAMETERS, design  # the same design as the engines benchmark

from casim import api, ensemble

FIRST_CALL = """
import time, numpy as np
from casim import ensemble, seeding
from casim.scenario import load_scenario
sc = load_scenario({path!r}, [("end", "2031Q1")])
t0 = time.perf_counter()
ensemble.simulate(sc, seeding.run_seeds(1, 2), kernel_name="fused")
print(time.perf_counter() - t0)
"""


def timed(fn) -> tuple[float, float, np.ndarray]:
    """Wall-clock and CPU seconds of one call, and its result."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def compile_seconds() -> float:
    """Seconds of the first fused call in a fresh process whose numba cache is empty (compiling from scratch)."""
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        code = FIRST_CALL.format(path=str(BASELINE))
        return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True).stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20_000)
    ap.add_argument("--mesa-runs", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--compile", action="store_true", help="also time compiling the fused kernel from scratch")
    args = ap.parse_args()
    sc, values, seeds = design(args.runs)
    m, quarters = args.mesa_runs, sc.steps
    head = {k: v[:m] for k, v in values.items()}

    load, _, _ = timed(lambda: ensemble.simulate(sc, seeds[:2], head, kernel_name="fused"))
    api.simulate(sc, seeds[:2], {k: v[:2] for k, v in head.items()}, engine="mesa")  # Mesa's imports, outside
    runs = {"numpy": args.runs, "fused": args.runs, "mesa": m}
    calls = {
        "numpy": lambda: ensemble.simulate(sc, seeds, values, kernel_name="numpy"),
        "fused": lambda: ensemble.simulate(sc, seeds, values, kernel_name="fused"),
        "mesa": lambda: api.simulate_mesa(sc, seeds[:m], head),
    }
    wall: dict[str, list[float]] = {k: [] for k in calls}
    cpu: dict[str, list[float]] = {k: [] for k in calls}
    out = {}
    for _ in range(args.rounds):
        for name, fn in calls.items():
            w, c, out[name] = timed(fn)
            wall[name].append(runs[name] * quarters / w)
            cpu[name].append(runs[name] * quarters / c)
    rate = {k: statistics.median(v) for k, v in wall.items()}
    cpu_rate = {k: statistics.median(v) for k, v in cpu.items()}
    vs_numpy = np.abs(out["fused"] - out["numpy"]).max()
    vs_mesa = np.abs(out["fused"][:m] - out["mesa"]).max()

    print(
        f"design: bench_engines.py's Latin hypercube over {len(PARAMETERS)} parameters, {args.runs:,} runs, "
        f"{quarters} quarters, one thread; medians of {args.rounds} interleaved rounds"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'':6} {'runs':>7} {'run-quarters/s':>15} {'(CPU time)':>13}")
    for k in calls:
        print(f"{k:6} {runs[k]:>7,} {rate[k]:>15,.0f} {cpu_rate[k]:>13,.0f}")
    print(
        f"fused/numpy {rate['fused'] / rate['numpy']:.2f}x (CPU {cpu_rate['fused'] / cpu_rate['numpy']:.2f}x)   "
        f"fused/mesa {rate['fused'] / rate['mesa']:,.0f}x (CPU {cpu_rate['fused'] / cpu_rate['mesa']:,.0f}x)"
    )
    print(f"max |fused - numpy| {vs_numpy:.1e} over {args.runs:,} runs; max |fused - mesa| {vs_mesa:.1e} over {m} runs")
    print(f"fused kernel's load in this process (numba import, cached code): {load:.2f} s")
    if args.compile:
        print(f"fused kernel compiled from scratch (empty numba cache, fresh process): {compile_seconds():.1f} s")


if __name__ == "__main__":
    main()
