"""The writers' crash test: `casim run` killed (SIGKILL, SIGTERM, SIGINT) at seeded random moments and at each step
of writing, out of disk space at each step, and two writers at once. Whatever happens, the output folder holds the
old complete result or the new complete result: its manifest names the one table beside it, of the same scenario,
with the row count it records; never a mix, never a partial (docs/reliability.md, "Results folders")."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import BASELINE, SCENARIOS, one_line_error

from casim import folders
from casim.cli import main

SANCTIONS = SCENARIOS / "sanctions_tighten.yaml"
SIGNALS = ("SIGKILL", "SIGTERM", "SIGINT")

# Runs `casim ARGS...` after arranging for the process to send itself SIGNAL at POINT of the write:
#   table:    the table is written, the manifest not yet
#   manifest: both are written into the new folder, not yet flushed to the disk
#   synced:   the new folder is complete on the disk, not yet swapped in
#   swapped:  the new folder is in place, the old one not yet removed
#   between:  the two-rename fallback (no RENAME_EXCHANGE) has moved the old folder aside, not the new one in
#             (SIGINT and SIGTERM are held back until the second rename is done; SIGKILL leaves the window to recover)
DRIVER = """
import os, signal, sys
import pandas as pd
from casim import folders, results
from casim.cli import main

point, sig = sys.argv[1], getattr(signal, sys.argv[2])
# Ctrl-C as a terminal delivers it: a shell that starts a job in the background without job control has
# the job ignore SIGINT, and Python then never raises KeyboardInterrupt; restore the default handler
signal.signal(signal.SIGINT, signal.default_int_handler)

def after(owner, name):
    real = getattr(owner, name)
    def wrapper(*a, **k):
        out = real(*a, **k)
        os.kill(os.getpid(), sig)
        return out
    setattr(owner, name, wrapper)

if point == "table":
    after(pd.DataFrame, "to_parquet")
    after(pd.DataFrame, "to_csv")  # casim run streams CSV batch by batch: after the first batch
    after(results.Stream, "close")  # ... and Parquet through a ParquetWriter: once it is closed
elif point == "manifest":
    after(results, "write_manifest")
elif point == "synced":
    after(folders, "_sync_tree")
elif point == "swapped":
    after(folders, "_swap")
elif point == "between":
    folders._exchange = lambda a, b: False
    real_rename = os.rename
    def rename(a, b):
        real_rename(a, b)
        if ".old-" in str(b):
            os.kill(os.getpid(), sig)
    folders.os.rename = rename
sys.exit(main(sys.argv[3:]))
"""


def result(folder: Path) -> tuple[str, int, str] | None:
    """The complete result ``folder`` holds as (scenario, rows, table file), None if it holds none; fails on a mix.

    Complete means: the manifest names a table that is there, the only other file; the table's scenario and row
    count are the manifest's.
    """
    if not folder.exists() or {p.name for p in folder.iterdir()} <= {folders.LOCK}:
        return None
    meta = json.loads((folder / "manifest.json").read_text())
    name = meta["results"]
    assert {p.name for p in folder.iterdir()} - {folders.LOCK} == {"manifest.json", name}, sorted(folder.iterdir())
    table = pd.read_csv(folder / name) if name.endswith(".csv") else pd.read_parquet(folder / name)
    assert set(table["scenario"]) == {meta["scenario"]["name"]}
    assert len(table) == meta["rows"]
    return meta["scenario"]["name"], len(table), name


def args_for(trial: int, out: Path) -> tuple[list[str], tuple[str, int, str]]:
    """The `casim run` of a trial (alternating scenario, replicates and format) and the result it would write."""
    scenario, name = ((BASELINE, "baseline"), (SANCTIONS, "sanctions-tighten"))[trial % 2]
    replicates, fmt = (3, "csv") if trial % 2 else (2, "parquet")
    argv = ["run", str(scenario), "--replicates", str(replicates), "--format", fmt, "--out", str(out), "--overwrite"]
    argv += ["--posterior", "none"]  # the point values: replicates runs
    rows = replicates * 32 * 5  # 2023Q1..2030Q4 and its start: 32 dates; 5 states
    return argv, (name, rows, f"results.{fmt}")


def casim(argv: list[str], point: str | None = None, sig: str = "SIGKILL") -> subprocess.Popen:
    cmd = [sys.executable, "-c", DRIVER, point, sig, *argv] if point else [sys.executable, "-m", "casim", *argv]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.fixture
def out(tmp_path) -> Path:
    """A folder holding a complete result (trial 0's), to be replaced."""
    folder = tmp_path / "o"
    argv, expected = args_for(0, folder)
    assert main(argv) == 0 and result(folder) == expected
    return folder


def kill_at_points(out: Path, cases: list[tuple[str, str]]) -> None:
    for trial, (point, sig) in enumerate(cases, start=1):
        before = result(out)
        argv, new = args_for(trial, out)
        proc = casim(argv, point, sig)
        _, err = proc.communicate(timeout=120)
        if sig == "SIGINT":
            assert proc.returncode == 130 and err.strip() == "casim: interrupted", err
        else:
            assert proc.returncode == -getattr(signal, sig), err
        after = result(out)
        if point == "between" and sig == "SIGKILL":  # the fallback's window: the folder is away until recovered
            assert after is None
            with folders.writer_lock(out, "results"):
                folders.recover(out)
            after = result(out)
        expected = new if point in ("swapped", "between") else before
        assert after == expected, (point, sig)


def test_kills_at_each_step_of_the_write_leave_old_or_new(out):
    cases = [(p, "SIGKILL") for p in ("table", "manifest", "synced", "swapped", "between")]
    cases += [("swapped", "SIGTERM"), ("synced", "SIGINT"), ("between", "SIGINT")]
    kill_at_points(out, cases)
    # debris of the killed writers (temporary and old folders beside it) goes with the next write
    argv, expected = args_for(len(cases) + 1, out)
    assert main(argv) == 0 and result(out) == expected
    assert [p.name for p in out.parent.iterdir()] == ["o"]


@pytest.mark.slow
def test_every_signal_at_every_step_leaves_old_or_new(out):
    points = ("table", "manifest", "synced", "swapped")
    kill_at_points(out, [(p, s) for p in (*points, "between") for s in SIGNALS])


def kill_at_random_moments(out: Path, per_signal: int, seed: int) -> dict[str, int]:
    """Kill `casim run` at seeded random moments; returns how often the old and the new result survived."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    argv, _ = args_for(1, out.parent / "timing")
    start = time.monotonic()
    assert casim(argv).wait(timeout=120) == 0
    full = time.monotonic() - start  # how long a whole run takes here: the kills land in [0.3, 1.1] of it
    survived = {"old": 0, "new": 0}
    for trial, sig in enumerate(rng.permutation(np.repeat(SIGNALS, per_signal)), start=1):
        before = result(out)
        argv, new = args_for(trial, out)
        proc = casim(argv)
        time.sleep(rng.uniform(0.3, 1.1) * full)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=120)
        assert "Traceback" not in err or sig == "SIGINT", err  # SIGINT during start-up: Python's own traceback
        after = result(out)
        assert after in (before, new), (sig, after)
        survived["new" if after == new and new != before else "old"] += 1
    return survived


def test_kills_at_random_moments_leave_old_or_new(out):
    survived = kill_at_random_moments(out, per_signal=2, seed=20261201)
    assert sum(survived.values()) == 6
    print(f"random kills: {survived}")


# kills per signal in the slow variant: 4 in the suite (12 kills, about 25 s); more on demand, e.g.
# CASIM_CRASH_KILLS=15 python3 -m pytest tests/test_crash.py -m slow
MANY_KILLS = int(os.environ.get("CASIM_CRASH_KILLS", "4"))


@pytest.mark.slow
def test_many_kills_at_random_moments_leave_old_or_new(out):
    survived = kill_at_random_moments(out, per_signal=MANY_KILLS, seed=7)
    assert sum(survived.values()) == 3 * MANY_KILLS
    print(f"random kills: {survived}")


def enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (pd.DataFrame, "to_csv"),  # trial 1 writes CSV
        (Path, "write_text"),  # the manifest
        (folders, "sync"),  # fsync
        (folders, "_exchange"),  # the swap itself
        (folders.tempfile, "mkdtemp"),  # the new folder
    ],
    ids=["table", "manifest", "fsync", "swap", "new-folder"],
)
def test_a_full_disk_at_each_step_leaves_the_old_result(out, monkeypatch, capsys, owner, name):
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.name != folders.LOCK}
    argv, _ = args_for(1, out)
    monkeypatch.setattr(owner, name, enospc)
    line = one_line_error(main(argv), capsys.readouterr().err)
    assert line == f"casim: error: {out}: cannot write results: No space left on device"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != folders.LOCK} == before
    assert [p.name for p in out.parent.iterdir()] == ["o"]  # no temporary folder left


def test_two_writers_at_once_never_mix(out):
    for trial in (1, 3):
        runs = [args_for(trial + k, out) for k in (0, 1)]
        procs = [casim(argv) for argv, _ in runs]
        errs = [p.communicate(timeout=120)[1] for p in procs]
        codes = [p.returncode for p in procs]
        assert set(codes) <= {0, 2} and 0 in codes, errs
        for code, err in zip(codes, errs, strict=True):
            if code == 2:  # the loser is told, in one line, who holds the folder
                assert err.count("\n") == 1 and "is being written by another casim process (pid" in err, err
        assert result(out) in [new for (_, new), code in zip(runs, codes, strict=True) if code == 0]
