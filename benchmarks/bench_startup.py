"""Start-up time of the command line: how long a user waits for help and for an argument error.

    python3 benchmarks/bench_startup.py [--repeats 9]

Times, as a user would type them (the ``casim`` script installed beside this
Python, or ``python -m casim`` when there is none),

    casim --help
    casim plot --kind nope x      (an argument error)
    casim run --help
    casim run nope.yaml           (a missing input file)
    python -c pass                (the interpreter alone, for comparison)

and prints the median and the fastest wall-clock time of each over several
runs. Target: ``casim --help`` and argument errors under 0.3 s on the 2-core
development machine; the command line imports no pandas, matplotlib, SALib or
scipy before a command runs (tests/test_startup.py checks that, untimed).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path


def casim_command() -> list[str]:
    """The installed ``casim`` script of this Python (not a version manager's shim), or ``python -m casim``."""
    script = Path(sys.executable).parent / "casim"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "casim"]


def wall_times(argv: list[str], repeats: int) -> list[float]:
    """Wall-clock seconds of ``repeats`` runs of ``argv`` (output discarded; any exit code)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9, help="runs per command (default 9)")
    args = ap.parse_args()
    casim = casim_command()
    cases = [
        ("casim --help", [*casim, "--help"]),
        ("casim plot --kind nope x", [*casim, "plot", "--kind", "nope", "x"]),
        ("casim run --help", [*casim, "run", "--help"]),
        ("casim run nope.yaml", [*casim, "run", "nope.yaml"]),
        ("python -c pass", [sys.executable, "-c", "pass"]),
    ]
    print(f"{' '.join(casim)}; {args.repeats} runs each; wall-clock seconds")
    print(f"{'command':<28} {'median':>8} {'fastest':>8}")
    for label, argv in cases:
        times = wall_times(argv, args.repeats)
        print(f"{label:<28} {statistics.median(times):8.3f} {min(times):8.3f}")


if __name__ == "__main__":
    main()
