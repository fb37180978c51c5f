"""A sweep store checks itself: damaged, missing, unrecorded and stray chunks, one writer at a time, a full disk."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import one_line_error, swept

import casim
from casim import folders
from casim.cli import main
from casim.errors import CasimError
from casim.sweep import checksums
from casim.sweep import store as stores

BODY = (
    "design: {method: lhs, n: 4, seed: 21}\n"
    "parameters: {west.sanctions: [0.0, 1.0], china.engage: [0.0, 1.0]}\n"
    "replicates: 3\nseed: 5\nchunk: 3\n"
)
CHUNKS = 4  # 4 points x 3 replicates = 12 runs, 3 a chunk


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The sweep file and an uninterrupted run of it, kept untouched."""
    return swept(tmp_path_factory.mktemp("store"), BODY, "reference")


@pytest.fixture
def store(reference, tmp_path):
    """A copy of the complete reference store to damage."""
    _, ref = reference
    out = tmp_path / "store"
    shutil.copytree(ref, out)
    return out


def same_as_reference(out: Path, ref: Path) -> None:
    for f in sorted((ref / "chunks").iterdir()):
        assert f.read_bytes() == (out / "chunks" / f.name).read_bytes(), f.name
    pd.testing.assert_frame_equal(casim.read_results(out), casim.read_results(ref), check_exact=True)


def error_after_the_plan(code: int, err: str) -> str:
    """A sweep that failed once running: its plan line, then one ``casim: error:`` line and exit code 2."""
    assert code == 2 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("casim: error: "), err
    return lines[1]


def truncate(f: Path) -> None:
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])


def flip_a_byte(f: Path) -> None:
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0x01  # the size stays; only the checksum can tell
    f.write_bytes(bytes(data))


def empty(f: Path) -> None:
    f.write_bytes(b"")


DAMAGE = {
    "truncated": (truncate, "bytes where"),
    "byte-flipped": (flip_a_byte, "SHA-256 differs"),
    "emptied": (empty, "it has 0 bytes where"),
}


def test_every_chunk_written_is_recorded_with_its_size_and_sha256(reference):
    import hashlib

    _, ref = reference
    lines = [json.loads(line) for line in (ref / stores.LEDGER).read_text().splitlines()]
    assert sorted(r["chunk"] for r in lines) == list(range(CHUNKS))
    for r in lines:
        data = (ref / "chunks" / stores.chunk_name(r["chunk"])).read_bytes()
        assert r["bytes"] == len(data) and r["sha256"] == hashlib.sha256(data).hexdigest()
    manifest = json.loads((ref / "manifest.json").read_text())
    assert manifest["chunks"]["checksums"] == stores.LEDGER and manifest["store"]["version"] == 2


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_chunk_is_refused_on_read_and_recomputed_on_resume(reference, store, capsys, damage):
    path, ref = reference
    do, reason = DAMAGE[damage]
    do(store / "chunks" / "part-000002.parquet")
    with pytest.raises(CasimError, match=rf"chunk part-000002\.parquet is not the one the sweep wrote: .*{reason}"):
        casim.read_results(store)
    with pytest.raises(CasimError, match="part-000002.parquet is not the one"):
        casim.read_results(store, partial=True)  # a damaged chunk is not a complete one
    assert main(["sweep", str(path), "--out", str(store), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "3 of 4 chunks already stored; 1 damaged chunk(s)" in err
    manifest = json.loads((store / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["sessions"][-1]["chunks_damaged"] == [2]
    assert manifest["sessions"][-1]["chunks_run"] == 1
    same_as_reference(store, ref)


def test_a_damaged_chunk_is_a_one_line_error_for_the_commands_that_read_it(reference, store, capsys):
    path, _ = reference
    flip_a_byte(store / "chunks" / "part-000001.parquet")
    with pytest.raises(CasimError, match="part-000001.parquet is not the one") as e:
        casim.sweep.summarise(store)
    assert "\n" not in str(e.value) and f"casim sweep {path} --out {store} --resume" in str(e.value)


@pytest.mark.parametrize(
    "name", ["part-000004.parquet", "part-000123.parquet", "part-0000001.parquet", "other.parquet"]
)
def test_a_file_that_is_not_a_chunk_of_the_design_is_refused_by_read_and_resume(reference, store, capsys, name):
    path, _ = reference
    (store / "chunks" / "part-000001.parquet").rename(store / "chunks" / name)  # one missing, one extra
    with pytest.raises(CasimError, match=rf"not chunks of this sweep \({name}\); its design has 4 chunk"):
        casim.read_results(store)
    line = one_line_error(main(["sweep", str(path), "--out", str(store), "--resume"]), capsys.readouterr().err)
    assert name in line and "part-000000.parquet to part-000003.parquet" in line
    assert sorted(p.name for p in (store / "chunks").iterdir()) == sorted(
        ["part-000000.parquet", "part-000002.parquet", "part-000003.parquet", name]
    )  # nothing was run or removed


def test_a_chunk_without_its_record_counts_as_missing_and_is_run_again(reference, store):
    path, ref = reference
    ledger = store / stores.LEDGER
    kept = [line for line in ledger.read_text().splitlines() if json.loads(line)["chunk"] != 3]
    ledger.write_text("\n".join(kept) + "\n")
    with pytest.raises(CasimError, match=r"part-000003\.parquet is not the one the sweep wrote: it has no checksum"):
        casim.read_results(store)
    outcome = casim.run_sweep(path, out=store, resume=True)
    assert (outcome.chunks_before, outcome.chunks_run) == (3, 1)
    same_as_reference(store, ref)


def test_a_torn_record_line_is_ignored_and_the_next_record_starts_its_own_line(reference, store):
    path, ref = reference
    ledger = store / stores.LEDGER
    lines = ledger.read_text().splitlines()
    ledger.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][:20])  # the last record cut by a crash
    torn = json.loads(lines[-1])["chunk"]
    assert stores.open_existing(store).done() == set(range(CHUNKS)) - {torn}
    casim.run_sweep(path, out=store, resume=True)
    assert lines[-1][:20] + "\n" in ledger.read_text()  # left as it was, then a newline before the new record
    same_as_reference(store, ref)


def test_a_second_sweep_into_a_store_being_written_is_a_one_line_error_and_writes_nothing(reference, tmp_path, capsys):
    path, _ = reference
    out = tmp_path / "out"
    with folders.writer_lock(out, "the sweep store"):  # as another sweep starting this store at the same moment
        line = one_line_error(main(["sweep", str(path), "--out", str(out)]), capsys.readouterr().err)
    assert "is being written by another casim process" in line
    assert sorted(p.name for p in out.iterdir()) == [folders.LOCK]  # no manifest, no design, no chunk
    assert main(["sweep", str(path), "--out", str(out)]) == 0  # the lock died with its holder


def test_resuming_a_store_while_its_sweep_still_runs_is_refused(reference, tmp_path, capsys):
    path, _ = reference
    slow = tmp_path / "slow.yaml"
    slow.write_text(path.read_text().replace("replicates: 3", "replicates: 3000").replace("chunk: 3", "chunk: 60"))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "casim", "sweep", str(slow), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / stores.LEDGER).exists():  # the first sweep is writing chunks
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.01)
        line = one_line_error(main(["sweep", str(slow), "--out", str(out), "--resume"]), capsys.readouterr().err)
        assert f"is being written by another casim process (pid {proc.pid})" in line
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    "module, seam, nth",
    [(stores, "_write_bytes", 2), (checksums, "_append", 3)],
    ids=["writing-a-chunk", "recording-a-chunk"],
)
def test_a_full_disk_leaves_the_store_resumable(reference, tmp_path, capsys, monkeypatch, module, seam, nth):
    path, ref = reference
    out = tmp_path / "out"
    real = getattr(module, seam)
    calls = []

    def full_on_nth(f, data: bytes) -> None:
        calls.append(1)
        if len(calls) == nth:
            f.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        real(f, data)

    monkeypatch.setattr(module, seam, full_on_nth)
    code = main(["sweep", str(path), "--out", str(out)])
    assert "the disk is full" in error_after_the_plan(code, capsys.readouterr().err)
    assert json.loads((out / "manifest.json").read_text())["status"] == "incomplete"
    # the chunks before are stored; the one that failed left no file (a record without its file is no chunk)
    assert stores.open_existing(out).done() == set(range(nth - 1))
    assert sorted(p.name for p in (out / "chunks").iterdir()) == [stores.chunk_name(i) for i in range(nth - 1)]
    monkeypatch.setattr(module, seam, real)
    assert main(["sweep", str(path), "--out", str(out), "--resume"]) == 0
    assert f"{nth - 1} of {CHUNKS} chunks already stored" in capsys.readouterr().err
    same_as_reference(out, ref)


def test_a_manifest_with_no_chunk_count_is_a_one_line_error(store):
    manifest = json.loads((store / "manifest.json").read_text())
    manifest["chunks"]["count"] = "four"
    (store / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CasimError, match="chunks.count is not a whole number"):
        casim.read_results(store)


def test_a_store_from_before_the_checksums_is_still_read_and_its_strays_refused(reference, store):
    manifest = json.loads((store / "manifest.json").read_text())
    manifest["store"]["version"] = 1
    del manifest["chunks"]["checksums"]
    (store / "manifest.json").write_text(json.dumps(manifest))
    (store / stores.LEDGER).unlink()
    pd.testing.assert_frame_equal(casim.read_results(store), casim.read_results(reference[1]), check_exact=True)
    shutil.copy(store / "chunks" / "part-000000.parquet", store / "chunks" / "part-000009.parquet")
    with pytest.raises(CasimError, match=r"not chunks of this sweep \(part-000009\.parquet\)"):
        casim.read_results(store)
