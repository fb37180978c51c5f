"""The measurement model (casim.measurement) and the UN data loader (casim.unga).

Recovery: votes and ideal points drawn from the model itself with known
coefficients are fitted back by maximum likelihood (alignments known); each
coefficient must come back within the stated absolute tolerance (about four
standard errors at these sample sizes, seed fixed).
"""

import numpy as np
import pytest
from scipy.optimize import minimize

from casim import measurement as M
from casim import unga

A = np.array([[0.55, 0.25, 0.20], [0.80, 0.05, 0.15], [0.85, 0.05, 0.10], [0.50, 0.20, 0.30], [0.30, 0.10, 0.60]])
DOCTRINE = np.array([1, 2, 2, 1, 0])
TRUE_VOTE = np.array([-1.0, -0.5, 3.0, 1.5, 1.0, 0.0, -2.0, -1.5, 0.8, 2.0, 4.0])
VOTE_TOL = np.array([0.4, 0.6, 0.5, 0.9, 0.3, 0.4, 0.5, 0.5, 0.6, 0.6, 0.6])


def synthetic_texts(rng, n):
    pv = rng.choice(3, size=(n, 3), p=[0.6, 0.2, 0.2])
    pv[:, 2] = np.where(rng.random(n) < 0.8, pv[:, 0], pv[:, 2])  # China mostly with Russia
    support = rng.uniform(0.3, 1.0, n)
    return (pv[:, :, None] == np.arange(3)).astype(float), (pv[:, 0] != pv[:, 1]).astype(float), support


def test_vote_probabilities_sum_to_one_and_vectorise():
    rng = np.random.default_rng(1)
    ind, con, sup = synthetic_texts(rng, 50)
    W = 4
    a = np.broadcast_to(A, (W, 5, 3))
    coef = M.unpack_vote(np.tile(TRUE_VOTE, (W, 1)))
    p = M.vote_probabilities(a, ind, con, DOCTRINE, coef, sup)
    assert p.shape == (W, 5, 50, 4)
    assert np.allclose(p.sum(-1), 1.0)
    ll = M.vote_loglik(np.zeros((5, 50), int), a, ind, con, DOCTRINE, coef, sup)
    assert ll.shape == (W,) and np.allclose(ll, ll[0])
    one = M.vote_loglik(np.zeros((5, 50), int), A, ind, con, DOCTRINE, M.unpack_vote(TRUE_VOTE), sup)
    assert np.isclose(one, ll[0])


def test_vote_model_recovers_its_coefficients():
    rng = np.random.default_rng(20240611)
    ind, con, sup = synthetic_texts(rng, 3000)
    votes = M.simulate_votes(rng, A, ind, con, DOCTRINE, M.unpack_vote(TRUE_VOTE), sup)

    def nll(th):
        return -M.vote_loglik(votes, A, ind, con, DOCTRINE, M.unpack_vote(th), sup)

    fit = minimize(nll, np.zeros(11), method="BFGS")
    err = np.abs(fit.x - TRUE_VOTE)
    assert np.all(err < VOTE_TOL), dict(zip(M.VOTE_COEFFICIENTS, err.round(3)))


def test_ideal_point_model_recovers_its_coefficients():
    rng = np.random.default_rng(7)
    T = 30
    powers = np.stack([rng.normal(-0.5, 0.3, T), rng.normal(1.8, 0.1, T), rng.normal(-0.8, 0.3, T)], axis=1)
    se = np.full((5, T), 0.12)
    b, lam, sigma = 0.2, 0.9, 0.1
    mu = M.expected_ideal_point(A, powers, b, lam)
    ip = mu + rng.normal(0, np.sqrt(sigma**2 + se**2))

    def nll(th):
        return -M.ideal_point_loglik(ip, se, A, powers, th[0], th[1], np.exp(th[2]))

    fit = minimize(
        nll,
        np.array([0.0, 1.0, np.log(0.2)]),
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 4000},
    )
    assert abs(fit.x[0] - b) < 0.15
    assert abs(fit.x[1] - lam) < 0.15
    assert abs(np.exp(fit.x[2]) - sigma) < 0.08
    mu, lo, hi = M.ideal_point_interval(A, powers, b, lam, sigma, se)
    cover = ((ip >= lo) & (ip <= hi)).mean()
    assert 0.85 < cover < 0.95  # 150 points, 90% interval


def test_ideal_point_loglik_skips_missing():
    powers = np.array([[-0.8, 1.8, -1.0], [-0.7, 1.7, -0.9]])
    ip = np.full((5, 2), -0.8)
    se = np.full((5, 2), 0.1)
    full = M.ideal_point_loglik(ip, se, A, powers, 0.0, 1.0, 0.1)
    ip2 = ip.copy()
    ip2[0, 0] = np.nan
    part = M.ideal_point_loglik(ip2, se, A, powers, 0.0, 1.0, 0.1)
    assert np.isfinite(part) and part != full


# -- the loader and the temporal rule ------------------------------------------------


def test_loader_reads_the_shipped_window():
    rc = unga.rollcalls()
    assert rc["year"].min() == 1992 and rc["year"].max() == 2021 and len(rc) == 2342
    ip = unga.ideal_point_data(2021, 2021)
    kaz = ip["ip"][unga.STATES.index("KAZ"), 0]
    assert kaz == pytest.approx(-0.8209)
    assert ip["powers"][0].tolist() == pytest.approx([-0.7762, (2.4539 + 1.9526 + 1.6329 + 1.3346) / 4, -0.9830])


@pytest.mark.parametrize(
    "call",
    [
        lambda: unga.rollcalls(2020, 2022),
        lambda: unga.ideal_points(2015, 2023),
        lambda: unga.vote_data(2014, 2022),
        lambda: unga.ideal_point_data(2021, 2022),
    ],
)
def test_loader_refuses_2022_and_later(call):
    with pytest.raises(unga.TemporalRuleError):
        call()


def test_check_years_refuses_a_2022_record():
    unga.check_years([1992, 2021])
    with pytest.raises(unga.TemporalRuleError):
        unga.check_years([2019, 2022])


def test_west_vote_is_the_majority():
    import pandas as pd

    df = pd.DataFrame(
        {
            "USA": ["Y", "N", "N", "X"],
            "GBR": ["Y", "A", "Y", "X"],
            "FRA": ["A", "A", "Y", "X"],
            "DEU": ["A", "Y", "A", "X"],
        }
    )
    assert unga.west_vote(df).tolist() == [0, 2, 0, 3]
