"""The joint fit (casim.fit) and the shipped posterior (data/posterior).

Tolerances: the shipped posterior's mean log likelihood and implied 2021 ideal
points are recomputed from the shipped draws to 1e-6 (relative / absolute);
the same seed gives bit-identical draws.
"""

import hashlib
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import casim
from casim import fit, unga
from casim import measurement as M

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "hindcast_2021.yaml"
POSTERIOR = resources.files("casim").joinpath("data", "posterior")


@pytest.fixture(scope="module")
def scenario():
    return casim.load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def manifest():
    return json.loads(POSTERIOR.joinpath("manifest.json").read_text())


@pytest.fixture(scope="module")
def draws():
    with POSTERIOR.joinpath("draws.parquet").open("rb") as fh:
        return pd.read_parquet(fh)


def test_no_record_after_2021_reaches_the_fit(scenario):
    with pytest.raises(unga.TemporalRuleError):
        fit.Problem(scenario, 2015, 2022)
    p = fit.Problem(scenario)
    assert p.votes["year"].max() <= 2021 and p.ideal["years"].max() <= 2021
    assert (p.votes["year"].min(), p.ideal["years"].min()) == tuple([fit.DEFAULT_WINDOW[0]] * 2)


def test_log_posterior_is_vectorised_over_walkers(scenario):
    p = fit.Problem(scenario, 2018, 2021)
    x = p.initial(np.random.default_rng(3), 6)
    together = p(x)
    alone = np.array([p(x[i : i + 1])[0] for i in range(len(x))])
    assert np.allclose(together, alone, rtol=1e-10, atol=1e-8)
    bad = x.copy()
    bad[0, 0] = -1.0  # trade weight below its prior range
    assert p(bad)[0] == -np.inf


def test_fit_is_seeded(scenario):
    a = fit.run(scenario, seed=5, walkers=80, warmup=4, steps=6, burn=2, draws=20, first=2019, last=2021)
    b = fit.run(scenario, seed=5, walkers=80, warmup=4, steps=6, burn=2, draws=20, first=2019, last=2021)
    assert np.array_equal(a["draws"], b["draws"])


def test_shipped_files_match_the_manifest(manifest):
    for name in ("draws.parquet", "identification.csv"):
        digest = hashlib.sha256(POSTERIOR.joinpath(name).read_bytes()).hexdigest()
        assert digest == manifest["files"][name]
    assert manifest["data_window"][1] <= 2021


def test_shipped_posterior_reproduces_the_reported_fit(scenario, manifest, draws):
    x = draws[list(fit.PARAMETERS)].to_numpy()
    first, last = manifest["data_window"]
    p = fit.Problem(scenario, first, last)
    ll = p.log_likelihood(x)
    assert ll.mean() == pytest.approx(manifest["posterior_mean_log_likelihood"], rel=1e-6)
    lp = p(x)
    assert np.allclose(lp, draws["log_prob"].to_numpy(), rtol=1e-8, atol=1e-6)
    d = unga.ideal_point_data(2021, 2021)
    c = p.measurement(x)
    mu = M.expected_ideal_point(p.alignment(x), d["powers"], c["b"], c["lam"])[:, :, 0]
    assert np.allclose(mu.mean(0), manifest["implied_2021"]["mean"], atol=1e-6)


@pytest.mark.slow
@pytest.mark.regenerate
def test_fit_script_regenerates_the_shipped_draws(tmp_path, manifest, draws):
    s = manifest["sampler"]
    cmd = [
        sys.executable,
        str(ROOT / "scripts" / "fit_posterior.py"),
        "--seed",
        str(s["seed"]),
        "--walkers",
        str(s["walkers"]),
        "--warmup",
        str(s["warmup"]),
        "--steps",
        str(s["steps"]),
        "--burn",
        str(s["burn"]),
        "--draws",
        str(s["draws"]),
        "--out",
        str(tmp_path),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    again = pd.read_parquet(tmp_path / "draws.parquet")
    pd.testing.assert_frame_equal(again, draws)
