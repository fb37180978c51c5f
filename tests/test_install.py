"""casim works as installed, not only from a checkout: package data, a wheel in a fresh venv, any directory."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from helpers import ROOT

from casim import shipped

REPO = ROOT


def test_shipped_inputs_are_byte_identical_to_the_repository_scenarios():
    packaged = sorted(p.relative_to(shipped.folder()) for p in shipped.folder().rglob("*.yaml"))
    user_facing = sorted(
        p.relative_to(REPO / "scenarios") for p in (REPO / "scenarios").rglob("*.yaml") if p.parts[-2] != "sweeps"
    )
    assert packaged == user_facing
    for rel in packaged:
        assert (shipped.folder() / rel).read_bytes() == (REPO / "scenarios" / rel).read_bytes(), rel


def test_a_shipped_scenario_loads_by_name_and_an_unknown_name_lists_the_shipped_ones():
    import casim

    assert casim.load_scenario("baseline").name == casim.load_scenario(REPO / "scenarios" / "baseline.yaml").name
    with pytest.raises(
        casim.CasimError, match=r"no shipped scenario 'baselin'; did you mean 'baseline'.*shipped: afghan_spillover"
    ):
        casim.load_scenario("baselin")


@pytest.mark.slow
def test_a_wheel_in_a_fresh_venv_runs_run_validate_and_votes_from_an_empty_directory(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(REPO)],
        check=True,
    )
    (wheel,) = wheels.glob("casim-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # the dependencies come from this interpreter's site-packages (no network needed), added as plain paths:
    # .pth files there (an editable casim) are not processed, so only the wheel can provide casim
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site) / "casim_test_deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], check=True)
    work = tmp_path / "empty"
    work.mkdir()

    def casim(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(py), "-m", "casim", *args], cwd=work, capture_output=True, text=True, timeout=600)

    where = subprocess.run(
        [str(py), "-c", "import casim; print(casim.__file__)"], cwd=work, capture_output=True, text=True
    )
    assert str(env_dir) in where.stdout, where.stdout  # the wheel, not the checkout
    run = casim("run", "baseline", "--replicates", "2")
    assert run.returncode == 0, run.stderr
    assert (work / "results" / "baseline" / "results.parquet").is_file()
    validate = casim("validate", "--replicates", "4")
    assert validate.returncode in (0, 1), validate.stderr  # 1 = a fact failed, which is a result, not a crash
    assert "fitted checks pass" in validate.stdout
    votes = casim("votes", "baseline", "--replicates", "2")
    assert votes.returncode == 0, votes.stderr
    assert votes.stdout.splitlines()[0].startswith("resolution,state,vote,p_yes")
