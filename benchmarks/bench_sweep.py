"""Sweep throughput and memory, and the same design through Mesa's own ``batch_run``, side by side.

    python3 benchmarks/bench_sweep.py            # everything (the 1,000,000-run sweep takes minutes)
    python3 benchmarks/bench_sweep.py --quick    # skip the 1,000,000-run sweep

1. ``casim sweep`` of 1,000 and 10,000 runs (LHS over two levers, full
   trajectories, 250-run chunks) and of 100,000 runs (summaries at one date),
   with 1 and 2 workers, each in a fresh process, best of ``--repeat``: runs per second
   (the sweep's own timing, after its workers have started, and wall time
   including worker and interpreter start) and peak memory, both as the largest single
   process (RSS) and as the sum over the sweep's processes (PSS, so pages
   shared by forked workers count once).
2. The same model and design through ``mesa.batch_run`` (a thin keyword-argument
   wrapper of casim's Mesa model, the same seeds, full trajectories collected
   every step), against ``casim sweep`` with ``--engine mesa`` and with the
   ensemble engine; prints the ratios and checks the numbers agree.
3. A 1,000,000-run summary-only sweep (one kept date) on 2 workers: peak memory
   must stay under 1 GiB; and the time reading its chunks back for the summary
   would take (the closing summary is tallied as chunks finish instead).

``benchmarks/bench_peers.py`` compares ``casim sweep`` with ``mesa.batch_run``,
AgentPy's ``Experiment`` and the EMA Workbench on one LHS design.

``mesa.batch_run`` is used here only, never in casim. Needs psutil (installed with ``casim[dask]``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
GIB = 1024**3


def sweep_file(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"schema: 1\nname: {name}\nscenario: {BASELINE}\n{body}")
    return path


def lhs(points: int, replicates: int, keep: str = "trajectories", chunk: int = 250) -> str:
    return (
        f"design: {{method: lhs, n: {points}, seed: 1}}\nparameters:\n  west.sanctions: [0.0, 1.0]\n"
        f"  russia.economy: [0.4, 1.2]\nreplicates: {replicates}\nseed: 2024\nkeep: {keep}\nchunk: {chunk}\n"
    )


def _high_water(pid: int) -> int:
    """A process's peak RSS so far (VmHWM), in bytes; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class Peak:
    """Samples a process tree's memory until stopped: the largest peak RSS (VmHWM) of one process, the largest PSS sum.

    (``wait4``'s ``ru_maxrss`` would not do: Linux carries the forking parent's high-water mark across exec.)
    """

    def __init__(self, pid: int, every: float = 0.05):
        self.proc = psutil.Process(pid)
        self.every = every
        self.max_rss = 0
        self.max_pss_sum = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            pss = 0
            for p in procs:
                try:
                    info = p.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                self.max_rss = max(self.max_rss, info.rss, _high_water(p.pid))
                pss += info.pss
            self.max_pss_sum = max(self.max_pss_sum, pss)
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_cli(path: Path, out: Path, *extra: str) -> dict:
    """Run ``casim sweep`` in a fresh process; its timing, peak memory and manifest."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "casim", "sweep", str(path), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = Peak(proc.pid)
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    peak.stop()
    manifest = json.loads((out / "manifest.json").read_text())
    if manifest["status"] != "complete":
        raise SystemExit(f"sweep failed: {stderr}")
    seconds = manifest["sessions"][-1]["seconds"]
    return {
        "runs": manifest["runs"],
        "sweep_s": seconds,
        "worker_start_s": manifest["sessions"][-1]["worker_start_s"],
        "wall_s": wall,
        "runs_per_s": manifest["runs"] / seconds,
        "wall_runs_per_s": manifest["runs"] / wall,
        "max_rss_mib": peak.max_rss / 2**20,
        "pss_sum_mib": peak.max_pss_sum / 2**20,
    }


def throughput(tmp: Path, repeat: int) -> pd.DataFrame:
    """Best rate and largest memory of ``repeat`` runs of each configuration (the machine may be shared)."""
    rows = []
    for runs, keep in ((1_000, "trajectories"), (10_000, "trajectories"), (100_000, "{dates: [2030Q4]}")):
        path = sweep_file(tmp, f"lhs{runs}", lhs(runs // 10, 10, keep))
        for workers in (1, 2):
            tries = [run_cli(path, tmp / f"out{runs}-{workers}-{i}", "--workers", str(workers)) for i in range(repeat)]
            best = max(tries, key=lambda r: r["runs_per_s"])
            r = {
                **best,
                "max_rss_mib": max(t["max_rss_mib"] for t in tries),
                "pss_sum_mib": max(t["pss_sum_mib"] for t in tries),
            }
            rows.append({"runs": runs, "keep": "summaries" if runs == 100_000 else keep, "workers": workers, **r})
            print(
                f"  {runs:>7,} runs ({rows[-1]['keep']}), {workers} worker(s): {r['runs_per_s']:7,.0f} runs/s "
                f"(+{r['worker_start_s']:.1f} s starting workers; with that and Python's start "
                f"{r['wall_runs_per_s']:6,.0f} runs/s), "
                f"peak RSS {r['max_rss_mib']:4.0f} MiB, PSS sum {r['pss_sum_mib']:4.0f} MiB",
                flush=True,
            )
    return pd.DataFrame(rows)


# -- Mesa's batch_run on the same model and design ---------------------------

from mesa import DataCollector, batch_run  # noqa: E402

from casim.agents import CentralAsianState  # noqa: E402
from casim.model import CentralAsia  # noqa: E402
from casim.scenario import load_scenario  # noqa: E402
from casim.seeding import run_seed  # noqa: E402

SANCTIONS = [0.0, 0.25, 0.5, 0.75, 1.0]
ECONOMY = [0.4, 0.8, 1.2]
REPLICATES = 64
BASE_SEED = 2024
_SCENARIO = load_scenario(BASELINE)


def share(agent, j: int):
    """Agent reporter: a state's share toward power ``j`` (None for a power agent)."""
    return float(agent.alignment[j]) if isinstance(agent, CentralAsianState) else None


class KeywordCentralAsia(CentralAsia):
    """casim's Mesa model with keyword parameters, as ``batch_run`` needs; the seed is the sweep's for that run.

    ``batch_run`` reads only ``agent_reporters``, so the shares are collected that way.
    """

    def __init__(self, west_sanctions: float, russia_economy: float, replicate: int):
        point = SANCTIONS.index(west_sanctions) * len(ECONOMY) + ECONOMY.index(russia_economy)
        seed = run_seed(BASE_SEED, point * REPLICATES + replicate)
        super().__init__(
            _SCENARIO, values={"west.sanctions": west_sanctions, "russia.economy": russia_economy}, rng=seed
        )
        self.datacollector = DataCollector(agent_reporters={p: [share, [j]] for j, p in enumerate(_SCENARIO.powers)})
        self.datacollector.collect(self)

    def step(self) -> None:
        super().step()
        if self.steps >= _SCENARIO.steps:
            self.running = False


def versus_batch_run(tmp: Path) -> dict:
    runs = len(SANCTIONS) * len(ECONOMY) * REPLICATES
    body = (
        f"design: {{method: grid}}\nparameters:\n  west.sanctions: {{values: {SANCTIONS}}}\n"
        f"  russia.economy: {{values: {ECONOMY}}}\nreplicates: {REPLICATES}\nseed: {BASE_SEED}\n"
    )
    path = sweep_file(tmp, "vs_batch_run", body)
    t0 = time.perf_counter()
    rows = batch_run(
        KeywordCentralAsia,
        {"west_sanctions": SANCTIONS, "russia_economy": ECONOMY, "replicate": range(REPLICATES)},
        number_processes=1,
        iterations=1,
        data_collection_period=1,
        max_steps=_SCENARIO.steps,
        display_progress=False,
    )
    t_batch = time.perf_counter() - t0
    import casim

    t0 = time.perf_counter()
    casim.run_sweep(path, out=tmp / "vs-mesa", engine="mesa")
    t_mesa = time.perf_counter() - t0
    t0 = time.perf_counter()
    casim.run_sweep(path, out=tmp / "vs-ensemble")
    t_ens = time.perf_counter() - t0
    # same runs, same numbers. batch_run never reports the last step (it collects steps 0..T-1 of a
    # T-step run), so compare at its last step, T-1.
    ours = casim.read_results(tmp / "vs-mesa")
    br = pd.DataFrame(rows)
    br = br[(br["Step"] == br["Step"].max()) & br["russia"].notna()]
    last = ours[ours["step"] == int(br["Step"].max())]
    a = np.sort(last["russia"].to_numpy())
    b = np.sort(br["russia"].to_numpy())
    diff = float(np.abs(a - b).max()) if len(a) == len(b) else float("nan")
    return {
        "runs": runs,
        "batch_run_runs_per_s": runs / t_batch,
        "sweep_mesa_runs_per_s": runs / t_mesa,
        "sweep_ensemble_runs_per_s": runs / t_ens,
        "max_abs_difference": diff,
    }


def million(tmp: Path) -> dict:
    path = sweep_file(tmp, "million", lhs(100_000, 10, "{dates: [2030Q4]}", 1024))
    m = run_cli(path, tmp / "out-million", "--workers", "2")
    from casim.sweep import summarise

    t0 = time.perf_counter()  # what the closing summary cost when it read every chunk back (it is now tallied)
    summarise(tmp / "out-million")
    return {**m, "reread_s": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="skip the 1,000,000-run sweep")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each throughput configuration (best rate is kept)")
    args = ap.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / GIB:.0f} GiB; "
        f"load average {os.getloadavg()[0]:.1f} at start",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="casim-bench-sweep-") as d:
        tmp = Path(d)
        print("1. casim sweep, full trajectories (each configuration in a fresh process):", flush=True)
        tp = throughput(tmp, args.repeat)
        for runs in (1_000, 10_000, 100_000):
            one, two = (tp[(tp.runs == runs) & (tp.workers == w)].iloc[0] for w in (1, 2))
            print(f"  {runs:>7,} runs: 2 workers / 1 worker = {two.runs_per_s / one.runs_per_s:.2f}x")
        one = tp[tp.workers == 1].set_index("runs")
        print(
            f"  peak RSS with 1 worker: {one.max_rss_mib[1_000]:.0f} MiB for 1,000 runs, "
            f"{one.max_rss_mib[10_000]:.0f} MiB for 10,000 (full trajectories), "
            f"{one.max_rss_mib[100_000]:.0f} MiB for 100,000 (summaries)"
        )

        print("2. the same model and design through mesa.batch_run (1 process, full trajectories):", flush=True)
        vs = versus_batch_run(tmp)
        print(
            f"  {vs['runs']} runs: batch_run {vs['batch_run_runs_per_s']:.1f} runs/s; casim sweep --engine mesa "
            f"{vs['sweep_mesa_runs_per_s']:.1f} runs/s; "
            f"casim sweep (ensemble) {vs['sweep_ensemble_runs_per_s']:,.0f} runs/s"
        )
        print(
            "  ratio casim sweep (ensemble) / batch_run = "
            f"{vs['sweep_ensemble_runs_per_s'] / vs['batch_run_runs_per_s']:,.0f}x; "
            f"casim sweep --engine mesa / batch_run = {vs['sweep_mesa_runs_per_s'] / vs['batch_run_runs_per_s']:.2f}x; "
            f"largest difference in final shares {vs['max_abs_difference']:.1e}"
        )

        if not args.quick:
            print("3. 1,000,000 runs, summaries at 2030Q4 only, 2 workers:", flush=True)
            m = million(tmp)
            verdict = "under" if m["pss_sum_mib"] * 2**20 < GIB and m["max_rss_mib"] * 2**20 < GIB else "NOT under"
            print(
                f"  {m['runs']:,} runs in {m['sweep_s']:.0f} s ({m['runs_per_s']:,.0f} runs/s); "
                f"peak RSS of one process {m['max_rss_mib']:.0f} MiB, "
                f"PSS sum over all {m['pss_sum_mib']:.0f} MiB: {verdict} 1 GiB; wall clock {m['wall_s']:.0f} s. "
                f"The closing summary is tallied as chunks finish: reading every chunk back for it would add "
                f"{m['reread_s']:.1f} s"
            )


if __name__ == "__main__":
    main()
