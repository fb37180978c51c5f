"""Ensemble engine vs Mesa path on the same design, in one process.

    python3 benchmarks/bench_engines.py [--runs 2000] [--mesa-runs 200]

Design: a Latin hypercube (SALib) over 8 parameters around the baseline,
32 quarters (2023Q1..2031Q1), one seed per run. Both engines run the first
``--mesa-runs`` design points (so the ratio compares like with like and the
results are checked equal); the ensemble also runs the whole design. Prints
run-quarters per second for each and their ratio. Pinned to one thread.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from SALib.sample import latin

from casim import api, seeding
from casim.scenario import load_scenario

BASELINE = Path(__file__).parents[1] / "scenarios" / "baseline.yaml"
PARAMETERS = {
    "west.sanctions": [0.0, 1.0],
    "russia.economy": [0.5, 1.2],
    "china.trade": [0.7, 1.5],
    "russia.coercion": [0.0, 0.6],
    "region.integration": [0.5, 2.0],
    "region.afghan_threat": [0.0, 0.8],
    "model.coupling": [0.0, 0.8],
    "TKM.stubbornness": [0.3, 0.8],
}


def design(runs: int):
    """The benchmark's scenario (baseline to 2031Q1), its Latin hypercube of ``runs`` points as per-run ``values``,
    and one seed per run (also used by bench_kernels.py)."""
    sc = load_scenario(BASELINE, [("end", "2031Q1")])
    problem = {"num_vars": len(PARAMETERS), "names": list(PARAMETERS), "bounds": list(PARAMETERS.values())}
    points = latin.sample(problem, runs, seed=7)
    values = {name: points[:, i] for i, name in enumerate(PARAMETERS)}
    return sc, values, seeding.run_seeds(2024, runs)


def rate(fn, runs: int, quarters: int, repeat: int = 3) -> tuple[float, np.ndarray]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return runs * quarters / best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--mesa-runs", type=int, default=200)
    args = ap.parse_args()
    sc, values, seeds = design(args.runs)
    m = args.mesa_runs
    head = {k: v[:m] for k, v in values.items()}

    for engine in ("ensemble", "mesa"):  # warm up both: imports (Mesa's ~0.5 s) and caches outside the timings
        api.simulate(sc, seeds[:2], {k: v[:2] for k, v in values.items()}, engine=engine)
    mesa_rate, mesa_out = rate(lambda: api.simulate(sc, seeds[:m], head, engine="mesa"), m, sc.steps)
    ens_head_rate, ens_head = rate(lambda: api.simulate(sc, seeds[:m], head, engine="ensemble"), m, sc.steps)
    ens_rate, _ = rate(lambda: api.simulate(sc, seeds, values, engine="ensemble"), args.runs, sc.steps)
    diff = np.abs(mesa_out - ens_head).max()

    print(f"design: Latin hypercube over {len(PARAMETERS)} parameters, {sc.steps} quarters, one thread")
    print(f"mesa      {m:>6} runs: {mesa_rate:>12,.0f} run-quarters/s")
    print(f"ensemble  {m:>6} runs: {ens_head_rate:>12,.0f} run-quarters/s   (same runs; max |difference| {diff:.1e})")
    print(f"ensemble  {args.runs:>6} runs: {ens_rate:>12,.0f} run-quarters/s")
    print(f"ratio ensemble/mesa (whole design vs mesa): {ens_rate / mesa_rate:,.0f}x")


if __name__ == "__main__":
    main()
