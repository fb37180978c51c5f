"""A sweep killed (SIGKILL), terminated (SIGTERM) or interrupted (Ctrl-C) and resumed equals one that ran straight
through, and leaves no worker process behind."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT, swept

import casim
from casim.cli import main
from casim.sweep import store as stores

BASELINE = ROOT / "scenarios" / "baseline.yaml"
BODY = """\
design: {method: lhs, n: 80, seed: 3}
parameters:
  west.sanctions: [0.0, 1.0]
  china.engage: [0.0, 1.0]
replicates: 25
seed: 99
chunk: 50
"""
CHUNKS = 40


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep file and an uninterrupted serial run of it."""
    return swept(tmp_path_factory.mktemp("sweep"), BODY, "straight")


# `python -m casim` with Ctrl-C's usual handler: a shell starting pytest in the background (`pytest &`) sets SIGINT
# to ignored, and an ignored signal stays ignored across exec, so without this the child would never see Ctrl-C
CASIM_WITH_CTRL_C = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); sys.argv[0] = 'casim'; "
    "runpy.run_module('casim', run_name='__main__', alter_sys=True)"
)


def start(path: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CASIM_WITH_CTRL_C, "sweep", str(path), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=None if env is None else {**os.environ, **env},
    )


def wait_for_first_chunk(proc: subprocess.Popen, out: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (out / "chunks").is_dir() and any(p.name.startswith("part-") for p in (out / "chunks").iterdir()):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.005)
    raise AssertionError("no chunk appeared")


def same_as_reference(out: Path, straight: Path) -> None:
    for f in sorted((straight / "chunks").iterdir()):
        assert f.read_bytes() == (out / "chunks" / f.name).read_bytes(), f.name
    a = casim.read_results(out).sort_values(["run", "step", "state"]).reset_index(drop=True)
    b = casim.read_results(straight).sort_values(["run", "step", "state"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_sigkill_then_resume_equals_an_uninterrupted_run(reference, tmp_path, capsys):
    path, straight = reference
    out = tmp_path / "killed"
    proc = start(path, out)
    wait_for_first_chunk(proc, out)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    stored = stores.open_existing(out).done()
    assert 1 <= len(stored) < CHUNKS  # killed mid-sweep
    with pytest.raises(casim.CasimError, match="incomplete"):
        casim.read_results(out)
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 0
    assert f"{len(stored)} of {CHUNKS} chunks already stored" in capsys.readouterr().err
    same_as_reference(out, straight)


def test_ctrl_c_stores_finished_chunks_prints_the_resume_command_and_exits_130(reference, tmp_path):
    path, straight = reference
    out = tmp_path / "interrupted"
    proc = start(path, out, "--workers", "2")
    wait_for_first_chunk(proc, out)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole process group, workers included
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    command = err.strip().splitlines()[-1]
    assert command == f"resume with: casim sweep {path} --out {out} --resume --workers 2"
    stored = stores.open_existing(out).done()
    assert 1 <= len(stored) < CHUNKS
    assert not [p for p in (out / "chunks").iterdir() if not p.name.startswith("part-")]
    assert main(shlex.split(command.removeprefix("resume with: casim "))) == 0
    same_as_reference(out, straight)


def test_ctrl_c_on_a_dask_local_cluster_is_quiet_and_exits_130(reference, tmp_path):
    pytest.importorskip("distributed")
    path, straight = reference
    out = tmp_path / "dask"
    proc = start(path, out, "--executor", "dask", "--workers", "2")
    wait_for_first_chunk(proc, out)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    lines = err.strip().splitlines()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert lines[-1] == f"resume with: casim sweep {path} --out {out} --resume --workers 2 --executor dask"
    assert len(lines) <= 3, err  # the plan, 'interrupted: ...', the resume command
    stored = stores.open_existing(out).files()
    assert 1 <= len(stored) < CHUNKS
    for f in stored:  # what was stored is what an uninterrupted sweep stores
        assert f.read_bytes() == (straight / "chunks" / f.name).read_bytes(), f.name


def test_sigterm_stores_finished_chunks_marks_the_store_interrupted_and_exits_143(reference, tmp_path):
    path, straight = reference
    out = tmp_path / "terminated"
    proc = start(path, out, "--workers", "2")
    wait_for_first_chunk(proc, out)
    os.kill(proc.pid, signal.SIGTERM)  # as a service manager stops it: the main process alone
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines[-2].startswith("casim: terminated: ") and lines[-2].endswith(
        f" of {CHUNKS} chunks are stored in {out}"
    )
    assert lines[-1] == f"resume with: casim sweep {path} --out {out} --resume --workers 2"
    manifest = stores.read_manifest(out)
    assert manifest is not None and manifest["status"] == "incomplete"
    assert manifest["sessions"][-1]["status"] == "interrupted" and manifest["sessions"][-1]["signal"] == "SIGTERM"
    assert 1 <= len(stores.open_existing(out).done()) < CHUNKS
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 0
    same_as_reference(out, straight)


# -- the crash test: killed at seeded random points, resumed, compared; no process outlives the sweep --------------

TAG = "CASIM_SWEEP_CRASH_TEST"  # an environment variable every process of the killed sweep inherits
EXIT = {"SIGKILL": -signal.SIGKILL, "SIGTERM": 143, "SIGINT": 130}


def processes_tagged(tag: str) -> list:
    """The live processes (not zombies) whose environment carries ``TAG=tag``: the sweep's workers, forkserver and
    resource tracker, even once reparented."""
    import psutil

    found = []
    for p in psutil.process_iter():
        try:
            if p.status() != psutil.STATUS_ZOMBIE and p.environ().get(TAG) == tag:
                found.append(p)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def kill_at_a_seeded_point(proc: subprocess.Popen, out: Path, sig: signal.Signals, rng: np.random.Generator) -> None:
    """Send ``sig`` to the sweep's main process once a seeded number of chunks is stored, or (a third of the time) at
    a seeded moment within 0.3 s of the store's folder appearing: while the store is made or the first chunks run."""
    after = int(rng.integers(-8, CHUNKS // 2))  # about a third of the points fall in the start-up
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        chunks = out / "chunks"
        n = sum(1 for p in chunks.iterdir() if p.name.startswith("part-")) if chunks.is_dir() else 0
        if (after <= 0 and out.exists()) or (after > 0 and n >= after):
            if after <= 0:
                time.sleep(float(rng.uniform(0.0, 0.3)))
            break
        time.sleep(0.002)
    if proc.poll() is None:
        os.kill(proc.pid, sig)


CRASHES = [
    pytest.param("SIGKILL", 2, id="SIGKILL-2-workers"),
    pytest.param("SIGTERM", 1, id="SIGTERM-serial"),
    pytest.param("SIGINT", 1, id="SIGINT-serial"),
    pytest.param("SIGKILL", 1, id="SIGKILL-serial", marks=pytest.mark.slow),
    pytest.param("SIGTERM", 2, id="SIGTERM-2-workers", marks=pytest.mark.slow),
    pytest.param("SIGINT", 2, id="SIGINT-2-workers", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("signame, workers", CRASHES)
def test_a_sweep_killed_at_a_random_point_resumes_to_the_same_table_and_leaves_no_process(
    reference, tmp_path, signame, workers
):
    pytest.importorskip("psutil")
    path, straight = reference
    sig = signal.Signals[signame]
    rng = np.random.default_rng([2026, int(sig), workers])  # the kill point: seeded per signal and worker count
    out = tmp_path / "crashed"
    tag = f"{os.getpid()}-{signame}-{workers}"
    proc = start(path, out, "--workers", str(workers), env={TAG: tag})
    try:
        kill_at_a_seeded_point(proc, out, sig, rng)
        proc.wait(timeout=120)
        left = processes_tagged(tag)
        deadline = time.monotonic() + 30  # a grace period for workers to notice their parent is gone
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = processes_tagged(tag)
        assert not left, [(p.pid, p.cmdline()[-1][:60]) for p in left]
        _, err = proc.communicate(timeout=60)  # after the check: a surviving worker would hold the pipe open
    finally:
        for p in processes_tagged(tag):  # never leave one behind, even when the test fails
            p.kill()
    assert "Traceback" not in err, err
    manifest = stores.read_manifest(out) if out.is_dir() else None
    stored = len(stores.open_existing(out).done()) if manifest is not None else 0
    if stored < CHUNKS:
        assert proc.returncode == EXIT[signame], err
        if manifest["sessions"] and signame != "SIGKILL":  # a session was started: it is closed as interrupted
            assert manifest["status"] == "incomplete" and manifest["sessions"][-1]["status"] == "interrupted"
    else:  # the sweep had finished: the signal came as it closed (or, after it returned, as the process exited)
        assert proc.returncode in (EXIT[signame], 0, -sig), err
    resume = ["--resume"] if manifest is not None else []  # killed before the store was made: start it again
    assert main(["sweep", str(path), "--out", str(out), *resume]) == 0
    same_as_reference(out, straight)
