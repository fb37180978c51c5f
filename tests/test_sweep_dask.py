"""Sweeps on Dask: a real LocalCluster on loopback gives the serial results bit for bit."""

from __future__ import annotations

import socket
from pathlib import Path

import pandas as pd
import pytest

import casim
from casim.cli import main
from casim.sweep import executors

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
BODY = """\
design: {method: sobol, n: 8, seed: 1, second_order: false}
parameters:
  west.sanctions: [0.0, 1.0]
  russia.economy: [0.4, 1.2]
  model.spinup: {values: [10, 200]}
replicates: 3
seed: 8
chunk: 16
keep: {dates: [2030Q4]}
"""


def test_dask_local_cluster_gives_the_serial_results_bit_for_bit(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    casim.sweep(path, out=tmp_path / "serial")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        outcome = casim.sweep(path, out=tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address)
    assert outcome.complete and outcome.pool.startswith("Dask scheduler tcp://127.0.0.1:")
    for f in sorted((tmp_path / "serial" / "chunks").iterdir()):
        assert f.read_bytes() == (tmp_path / "dask" / "chunks" / f.name).read_bytes(), f.name
    pd.testing.assert_frame_equal(
        casim.read_results(tmp_path / "serial"), casim.read_results(tmp_path / "dask"), check_exact=True
    )


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "1s")
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith(f"casim: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert not [line for line in err if "Traceback" in line]
