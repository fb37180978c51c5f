"""Output folders (casim.folders): safe names from scenario names, refusal of other results, one writer at a time,
whole-folder replacement by `casim run` and `casim compare` (docs/reliability.md, "Results folders")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from helpers import BASELINE, SCENARIOS, one_line_error
from hypothesis import given, settings
from hypothesis import strategies as st

import casim
from casim import folders, results
from casim.cli import main
from casim.errors import CasimError
from casim.sweep import plan

SANCTIONS = SCENARIOS / "sanctions_tighten.yaml"


def snapshot(folder: Path, lock: bool = False) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too, the writer lock's only if ``lock``) and its bytes."""
    files = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return files if lock else {k: v for k, v in files.items() if k != folders.LOCK}


def run(*argv, out: Path) -> int:
    return main(["run", *map(str, argv), "--replicates", "1", "--out", str(out)])


# --- safe names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../x", "x"),
        ("/some/dir", "some-dir"),
        ("..", "unnamed"),
        ("", "unnamed"),
        (".hidden", "hidden"),
        ("a/../b", "a-..-b"),
        ("china pull: 2030", "china-pull-2030"),
        ("Ásia", "Asia"),
        ("a\x00b\nc", "a-b-c"),
        ("x" * 300, "x" * 80),
    ],
)
def test_slug_of_hostile_names_is_one_plain_folder_name(name, expected):
    assert folders.slug(name) == expected


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text())
def test_any_name_stays_one_folder_inside_the_results_root(name):
    s = folders.slug(name)
    assert s and len(s) <= folders.MAX_SLUG and not s.startswith((".", "-")) and s not in (".", "..")
    assert "/" not in s and "\\" not in s and s.isascii() and s.isprintable()
    root = Path("/r/results")
    assert (root / s).parent == root and os.path.normpath(root / s) == str(root / s)


def test_a_run_with_set_overrides_defaults_to_its_own_folder():
    plain = folders.run_folder("baseline")
    a = folders.run_folder("baseline", ["west.sanctions=0.8"])
    b = folders.run_folder("baseline", ["west.sanctions=0.9"])
    assert plain == Path("results/baseline")
    assert a.parent == b.parent == Path("results") and len({plain, a, b}) == 3
    assert a.name.startswith("baseline--set-") and a == folders.run_folder("baseline", ["west.sanctions=0.8"])
    assert folders.run_folder("../../etc") == Path("results/etc")


def test_the_default_sweep_store_is_a_slug_inside_results_sweeps():
    assert plan.default_out(types.SimpleNamespace(name="../../../x")) == Path("results/sweeps/x")  # type: ignore[arg-type]
    assert plan.default_out(types.SimpleNamespace(name="/abs/path")) == Path("results/sweeps/abs-path")  # type: ignore[arg-type]


def test_run_with_set_writes_its_own_folder_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(BASELINE), "--replicates", "1", "--draws", "2"]) == 0
    plain = snapshot(tmp_path / "results" / "baseline")
    capsys.readouterr()
    assert main(["run", str(BASELINE), "--replicates", "1", "--draws", "2", "--set", "west.sanctions=0.8"]) == 0
    out = capsys.readouterr().out
    folder = folders.run_folder("baseline", ["west.sanctions=0.8"])
    assert out.splitlines()[0].startswith(
        "baseline with --set west.sanctions=0.8: 2 run(s): 2 posterior draw(s) x 1 replicate(s)"
    )
    assert f"wrote {folder / 'results.parquet'}" in out
    assert snapshot(tmp_path / "results" / "baseline") == plain  # the plain run is untouched
    meta = json.loads((tmp_path / folder / "manifest.json").read_text())
    assert meta["set"] == ["west.sanctions=0.8"] and meta["kind"] == "run"


# --- what a folder holds, and refusing other results --------------------------------------------------------------


def test_run_refuses_another_scenarios_folder_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "o"
    assert run(BASELINE, out=out) == 0
    before = snapshot(out)
    capsys.readouterr()
    code = run(SANCTIONS, out=out)
    refused = capsys.readouterr()
    line = one_line_error(code, refused.err)
    assert "holds scenario 'baseline' from casim run" in line and "--overwrite" in line and str(out) in line
    assert refused.out == "" and snapshot(out) == before  # refused before running: no summary printed
    assert run(SANCTIONS, "--overwrite", out=out) == 0
    assert set(casim.read_results(out)["scenario"]) == {"sanctions-tighten"}


def test_run_refuses_other_set_overrides_in_a_chosen_folder(tmp_path, capsys):
    out = tmp_path / "o"
    assert run(BASELINE, out=out) == 0
    capsys.readouterr()
    line = one_line_error(run(BASELINE, "--set", "west.sanctions=0.8", out=out), capsys.readouterr().err)
    assert "holds scenario 'baseline' from casim run" in line


def test_run_over_a_compare_folder_leaves_no_stale_figures(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compare", str(BASELINE), str(SANCTIONS), "--replicates", "1", "--out", str(out)]) == 0
    assert (out / "differences.csv").exists() and (out / "compare.png").exists()
    capsys.readouterr()
    line = one_line_error(run(BASELINE, out=out), capsys.readouterr().err)
    assert "holds comparison of 'baseline', 'sanctions-tighten' from casim compare" in line
    assert run(BASELINE, "--overwrite", out=out) == 0
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "results.parquet"]


@pytest.mark.slow  # two comparisons with their figures: about 10 s of CPU
def test_compare_records_its_kind_and_refuses_another_comparison(tmp_path, capsys):
    out = tmp_path / "c"
    assert main(["compare", str(BASELINE), str(SANCTIONS), "--replicates", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["kind"] == "compare" and meta["results"] == "results.parquet"
    assert meta["rows"] == len(casim.read_results(out))
    assert f"wrote {out / 'differences.csv'}" in printed and f"wrote {out / 'compare.svg'}" in printed
    swapped = ["compare", str(SANCTIONS), str(BASELINE), "--replicates", "1", "--out", str(out)]
    line = one_line_error(main(swapped), capsys.readouterr().err)
    assert "holds comparison of 'baseline', 'sanctions-tighten' from casim compare" in line
    assert main([*swapped, "--overwrite"]) == 0
    meta = json.loads((out / "manifest.json").read_text())
    assert meta["comparison"]["scenarios"] == ["sanctions-tighten", "baseline"]
    assert set(pd.read_csv(out / "differences.csv")["scenario"]) == {"baseline"}  # differences from the new baseline


def test_a_folder_casim_did_not_write_is_never_replaced(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "results.csv").write_text("precious\n")
    (out / "manifest.json").write_text('{"mine": true}')
    before = snapshot(out, lock=True)
    for extra in ((), ("--overwrite",)):
        line = one_line_error(run(BASELINE, *extra, out=out), capsys.readouterr().err)
        assert "files casim did not write" in line and "choose another --out" in line
        assert snapshot(out, lock=True) == before  # not even a lock file


def test_run_over_a_sweep_store_is_refused_and_overwrite_leaves_a_readable_run(tmp_path, capsys):
    out = tmp_path / "s"
    (out / "chunks").mkdir(parents=True)
    (out / "manifest.json").write_text(json.dumps({"kind": "sweep", "name": "grid", "casim_version": "x"}))
    line = one_line_error(run(BASELINE, out=out), capsys.readouterr().err)
    assert "holds a sweep store (sweep 'grid')" in line
    assert (out / "chunks").is_dir()
    assert run(BASELINE, "--overwrite", out=out) == 0
    assert not (out / "chunks").exists() and len(casim.read_results(out)) > 0


def test_switching_format_replaces_the_table_and_manifest_together(tmp_path):
    out = tmp_path / "o"
    assert run(BASELINE, out=out) == 0
    assert main(["run", str(BASELINE), "--replicates", "2", "--format", "csv", "--out", str(out)]) == 0
    meta = json.loads((out / "manifest.json").read_text())
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "results.csv"]
    assert meta["results"] == "results.csv" and meta["rows"] == len(pd.read_csv(out / "results.csv"))


def test_a_failed_manifest_write_keeps_the_old_folder(tmp_path, monkeypatch, capsys):
    out = tmp_path / "o"
    assert run(BASELINE, out=out) == 0
    before = snapshot(out)
    real = Path.write_text

    def fail_manifest(self, *a, **k):
        if self.name == "manifest.json":
            raise OSError(28, "No space left on device")
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "write_text", fail_manifest)
    line = one_line_error(run(SANCTIONS, "--overwrite", out=out), capsys.readouterr().err)
    assert line == f"casim: error: {out}: cannot write results: No space left on device"
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]  # no temporary folder left beside it


def test_a_failed_first_write_leaves_no_folder(tmp_path, monkeypatch, capsys):
    import pyarrow.parquet as pq

    # casim run streams its table through a ParquetWriter
    monkeypatch.setattr(pq.ParquetWriter, "write_batch", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space")))
    one_line_error(run(BASELINE, out=tmp_path / "new"), capsys.readouterr().err)
    assert list(tmp_path.iterdir()) == []


def test_results_write_records_kind_rows_and_table_name(tmp_path):
    df = pd.DataFrame({"scenario": ["a"] * 3, "x": [1, 2, 3]})
    path = results.write(df, {"scenario": {"name": "a"}}, tmp_path / "r", "csv")
    meta = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert path == tmp_path / "r" / "results.csv"
    assert (meta["kind"], meta["results"], meta["rows"]) == ("run", "results.csv", 3)
    with pytest.raises(CasimError, match="holds scenario 'a' from casim run"):
        results.write(df, {"scenario": {"name": "b"}}, tmp_path / "r")


# --- one writer at a time ------------------------------------------------------------------------------------------


def test_a_second_writer_gets_a_one_line_error_naming_the_first(tmp_path, capsys):
    out = tmp_path / "o"
    assert run(BASELINE, out=out) == 0
    before = snapshot(out)
    with folders.writer_lock(out, "results"):
        line = one_line_error(run(BASELINE, out=out), capsys.readouterr().err)
        with pytest.raises(CasimError, match="being written"), folders.writer_lock(out, "a sweep store"):
            pass
    assert line == (
        f"casim: error: {out} is being written by another casim process (pid {os.getpid()}); "
        "wait for it to finish or choose another --out"
    )
    assert snapshot(out) == before
    with folders.writer_lock(out, "results"):  # released when the holder is done
        pass


def test_the_lock_dies_with_a_killed_holder(tmp_path):
    code = (
        "import sys, time; from pathlib import Path; from casim import folders\n"
        "with folders.writer_lock(Path(sys.argv[1]), 'x'):\n    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        lock = folders.writer_lock(tmp_path, "x")
        with pytest.raises(CasimError, match=rf"another casim process \(pid {holder.pid}\)"), lock:
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with folders.writer_lock(tmp_path, "x"):  # no stale lock after a kill
        pass


# --- the swap -------------------------------------------------------------------------------------------------------


def test_the_two_rename_fallback_replaces_the_folder_too(tmp_path, monkeypatch):
    monkeypatch.setattr(folders, "_exchange", lambda a, b: False)  # a filesystem without RENAME_EXCHANGE
    out = tmp_path / "o"
    assert run(BASELINE, out=out) == 0
    assert run(SANCTIONS, "--overwrite", out=out) == 0
    assert set(casim.read_results(out)["scenario"]) == {"sanctions-tighten"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_recover_finishes_a_swap_cut_between_its_two_renames(tmp_path):
    out = tmp_path / "o"
    assert run(BASELINE, out=out) == 0
    assert run(SANCTIONS, out=tmp_path / "new") == 0
    new = snapshot(tmp_path / "new")
    # the state a kill between the fallback's renames leaves: the old folder moved aside, the new one complete
    os.rename(out, tmp_path / ".o.old-abc")
    os.rename(tmp_path / "new", tmp_path / ".o.tmp-abc")
    (tmp_path / ".o.tmp-zzz").mkdir()  # a writer killed while writing
    with folders.writer_lock(out, "results"):
        folders.recover(out)
    assert snapshot(out) == new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]
