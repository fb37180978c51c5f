"""``casim sweep`` against the batch tools of its peers, on the same model and design: runs per second and ratios.

    python benchmarks/bench_peers.py [--points 1000] [--replicates 10] [--peer-runs 120] [--rounds 3]

The design: a Latin hypercube over ``west.sanctions`` and ``russia.economy``
(``--points`` points x ``--replicates`` replicates, one sweep file), outcomes at
the horizon. Run ``i`` is replicate ``i % replicates`` of point ``i //
replicates`` with seed ``casim.seeding.run_seed(seed, i)``, whoever runs it.

- ``casim sweep`` runs the whole design from the command line in a fresh
  process (interpreter start, design, store and closing summary included), on
  1 worker (one core, like the peers below) and on 2.
- The peers run the first ``--peer-runs`` runs of the same design, each run
  being casim's Mesa model (``casim.model.CentralAsia``) with that run's
  values and seed, in this process (their imports and start not counted):
  ``mesa.batch_run`` (one process, data collected at the end), AgentPy's
  ``Experiment`` (an ``agentpy.Model`` that steps the Mesa model) and the EMA
  Workbench's ``perform_experiments`` (a function model, the sequential
  evaluator). AgentPy and EMA are skipped, with the reason printed, where
  they do not install or import (EMA needs Python >= 3.12; AgentPy is
  unmaintained since 2021).

The peers are slow, so their rate is measured on a subset and compared per run.
Rounds interleave the tools (the machine may be shared); the medians are
printed, and every peer's final shares are checked against the sweep's.
Target: ``casim sweep`` (1 worker) at least 30x each peer.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import casim
from casim.model import CentralAsia
from casim.seeding import run_seed
from casim.sweep import design as designs
from casim.sweep import load_sweep

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
SEED = 2024
PARAMS = {"west.sanctions": (0.0, 1.0), "russia.economy": (0.4, 1.2)}


def sweep_text(points: int, replicates: int, end: str) -> str:
    ranges = "".join(f"  {p}: [{lo}, {hi}]\n" for p, (lo, hi) in PARAMS.items())
    return (
        f"schema: 1\nname: bench-peers\nscenario: {BASELINE}\ndesign: {{method: lhs, n: {points}, seed: 1}}\n"
        f"parameters:\n{ranges}replicates: {replicates}\nseed: {SEED}\nkeep: {{dates: [{end}]}}\n"
    )


class Design:
    """The sweep's runs as the peers see them: each run's parameter values and seed."""

    def __init__(self, path: Path):
        sweep = load_sweep(path)
        self.scenario = sweep.scenario
        self.replicates = sweep.replicates
        self.values = designs.values(sweep, designs.make(sweep))  # path -> value per design point
        self.names = [f"{s}_{p}" for s in self.scenario.states for p in self.scenario.powers]

    def run_values(self, run: int) -> dict[str, float]:
        return {p: float(v[run // self.replicates]) for p, v in self.values.items()}

    def model(self, run: int) -> CentralAsia:
        return CentralAsia(self.scenario, values=self.run_values(run), rng=run_seed(SEED, run))


DESIGN: Design  # set in main(); the peers' model classes and functions read it (batch_run passes keywords only)


class DesignRun(CentralAsia):
    """casim's Mesa model for run ``run`` of the design (its values and seed), as ``mesa.batch_run`` builds it.

    Mesa 3.5's batch_run also passes ``rng`` (None without ``rng=``): the run's own seed is used instead.
    """

    def __init__(self, run: int, rng=None):
        super().__init__(DESIGN.scenario, values=DESIGN.run_values(run), rng=run_seed(SEED, run))


def final_shares(model: CentralAsia) -> dict[str, float]:
    shares, spec = model.alignments(), model.spec
    return {f"{s}_{p}": float(shares[i, j]) for i, s in enumerate(spec.states) for j, p in enumerate(spec.powers)}


def run_to_end(model: CentralAsia) -> CentralAsia:
    while model.running:
        model.step()
    return model


# -- the peers: each returns {run: {state_power: final share}} for runs 0..n-1 -----------------------------------


def through_batch_run(n: int) -> dict[int, dict[str, float]]:
    import mesa

    rows = mesa.batch_run(
        DesignRun,
        {"run": list(range(n))},
        number_processes=1,
        data_collection_period=-1,
        max_steps=DESIGN.scenario.steps + 1,
        display_progress=False,
    )
    return {int(r["run"]): {k: float(r[k]) for k in DESIGN.names} for r in rows if r.get("AgentID") in (None, 1)}


def agentpy_peer() -> Callable[[int], dict] | str:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import agentpy as ap
    except Exception as e:  # AgentPy is unmaintained: any failure to import is reported, not fatal
        return f"agentpy does not import here ({type(e).__name__}: {e}); pip install agentpy"

    class AgentPyRun(ap.Model):
        """An AgentPy model that steps casim's Mesa model for run ``p.run`` and reports its final shares."""

        def setup(self):
            self.inner = DESIGN.model(int(self.p["run"]))

        def step(self):
            self.inner.step()
            if not self.inner.running:
                self.stop()

        def end(self):
            for k, v in final_shares(self.inner).items():
                self.report(k, v)

    def run(n: int) -> dict[int, dict[str, float]]:
        sample = [{"run": i, "steps": DESIGN.scenario.steps + 1} for i in range(n)]
        out = ap.Experiment(AgentPyRun, sample, iterations=1, randomize=False).run(display=False)
        rep = out["reporters"]
        return {int(sample[int(sid)]["run"]): {k: float(row[k]) for k in DESIGN.names} for sid, row in rep.iterrows()}

    return run


def ema_peer() -> Callable[[int], dict] | str:
    if sys.version_info < (3, 12):
        return f"the EMA Workbench needs Python >= 3.12 (this is {sys.version.split()[0]})"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench import IntegerParameter, Model, RealParameter, Sample, ScalarOutcome
            from ema_workbench import perform_experiments as perform
    except ImportError as e:
        return f"ema_workbench does not import here ({e}); pip install 'casim[ema]'"
    keys = {p: p.replace(".", "_") for p in PARAMS}

    def one_run(run: int, **values: float) -> dict[str, float]:
        values_by_path = {p: values[k] for p, k in keys.items()}
        model = CentralAsia(DESIGN.scenario, values=values_by_path, rng=run_seed(SEED, run))
        return final_shares(run_to_end(model))

    m = Model("casim_mesa", function=one_run)
    m.uncertainties = [RealParameter(keys[p], lo, hi) for p, (lo, hi) in PARAMS.items()] + [
        IntegerParameter("run", 0, 10**9)
    ]
    m.outcomes = [ScalarOutcome(k) for k in DESIGN.names]

    def run(n: int) -> dict[int, dict[str, float]]:
        samples = [
            Sample(**{keys[p]: v for p, v in DESIGN.run_values(i).items()}, run=i) for i in range(n)
        ]  # the design's runs, in order
        experiments, outcomes = perform(m, scenarios=samples, log_progress=True)  # logged (disabled), no bar
        return {int(r): {k: float(outcomes[k][j]) for k in DESIGN.names} for j, r in enumerate(experiments["run"])}

    return run


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def casim_sweep(path: Path, out: Path, workers: int) -> float:
    """Seconds for ``casim sweep`` of the whole design in a fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "casim", "sweep", str(path), "--out", str(out), "--workers", str(workers)],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if done.returncode:
        raise SystemExit(f"casim sweep failed: {done.stderr}")
    return seconds


def main() -> None:
    global DESIGN
    ap_ = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap_.add_argument("--points", type=int, default=1000)
    ap_.add_argument("--replicates", type=int, default=10)
    ap_.add_argument("--peer-runs", type=int, default=120, help="runs of the design each peer runs per round")
    ap_.add_argument("--rounds", type=int, default=3)
    args = ap_.parse_args()
    logging.disable(logging.WARNING)  # EMA logs progress; keep the output to the figures
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; load average (1 / 5 / 15 min) at start: "
        + " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="casim-bench-peers-"))
    try:
        end = casim.load_scenario(BASELINE).dates()[-1]
        path = work / "peers.yaml"
        path.write_text(sweep_text(args.points, args.replicates, end))
        DESIGN = Design(path)
        runs = args.points * args.replicates
        n = min(args.peer_runs, runs)
        peers: dict[str, Callable[[int], dict]] = {"mesa.batch_run": through_batch_run}
        for name, make in (("AgentPy Experiment", agentpy_peer), ("EMA perform_experiments", ema_peer)):
            got = make()
            if isinstance(got, str):
                print(f"  {name}: skipped: {got}")
            else:
                peers[name] = got
        versions = {d: _version(d) for d in ("casim", "mesa", "agentpy", "ema_workbench", "numba")}
        print("  versions: " + ", ".join(f"{d} {v}" for d, v in versions.items() if v), flush=True)
        for fn in peers.values():  # warm up imports and caches
            fn(2)
        casim_sweep(path, work / "warm", 1)

        times: dict[str, list[float]] = {k: [] for k in ["casim sweep, 1 worker", "casim sweep, 2 workers", *peers]}
        results: dict[str, dict] = {}
        for r in range(args.rounds):
            times["casim sweep, 1 worker"].append(casim_sweep(path, work / "store", 1))
            times["casim sweep, 2 workers"].append(casim_sweep(path, work / "store2", 2))
            for name, fn in peers.items():
                t0 = time.perf_counter()
                results[name] = fn(n)
                times[name].append(time.perf_counter() - t0)
            print(f"  round {r + 1} of {args.rounds} done", flush=True)

        table = casim.read_results(work / "store")
        table = table[table["run"] < n]
        ours = {
            (int(row.run), f"{row.state}_{p}"): float(getattr(row, p))
            for row in table.itertuples()
            for p in DESIGN.scenario.powers
        }
        print(
            f"LHS over {', '.join(PARAMS)}: {args.points:,} points x {args.replicates} replicates = {runs:,} runs, "
            f"outcomes at {end}; peers on the first {n} runs; medians of {args.rounds} interleaved rounds"
        )
        sweep_rate = runs / statistics.median(times["casim sweep, 1 worker"])
        for name, ts in times.items():
            count = runs if name.startswith("casim") else n
            rate = count / statistics.median(ts)
            spread = f"{count / max(ts):,.0f}-{count / min(ts):,.0f}"
            line = f"  {name:26s} {rate:10,.1f} runs/s  (range {spread})"
            if name in results:
                got = results[name]
                diff = max(abs(got[i][k] - ours[(i, k)]) for i in range(n) for k in DESIGN.names)
                line += f"   casim sweep (1 worker) / this = {sweep_rate / rate:6.0f}x   max |difference| {diff:.1e}"
                if len(got) != n:
                    line += f"   ({len(got)} of {n} runs reported)"
            print(line)
        print("target: casim sweep (1 worker) >= 30x each peer")
        print("load average at end: " + " / ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
