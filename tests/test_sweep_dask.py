"""Sweeps on Dask: a real LocalCluster on loopback gives the serial results bit for bit."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pandas as pd
import pytest
from helpers import ROOT, one_line_error

import casim
from casim.cli import main
from casim.sweep import executors

distributed = pytest.importorskip("distributed")

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
    casim.run_sweep(path, out=tmp_path / "serial")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        outcome = casim.run_sweep(path, out=tmp_path / "dask", executor="dask", scheduler=cluster.scheduler_address)
    assert outcome.complete and outcome.pool.startswith("Dask scheduler tcp://127.0.0.1:")
    for f in sorted((tmp_path / "serial" / "chunks").iterdir()):
        assert f.read_bytes() == (tmp_path / "dask" / "chunks" / f.name).read_bytes(), f.name
    pd.testing.assert_frame_equal(
        casim.read_results(tmp_path / "serial"), casim.read_results(tmp_path / "dask"), check_exact=True
    )


def test_executor_dask_without_a_scheduler_starts_a_local_cluster_with_the_serial_results(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    casim.run_sweep(path, out=tmp_path / "serial")
    outcome = casim.run_sweep(path, out=tmp_path / "dask", executor="dask", workers=2)
    assert outcome.complete and outcome.pool == "Dask LocalCluster (2 workers)"
    for f in sorted((tmp_path / "serial" / "chunks").iterdir()):
        assert f.read_bytes() == (tmp_path / "dask" / "chunks" / f.name).read_bytes(), f.name


def test_the_window_of_a_dask_executor_follows_the_clusters_threads(monkeypatch):
    monkeypatch.setattr(executors, "RECOUNT_S", 0.05)
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        for given in (client.get_executor(), client):  # an executor, or the Client itself
            with executors.open_pool(given) as pool:
                assert pool.inflight() == 2
        with executors.open_pool(client.get_executor()) as pool:
            cluster.scale(2)
            client.wait_for_workers(2, timeout=30)
            deadline = time.monotonic() + 30
            while pool.inflight() != 4 and time.monotonic() < deadline:  # the count is re-read in the background
                time.sleep(0.05)
            assert pool.inflight() == 4


def test_an_unreachable_scheduler_is_a_one_line_error_and_leaves_no_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "1s")
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith(
        f"casim: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"
    )
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("address", ["nonsense", "http://[::1", "tcp://host:port"])
def test_a_malformed_scheduler_address_is_refused_before_any_client_is_made(tmp_path, capsys, monkeypatch, address):
    def no_client(*args, **kwargs):
        raise AssertionError("a Client was made for a malformed address")

    monkeypatch.setattr(distributed, "Client", no_client)
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", address])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and err[0].startswith(f"casim: error: not a Dask scheduler address: {address!r}")
    assert not (tmp_path / "o").exists()


@pytest.fixture
def peer():
    """A loopback TCP server that accepts connections and then says nothing, or sends bytes that are not Dask's."""
    servers = []

    def start(sends: bytes | None) -> str:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        servers.append(srv)

        def serve() -> None:
            with contextlib.suppress(OSError):
                while True:
                    conn, _ = srv.accept()
                    servers.append(conn)
                    if sends is not None:
                        conn.sendall(sends)

        threading.Thread(target=serve, daemon=True).start()
        return f"tcp://127.0.0.1:{srv.getsockname()[1]}"

    yield start
    for s in servers:
        s.close()


def sweep_in_a_thread(args: list[str], capsys) -> tuple[int | None, str]:
    """Run ``casim ARGS`` in a thread; a hang fails the test (the thread is left) instead of stopping the suite."""
    code: list[int] = []
    thread = threading.Thread(target=lambda: code.append(main(args)), daemon=True)
    thread.start()
    thread.join(120)  # far beyond the 1 s timeout set below: only a hang reaches it
    return (code[0] if code else None), capsys.readouterr().err


@pytest.mark.parametrize(
    "sends, words",
    [(None, "it did not answer within 1 s"), (bytes(range(256)) * 64, "the peer does not speak Dask's protocol")],
    ids=["silent", "garbage"],
)
def test_a_peer_that_is_not_a_scheduler_is_a_one_line_error_and_leaves_no_store(
    tmp_path, capsys, monkeypatch, peer, sends, words
):
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", "1s")
    address = peer(sends)
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    code, err = sweep_in_a_thread(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", address], capsys)
    assert code is not None, "the sweep hung on a peer that is not a Dask scheduler"
    line = one_line_error(code, err)
    assert line.startswith(f"casim: error: cannot reach the Dask scheduler at {address}: {words}")
    assert not (tmp_path / "o").exists()


def test_a_tls_address_without_dasks_tls_configuration_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    import dask

    def no_client(*args, **kwargs):
        raise AssertionError("a Client was made without TLS configuration")

    monkeypatch.setattr(distributed, "Client", no_client)
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    with dask.config.set({"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None}):
        code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", "tls://127.0.0.1:8786"])
    line = one_line_error(code, capsys.readouterr().err)
    assert "uses TLS, and Dask has no TLS configuration" in line
    assert "DASK_DISTRIBUTED__COMM__TLS__CA_FILE" in line and "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT" in line
    assert not (tmp_path / "o").exists()


def test_a_tls_configuration_naming_a_missing_file_is_a_one_line_error(tmp_path, capsys):
    import dask

    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    missing = tmp_path / "no-such-ca.pem"
    with dask.config.set(
        {"distributed.comm.tls.ca-file": str(missing), "distributed.comm.tls.client.cert": str(missing)}
    ):
        code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--scheduler", "tls://127.0.0.1:8786"])
    line = one_line_error(code, capsys.readouterr().err)
    assert "Dask's TLS configuration cannot be used (No such file or directory)" in line and str(missing) in line
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_a_tls_scheduler_works_through_dasks_environment_variables(tmp_path, monkeypatch):
    import dask
    from distributed.security import Security

    pytest.importorskip("cryptography")  # Security.temporary makes a self-signed certificate with it
    security = Security.temporary()
    (tmp_path / "cert.pem").write_text(security.tls_ca_file)
    (tmp_path / "key.pem").write_text(security.tls_client_key)
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TLS__CA_FILE", str(tmp_path / "cert.pem"))
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT", str(tmp_path / "cert.pem"))
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY", str(tmp_path / "key.pem"))
    path = tmp_path / "sweep.yaml"
    path.write_text(f"schema: 1\nscenario: {BASELINE}\n" + BODY)
    casim.run_sweep(path, out=tmp_path / "serial")
    dask.config.refresh()
    try:
        with distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            protocol="tls",
            security=security,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        ) as cluster:
            assert cluster.scheduler_address.startswith("tls://")
            assert (
                main(["sweep", str(path), "--out", str(tmp_path / "tls"), "--scheduler", cluster.scheduler_address])
                == 0
            )
    finally:
        monkeypatch.undo()
        dask.config.refresh()
    pd.testing.assert_frame_equal(
        casim.read_results(tmp_path / "serial"), casim.read_results(tmp_path / "tls"), check_exact=True
    )
