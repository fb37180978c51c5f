"""A sweep killed (SIGKILL) or interrupted (Ctrl-C) and resumed equals one that ran straight through."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import ROOT

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
    d = tmp_path_factory.mktemp("sweep")
    path = d / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    casim.run_sweep(path, out=d / "straight")
    return path, d / "straight"


def start(path: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "casim", "sweep", str(path), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
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
