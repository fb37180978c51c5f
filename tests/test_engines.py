"""The ensemble engine and the Mesa model are one model: same kernel, same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SHIPPED as SCENARIOS
from helpers import one_line_error

import casim
from casim import api, ensemble, seeding
from casim.cli import main
from casim.scenario import load_scenario, scenario_from_dict

EQUIVALENCE_TOL = 1e-12


@pytest.mark.parametrize("noise", ["off", "on"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_engines_agree_within_1e12_for_every_shipped_scenario(path, noise):
    """With the random shock off, and on (same seeds: each run draws from its own default_rng(seed))."""
    sc = load_scenario(path, [("model.noise", 0.0)] if noise == "off" else [])
    seeds = seeding.run_seeds(11, 2)
    mesa = api.simulate(sc, seeds, engine="mesa")
    ens = api.simulate(sc, seeds, engine="ensemble")
    assert mesa.shape == ens.shape == (2, sc.steps + 1, 5, len(sc.powers))
    assert np.abs(mesa - ens).max() < EQUIVALENCE_TOL


def test_engines_agree_with_per_run_parameters_and_shock_values():
    sc = scenario_from_dict(
        {
            "schema": 1,
            "name": "swept",
            "shocks": [
                {"at": "2024Q2", "ramp": {"west.sanctions": 0.9}, "over": 4, "id": "tighten"},
                {"at": "2026Q1", "pulse": {"region.afghan_threat": 0.7}, "over": 2},
            ],
        }
    )
    seeds = seeding.run_seeds(5, 6)
    values = {
        "russia.economy": np.linspace(0.5, 1.2, 6),
        "KAZ.stubbornness": np.array([0.1, 0.1, 0.4, 0.4, 0.2, 0.2]),
        "shocks.tighten.west.sanctions": np.linspace(0.2, 1.0, 6),
    }
    mesa = api.simulate(sc, seeds, values, engine="mesa")
    ens = api.simulate(sc, seeds, values, engine="ensemble")
    assert np.abs(mesa - ens).max() < EQUIVALENCE_TOL
    # the per-run values did something: runs differ beyond the noise
    assert np.abs(ens[0, -1] - ens[-1, -1]).max() > 0.01


# No distributional test between the engines (there was a two-sample KS test on 500 Mesa runs, ~6 s): the tests
# above make them agree run by run to 1e-12 for the same seeds and values, so their distributions over any set of
# seeds are the same; a KS test of independent samples could only fail by chance, never find a bug those miss.
# What they cannot catch, a bug of the kernel both call, tests/test_kernel.py checks against a re-implementation.


def test_batch_size_does_not_change_results():
    sc = load_scenario(SCENARIOS[0])
    seeds = seeding.run_seeds(9, 10)
    values = {"west.sanctions": np.linspace(0, 1, 10)}
    a = ensemble.simulate(sc, seeds, values, batch_size=3)
    b = ensemble.simulate(sc, seeds, values, batch_size=10)
    np.testing.assert_array_equal(a, b)


def test_a_run_is_the_same_alone_or_in_any_batch_bit_for_bit():
    sc = load_scenario(SCENARIOS[0])
    n = 12
    seeds = seeding.run_seeds(8, n)
    rng = np.random.default_rng(0)
    values = {"model.coupling": rng.random(n), "region.integration": 3 * rng.random(n), "west.sanctions": rng.random(n)}
    together = ensemble.simulate(sc, seeds, values)
    for i in (0, 5, 11):
        alone = ensemble.simulate(sc, seeds[i : i + 1], {k: v[i : i + 1] for k, v in values.items()})
        np.testing.assert_array_equal(alone[0], together[i])


def test_replicates_share_a_start_and_differ_by_noise_only():
    sc = load_scenario(SCENARIOS[0])
    traj = ensemble.simulate(sc, seeding.run_seeds(1, 3))
    np.testing.assert_array_equal(traj[0, 0], traj[1, 0])
    assert not np.array_equal(traj[0, -1], traj[1, -1])
    calm = ensemble.simulate(load_scenario(SCENARIOS[0], [("model.noise", 0.0)]), seeding.run_seeds(1, 3))
    np.testing.assert_array_equal(calm[0], calm[1])  # without the random shock the replicates are one run
    np.testing.assert_array_equal(calm[:, 0], traj[:, 0])  # the shock does not touch the start (spin-up has none)


def test_shares_stay_on_the_simplex():
    sc = load_scenario(SCENARIOS[0])
    traj = ensemble.simulate(sc, seeding.run_seeds(2, 50))
    assert (traj > 0).all()
    np.testing.assert_allclose(traj.sum(-1), 1.0, atol=1e-12)


def test_same_seed_gives_identical_table():
    sc = load_scenario(SCENARIOS[0])
    a = casim.run(sc, replicates=5, seed=42, posterior=None)
    b = casim.run(sc, replicates=5, seed=42, posterior=None)
    assert a.equals(b)


def test_different_seeds_give_different_tables():
    sc = load_scenario(SCENARIOS[0])
    a = casim.run(sc, replicates=5, seed=42, posterior=None)
    b = casim.run(sc, replicates=5, seed=43, posterior=None)
    assert not np.allclose(a["russia"], b["russia"])
    assert set(a["seed"]).isdisjoint(set(b["seed"]))


def test_run_seeds_do_not_depend_on_how_runs_are_chunked():
    whole = seeding.run_seeds(77, 10)
    parts = np.concatenate([seeding.run_seeds(77, 4), seeding.run_seeds(77, 6, start=4)])
    np.testing.assert_array_equal(whole, parts)
    spawned = np.random.SeedSequence(77).spawn(10)
    assert spawned[3].spawn_key == (3,)
    hi, lo = spawned[3].generate_state(2, np.uint32)
    assert seeding.run_seed(77, 3) == ((int(hi) & 0x7FFFFFFF) << 32 | int(lo))


def _spawned_child_seed(base: int, index: int) -> int:
    """A run's seed straight from numpy: the child ``SeedSequence(base).spawn`` gives as number ``index``, 63 bits."""
    hi, lo = np.random.SeedSequence(base, spawn_key=(index,)).generate_state(2, np.uint32)
    return (int(hi) & 0x7FFFFFFF) << 32 | int(lo)


@pytest.mark.parametrize(
    "base", [0, 1, 7, 2**32 - 1, 2**32, 2**63 - 1, 2**64 + 3, 2**127, 2**128 + 1, 2**200 + 17, 12345678901234567890]
)
@pytest.mark.parametrize("start", [0, 5, 2**32 - 3])
def test_vectorised_run_seeds_equal_numpy_spawned_seeds_including_edge_values(base, start):
    """Bases of one to seven 32-bit words, and runs whose index needs a second word (beyond 2**32)."""
    expected = [_spawned_child_seed(base, i) for i in range(start, start + 6)]
    assert seeding.run_seeds(base, 6, start).tolist() == expected


def test_vectorised_run_seeds_equal_numpy_spawned_seeds_for_many_random_bases():
    rng = np.random.default_rng(np.random.SeedSequence(2026))
    for base, start in zip(rng.integers(0, 2**63, 40).tolist(), rng.integers(0, 10**6, 40).tolist()):
        fast = seeding.run_seeds(base, 300, start)
        assert fast.dtype == np.int64
        assert fast.tolist() == [_spawned_child_seed(base, i) for i in range(start, start + 300)]


def test_run_seeds_refuse_a_negative_base_as_numpy_does():
    with pytest.raises(ValueError, match="non-negative"):
        seeding.run_seeds(-1, 3)


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**32, 2**63 - 1, 20230101])
def test_fast_pcg64_states_equal_numpy(seed):
    assert seeding.pcg64_states([seed])[0] == np.random.PCG64(seed).state


def test_fast_pcg64_states_equal_numpy_for_many_seeds():
    seeds = seeding.run_seeds(123, 500)
    fast = seeding.pcg64_states(seeds)
    assert all(f == np.random.PCG64(int(s)).state for f, s in zip(fast, seeds, strict=True))


def test_ensemble_noise_stream_equals_default_rng():
    seeds = seeding.run_seeds(4, 3)
    draws = ensemble._noise(seeds, (7, 5, 3))
    for r, s in enumerate(seeds):
        np.testing.assert_array_equal(draws[r], np.random.default_rng(int(s)).standard_normal((7, 5, 3)))


@pytest.mark.parametrize(
    "values, message",
    [
        ({"west.sanction": 0.0}, "'west.sanctions'"),
        ({"west.sanctions": np.zeros(5)}, "one per run (3)"),
        ({"west.sanctions": -5.0}, "out of range"),
        ({"region.afghan_threat": np.array([0.1, 0.2, 3.0])}, "out of range"),
        ({"shocks.nope.west.sanctions": 0.3}, "unknown parameter"),
    ],
)
def test_simulate_refuses_bad_per_run_values(values, message):
    sc = load_scenario(SCENARIOS[0])
    with pytest.raises(casim.CasimError, match=message.replace("(", r"\(").replace(")", r"\)")):
        api.simulate(sc, seeding.run_seeds(1, 3), values)


# on the way to non-finite shares numpy warns (an overflow, then inf - inf); what casim reports is the error below
@pytest.mark.filterwarnings(
    "ignore:overflow encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning"
)
@pytest.mark.parametrize("engine", ["ensemble", "mesa"])
def test_a_nonfinite_result_is_an_error_not_a_table(engine, tmp_path, capsys):
    """A value in range but so extreme that the shares overflow (a shock s.d. of 1e308) is a one-line error, from
    the API even when one run of several is bad, and from `casim run`, which then writes no table."""
    sc = scenario_from_dict({"schema": 1, "name": "t", "end": "2023Q4", "model": {"temperature": 1e-6}})
    seeds = seeding.run_seeds(1, 3)
    # the smallest temperature allowed is a hard choice, still finite: not an error
    assert np.isfinite(api.simulate(sc, seeds, engine=engine)).all()
    with pytest.raises(casim.CasimError) as e:
        api.simulate(sc, seeds, {"model.noise": np.array([0.2, 1e308, 0.2])}, engine=engine)
    assert str(e.value).startswith("the model gave non-finite shares: some parameter values are too extreme")
    assert "\n" not in str(e.value)
    f = tmp_path / "extreme.yaml"
    f.write_text("schema: 1\nname: extreme\nend: 2023Q4\nmodel: {noise: 1.0e+308}\n")
    out = tmp_path / "out"
    code = main(["run", str(f), "--replicates", "2", "--engine", engine, "--out", str(out)])
    assert "the model gave non-finite shares" in one_line_error(code, capsys.readouterr().err)
    assert not (out / "results.parquet").exists() and not (out / "manifest.json").exists()
