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
STATES = M.STATES
# in VOTE_COEFFICIENTS order: kappa_no, kappa_abstain, beta, beta_no, rho, mu, gamma, eta, delta, zeta_yes,
# zeta_abstain, zeta_absent, phi_same, phi_near, alpha_KAZ .. alpha_TKM
TRUE_VOTE = np.array(
    [-1.0, -0.5, 3.0, 2.0, 1.0, 1.5, 1.0, 1.0, 0.3, -1.0, 0.8, 0.5, 2.0, 0.5, -2.0, -1.5, -1.5, -1.2, 0.0]
)


def synthetic_texts(rng, n):
    """N texts as the vote model sees them: powers' votes, Assembly support, directed and habit at random."""
    pv = rng.choice(3, size=(n, 3), p=[0.6, 0.2, 0.2])
    pv[:, 2] = np.where(rng.random(n) < 0.8, pv[:, 0], pv[:, 2])  # China mostly with Russia
    previous = rng.choice(5, size=(5, n), p=[0.5, 0.15, 0.15, 0.1, 0.1]) - 1  # -1: no earlier text
    return {
        "indicator": (pv[:, :, None] == np.arange(3)).astype(float),
        "contested": (pv[:, 0] != pv[:, 1]).astype(float),
        "support": rng.uniform(0.3, 1.0, n),
        "directed": (rng.random(n) < 0.15).astype(float),
        "same": (rng.random(n) < 0.6).astype(float),
        "habit": (previous[..., None] == np.arange(4)).astype(float),
    }


def test_vote_probabilities_sum_to_one_and_vectorise():
    rng = np.random.default_rng(1)
    texts = synthetic_texts(rng, 50)
    W = 4
    a = np.broadcast_to(A, (W, 5, 3))
    coef = M.unpack_vote(np.tile(TRUE_VOTE, (W, 1)))
    p = M.vote_probabilities(a, texts, coef, STATES)
    assert p.shape == (W, 5, 50, 4)
    assert np.allclose(p.sum(-1), 1.0)
    ll = M.vote_loglik(np.zeros((5, 50), int), a, texts, coef, STATES)
    assert ll.shape == (W,) and np.allclose(ll, ll[0])
    one = M.vote_loglik(np.zeros((5, 50), int), A, texts, M.unpack_vote(TRUE_VOTE), STATES)
    assert np.isclose(one, ll[0])


def test_habit_raises_the_probability_of_the_previous_vote_only_as_much_as_its_coefficient_says():
    rng = np.random.default_rng(2)
    texts = synthetic_texts(rng, 20)
    coef = M.unpack_vote(TRUE_VOTE)
    u = M.vote_utilities(A, texts, coef, STATES)
    bare = M.vote_utilities(A, {**texts, "habit": np.zeros_like(texts["habit"])}, coef, STATES)
    phi = np.where(texts["same"] > 0, coef["phi_same"], coef["phi_near"])  # (N,)
    np.testing.assert_allclose(u - bare, phi[None, :, None] * texts["habit"])


def test_a_state_without_an_absence_intercept_is_named():
    texts = synthetic_texts(np.random.default_rng(3), 4)
    with pytest.raises(KeyError, match="'AFG'"):
        M.vote_utilities(A, texts, M.unpack_vote(TRUE_VOTE), ("KAZ", "KGZ", "TJK", "UZB", "AFG"))


def test_vote_model_recovers_its_coefficients():
    """Maximum likelihood on 3,000 synthetic texts x 5 states returns each coefficient within four of its
    standard errors (from the inverse Hessian at the optimum), and every standard error is below 0.35."""
    rng = np.random.default_rng(20240611)
    texts = synthetic_texts(rng, 3000)
    votes = M.simulate_votes(rng, A, texts, M.unpack_vote(TRUE_VOTE), STATES)

    def nll(th):
        return -M.vote_loglik(votes, A, texts, M.unpack_vote(th), STATES)

    fit = minimize(nll, np.zeros(len(TRUE_VOTE)), method="BFGS")
    se = np.sqrt(np.diag(np.linalg.inv(hessian(nll, fit.x))))
    err = np.abs(fit.x - TRUE_VOTE)
    named = dict(zip(M.VOTE_COEFFICIENTS, zip(err.round(3), se.round(3), strict=True), strict=True))
    assert np.all(se < 0.35), named
    assert np.all(err < 4 * se), named


def hessian(f, x, h=1e-4):
    """Central-difference Hessian of a scalar function."""
    n = len(x)
    H = np.empty((n, n))
    E = np.eye(n) * h
    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = (f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])) / (
                4 * h * h
            )
    return H


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


# -- text families, directed texts and each state's previous vote ------------------------


def test_directed_yaml_lists_exactly_the_texts_its_title_patterns_match():
    import re

    rc = unga.rollcalls()
    for name, spec in unga.directed_families().items():
        matched = [r for r, t in zip(rc["resolution"], rc["title"], strict=True) if re.search(spec["title"], t, re.I)]
        assert matched == spec["texts"], name
        assert all(unga.family(t) == name for t in rc.loc[rc["resolution"].isin(spec["texts"]), "title"])


def test_the_ukraine_and_crimea_texts_are_eleven_with_the_retitled_2021_text():
    texts = unga.ukraine_texts()
    assert len(texts) == 11 and texts[0] == "A/RES/68/262" and texts[-1] == "A/RES/76/179"
    d = unga.vote_data(2014, 2021)
    assert sorted(d["resolution"][d["ukraine"]]) == sorted(texts)
    i = list(d["resolution"]).index("A/RES/76/179")
    assert d["family"][i] == "crimea_human_rights" and d["same"][i] == 1  # continues the 2016-2020 series


def test_previous_votes_follow_family_then_directed_then_contested_then_previous():
    votes = np.array([[0, 1, 2, 3, 0, 1, 2]])
    families = np.array(["a", "b", "c", "a", "d", "e", "f"], dtype=object)
    directed = np.array([0, 1, 0, 0, 0, 1, 0], dtype=bool)
    contested = np.array([1, 0, 0, 0, 1, 0, 1], dtype=bool)
    prev, same = unga.previous_votes(votes, families, directed, contested)
    # text 0: nothing earlier; 1: directed, no directed before -> none; 2: uncontested -> previous text (1);
    # 3: family "a" -> text 0; 4: contested -> last contested (0); 5: directed -> last directed (1);
    # 6: contested -> last contested (4)
    assert prev[0].tolist() == [-1, -1, 1, 0, 0, 1, 0]
    assert same.tolist() == [False, False, False, True, False, False, False]


def test_each_states_previous_vote_is_its_vote_on_the_text_the_rule_names():
    d = unga.vote_data(1992, 2021)
    at = {r: i for i, r in enumerate(d["resolution"])}

    def votes(r):
        return d["votes"][:, at[r]].tolist()

    def previous(r):
        return d["previous"][:, at[r]].tolist()

    # same family: the 2017 Crimea human-rights text repeats 2016's; the retitled 2021 text repeats 2020's
    assert previous("A/RES/72/190") == votes("A/RES/71/205") and d["same"][at["A/RES/72/190"]] == 1
    assert previous("A/RES/76/179") == votes("A/RES/75/192")
    # a directed text with no family before it: the last directed text (Georgia's IDPs, 2013)
    assert previous("A/RES/68/262") == votes("A/RES/67/268") and d["same"][at["A/RES/68/262"]] == 0
    assert votes("A/RES/68/262") != votes("A/RES/67/268")  # so the check can tell the texts apart
    # the first militarization text (2018): the last directed text before it, Moldova's of June 2018
    assert previous("A/RES/73/194") == votes("A/RES/72/282")
    window = unga.vote_data(2014, 2021)
    np.testing.assert_array_equal(
        window["previous"], d["previous"][:, d["year"] >= 2014]
    )  # the window's habit comes from 1992 on
