"""The fused kernel (numba) is the numpy kernel compiled: same numbers to 1e-12, same random streams bit for bit.

Without numba the fused tests are skipped; the fallback tests run either way. Compiling the kernel takes ~15-30 s
once (numba caches it beside the module); later runs load it in ~1 s.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import one_line_error

import casim
from casim import ensemble, fused, seeding, shipped
from casim.cli import main
from casim.scenario import load_scenario

TOL = 1e-12  # max |fused - numpy| over every run, step, state and power
needs_numba = pytest.mark.skipif(
    not fused.AVAILABLE, reason="numba is not installed, so the fused kernel cannot run (pip install 'casim[fast]')"
)


def both(sc, seeds, values=None) -> tuple[np.ndarray, np.ndarray]:
    """Trajectories from the numpy kernel and the fused kernel."""
    return (
        ensemble.simulate(sc, seeds, values, kernel_name="numpy"),
        ensemble.simulate(sc, seeds, values, kernel_name="fused"),
    )


def draw(ranges: dict[str, tuple[float, float]], n: int, seed: int) -> dict[str, np.ndarray]:
    """A seeded Latin hypercube of ``n`` runs over ``ranges``, as per-run ``values`` (as sweeps pass them)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    strata = rng.permuted(np.tile(np.arange(n), (len(ranges), 1)), axis=1).T  # each column a permutation of 0..n-1
    unit = (strata + rng.random(strata.shape)) / n
    lo, hi = np.array(list(ranges.values())).T
    return {k: lo[i] + (hi[i] - lo[i]) * unit[:, i] for i, k in enumerate(ranges)}


@needs_numba
@pytest.mark.parametrize("name", shipped.scenario_names())
def test_fused_equals_numpy_within_1e12_on_every_shipped_scenario_with_noise(name):
    sc = load_scenario(shipped.scenario_file(name))
    assert sc.values["model.noise"] > 0  # the shocks are on: the two kernels must draw the same normals
    numpy_, fused_ = both(sc, seeding.run_seeds(3, 6))
    assert fused_.shape == (6, sc.steps + 1, len(sc.states), len(sc.powers))
    assert np.abs(fused_ - numpy_).max() < TOL
    assert np.abs(fused_[0] - fused_[1]).max() > 1e-3  # replicates differ: the noise is there


COMMON = {
    "west.sanctions": (0.0, 1.0),
    "russia.economy": (0.5, 1.2),
    "china.trade": (0.7, 1.5),
    "region.integration": (0.5, 2.0),
    "model.coupling": (0.0, 0.8),
    "KAZ.stubbornness": (0.1, 0.8),
    "model.noise": (0.0, 0.3),
    "model.inertia": (0.05, 1.0),
    "west.engage": (0.0, 0.8),
}
SHOCKS = {  # a scenario with extra powers, one whose shock changes a response term, one with many shocks
    "multipolar": {"shocks.diversification.turkey.trade": (1.0, 2.0), "shocks.diversification.iran.energy": (0.5, 2)},
    "western_engagement": {"shocks.western_engagement.west.engage": (0.0, 1.0)},
    "hindcast_2021": {"shocks.western_sanctions.west.sanctions": (0.3, 1.0), "shocks.war_stigma.russia.stigma": (0, 1)},
}


@needs_numba
@pytest.mark.parametrize("name", list(SHOCKS))
def test_fused_equals_numpy_within_1e12_on_random_parameter_and_shock_value_draws(name):
    sc = load_scenario(shipped.scenario_file(name))
    values = draw({**COMMON, **SHOCKS[name]}, 40, seed=len(name))
    numpy_, fused_ = both(sc, seeding.run_seeds(4, 40), values)
    assert np.abs(fused_ - numpy_).max() < TOL
    assert np.ptp(fused_[:, -1], axis=0).max() > 0.05  # the draws did something: runs differ well beyond 1e-12


@needs_numba
def test_spin_up_stops_per_run_as_the_numpy_kernel_does_including_runs_that_hit_the_cap():
    """With the cap at 12 iterations some runs settle before it and some do not (told apart by whether a higher cap
    moves their start); the fused kernel's starts and trajectories equal the numpy kernel's for both kinds."""
    sc = load_scenario(shipped.scenario_file("baseline"))
    values = draw(COMMON, 60, seed=12)
    seeds = seeding.run_seeds(5, 60)
    capped = {**values, "model.spinup": 12}
    numpy_, fused_ = both(sc, seeds, capped)
    free = ensemble.simulate(sc, seeds, values, kernel_name="numpy")[:, 0]
    hit_cap = np.abs(free - numpy_[:, 0]).max(axis=(1, 2)) > 1e-13
    assert 0 < hit_cap.sum() < len(seeds), hit_cap.sum()
    assert np.abs(fused_[:, 0] - numpy_[:, 0]).max() < TOL
    assert np.abs(fused_ - numpy_).max() < TOL


@needs_numba
def test_fused_random_stream_is_numpys_pcg64_standard_normal_bit_for_bit():
    """Each run's normals are default_rng(seed).standard_normal's, including the ziggurat's rare slow paths
    (about 1 draw in 100 takes them; 600,000 draws take thousands)."""
    import numba

    @numba.njit
    def normals(states, n):
        out = np.empty((len(states), n))
        for r in range(len(states)):
            for i in range(n):
                out[r, i] = fused.standard_normal(states[r])
        return out

    seeds = np.concatenate([seeding.run_seeds(6, 60), [0, 1, 2**63 - 1]]).astype(np.int64)
    got = normals(fused.rng_states(seeds), 10_000)
    for r, seed in enumerate(seeds):
        np.testing.assert_array_equal(got[r], np.random.default_rng(int(seed)).standard_normal(10_000))


@needs_numba
def test_the_fused_kernel_runs_by_default_for_a_big_job_and_numpy_for_a_small_one(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CASIM_KERNEL", raising=False)
    assert ensemble.kernel() == ("fused", f"numba {fused.VERSION}")
    assert ensemble.kernel(work=ensemble.FUSED_MIN_WORK) == ("fused", f"numba {fused.VERSION}")
    small = ensemble.kernel(work=ensemble.FUSED_MIN_WORK - 1)
    assert small[0] == "numpy" and "a small job" in small[1]
    assert ensemble.kernel("fused", work=10) == ("fused", f"numba {fused.VERSION}")  # asked for: always
    # `casim run --verbose` names the kernel its job runs on, and the manifest records it
    sc = load_scenario(shipped.scenario_file("baseline"))
    big = -(-ensemble.FUSED_MIN_WORK // sc.steps)  # the fewest replicates that make a big job
    for replicates, name in ((2, "numpy"), (big, "fused")):
        out = tmp_path / f"r{replicates}"
        argv = ["run", "baseline", "--posterior", "none", "--replicates", str(replicates), "--verbose"]
        assert main([*argv, "--out", str(out)]) == 0
        assert capsys.readouterr().out.splitlines()[0].startswith(f"kernel: {name} (")
        assert json.loads((out / "manifest.json").read_text())["kernel"] == name


def test_without_numba_the_numpy_kernel_runs_and_verbose_says_why(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CASIM_KERNEL", raising=False)
    monkeypatch.setattr(ensemble, "_numba_version", lambda: None)
    assert ensemble.kernel() == ("numpy", "numba not installed")
    sc = load_scenario(shipped.scenario_file("sanctions_tighten"))
    seeds = seeding.run_seeds(7, 5)
    np.testing.assert_array_equal(ensemble.simulate(sc, seeds), ensemble.simulate(sc, seeds, kernel_name="numpy"))
    with pytest.raises(casim.CasimError, match="needs numba"):
        ensemble.simulate(sc, seeds, kernel_name="fused")
    assert main(["run", "baseline", "--replicates", "2", "--verbose", "--out", str(tmp_path / "r")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "kernel: numpy (numba not installed)"


def test_casim_runs_on_the_numpy_kernel_where_numba_cannot_be_imported():
    """A fresh interpreter in which `import numba` fails: casim.fused imports, and the ensemble runs on numpy."""
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "from casim import ensemble, fused, seeding, shipped\n"
        "from casim.scenario import load_scenario\n"
        "assert not fused.AVAILABLE\n"
        "assert ensemble.kernel() == ('numpy', 'numba installed but not importable'), ensemble.kernel()\n"
        "sc = load_scenario(shipped.scenario_file('baseline'))\n"
        "print(ensemble.simulate(sc, seeding.run_seeds(1, 2)).shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=None)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(2, 32, 5, 3)"


def test_casim_kernel_environment_variable_picks_the_kernel_and_a_bad_one_is_a_one_line_error(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("CASIM_KERNEL", "numpy")
    assert ensemble.kernel() == ("numpy", "CASIM_KERNEL=numpy")
    monkeypatch.setenv("CASIM_KERNEL", "gpu")
    code = main(["run", "baseline", "--replicates", "2", "--verbose", "--out", str(tmp_path / "r")])
    assert "unknown kernel 'gpu'" in one_line_error(code, capsys.readouterr().err)
