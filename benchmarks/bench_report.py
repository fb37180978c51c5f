"""Time ``casim report`` stage by stage: the runs, the votes, the sensitivity run, the figures, the page.

Each stage is timed as the progress line that announces it starts; the last stage ends when the page is written.

    python3 benchmarks/bench_report.py [scenarios/sanctions_tighten.yaml] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from casim.report import report


def once(scenario: str, out: Path) -> list[tuple[str, float]]:
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    report([scenario], out, progress=lambda text: marks.append((text, time.perf_counter())))
    end = time.perf_counter()
    stages = [("reading the inputs", marks[0][1] - start)]
    stages += [(text, (marks[i + 1][1] if i + 1 < len(marks) else end) - t) for i, (text, t) in enumerate(marks)]
    return [*stages, ("total", end - start)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario", nargs="?", default="scenarios/sanctions_tighten.yaml")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        runs = [once(args.scenario, out) for _ in range(args.repeat)]
        size = out.stat().st_size
    print(f"casim report {args.scenario}: best of {args.repeat} (seconds), page {size / 1e6:.2f} MB")
    for k, (text, _) in enumerate(runs[0]):
        print(f"{min(r[k][1] for r in runs):7.2f}  {text}")


if __name__ == "__main__":
    main()
