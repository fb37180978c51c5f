"""Time ``casim compare`` of every shipped scenario (the hindcast too) over posterior draws, end to end and by stage.

    python3 benchmarks/bench_compare.py [--draws 200] [--replicates 20] [--repeat 3] [--no-split]

1. End to end: the command itself (``casim compare <ten scenarios> --posterior shipped --draws 200 --replicates 20
   --out TMP --overwrite``) in a fresh process, ``--repeat`` times: median and range. Target: <= 10 s on two cores.
2. The split, in one process, as the command does it: the imports, the runs (``casim.uncertainty.run`` of each
   scenario), combining their tables (``compare.combine``), the differences (``compare.differences``), the figures
   (``compare_figure`` and ``differences_figure``, built, then saved as PNG and SVG) and writing the table
   (``results.fill``). The stages do not add up to the end-to-end time: the command also starts Python, loads the
   scenarios and prints its summary.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from casim import shipped

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["baseline", *sorted(n for n in shipped.scenario_names() if n != "baseline")]  # all ten, the hindcast too
FILES = [str(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS]


def end_to_end(draws: int, replicates: int, repeat: int) -> list[float]:
    """Wall seconds of each of ``repeat`` runs of the command."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, "-m", "casim", "compare", *FILES, "--posterior", "shipped"]
        argv += ["--draws", str(draws), "--replicates", str(replicates), "--out", f"{tmp}/cmp", "--overwrite"]
        for _ in range(repeat):
            start = time.perf_counter()
            subprocess.run(argv, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    return times


def split(draws: int, replicates: int) -> list[tuple[str, float]]:
    """Seconds of each stage of the command, in this process."""
    marks = [("", time.perf_counter())]

    def mark(stage: str) -> None:
        marks.append((stage, time.perf_counter()))

    from casim import figures, posterior, results, uncertainty
    from casim.analysis import compare
    from casim.scenario import load_scenario

    mark("imports (casim, pandas, matplotlib, the analysis)")
    post = posterior.resolve("shipped")
    loaded = [load_scenario(f) for f in FILES]
    seed = loaded[0].seed
    tables = [uncertainty.run(s, post, draws, replicates, seed) for s in loaded]
    mark(f"runs: {len(loaded)} scenarios x {draws} draws x {replicates} replicates")
    df = compare.combine(tables)
    del tables
    mark(f"combine: {len(df):,} rows")
    diff = compare.differences(df)
    mark("differences over draws")
    drawn = {"compare": figures.compare_figure(df), "differences": figures.differences_figure(diff)}
    mark("figures: built (compare incl. its bands)")
    with tempfile.TemporaryDirectory() as tmp:
        for name, fig in drawn.items():
            figures.save(fig, Path(tmp) / name)
        mark("figures: saved as PNG and SVG")
        results.fill(Path(tmp), df, {}, kind="compare")
        mark("table written (results.fill, Parquet)")
    return [(stage, t - marks[k][1]) for k, (stage, t) in enumerate(marks[1:])]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=200)
    p.add_argument("--replicates", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-split", action="store_true", help="time only the command end to end")
    args = p.parse_args()
    times = end_to_end(args.draws, args.replicates, args.repeat)
    print(
        f"casim compare, {len(FILES)} scenarios over {args.draws} posterior draws x {args.replicates} replicates: "
        f"median {statistics.median(times):.2f} s over {args.repeat} runs "
        f"(range {min(times):.2f}-{max(times):.2f} s; target <= 10 s)"
    )
    if args.no_split:
        return
    stages = split(args.draws, args.replicates)
    print("in one process (seconds):")
    for stage, seconds in stages:
        print(f"{seconds:7.2f}  {stage}")
    print(f"{sum(s for _, s in stages):7.2f}  total")


if __name__ == "__main__":
    main()
