"""The dynamics kernel on its own: properties of its functions, and one quarter against a re-implementation.

Both engines call this kernel, so tests/test_engines.py, which makes them agree, cannot see a bug in it: a wrong
sign in a cost would move both alike. ``reference_quarter`` below is a second, independent implementation of one
quarter (plain loops over states, powers and channels, written from docs/ODD.md §7, not from the kernel's code)
that the kernel must match.

Hypothesis runs derandomized (the examples are a function of the test, not of the clock) with a bounded number of
examples, so the file is reproducible and takes seconds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import BASELINE
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import casim
from casim import dynamics
from casim.params import ParameterSpace

KERNEL = settings(max_examples=60, deadline=None, derandomize=True, database=None)
FEW = settings(max_examples=15, deadline=None, derandomize=True, database=None)  # examples that build a parameter space
STATE_FIELDS = ParameterSpace(("russia", "west", "china")).state_fields  # fields with a states axis


def floats(lo: float, hi: float):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def simplex(draw, shape):
    """Points of the simplex over the last axis, corners and edges included (some shares exactly 0)."""
    w = draw(arrays(np.float64, shape, elements=st.one_of(st.just(0.0), floats(1e-3, 1.0))))
    w[..., 0] += w.sum(-1) == 0  # at least one positive share
    return w / w.sum(-1, keepdims=True)


@st.composite
def decision(draw, lead=(4,)):
    """Utilities, shocks, alignments and a state's coefficients of the decision (temperature, stubbornness, inertia,
    noise, presence), shaped ``[*lead, P]`` as the kernel sees them."""
    P = draw(st.integers(2, 6))
    shape = (*lead, P)
    presence = draw(arrays(np.float64, shape, elements=floats(dynamics.PRESENCE_FLOOR, 1.0)))
    g = draw(arrays(np.float64, (*lead, 1), elements=floats(0.0, 1.0)))
    static = {
        # model.temperature's bounds, and model.inertia's below
        "inv_temp": 1.0 / draw(arrays(np.float64, (*lead, 1), elements=floats(1e-6, 1e3))),
        "noise": draw(arrays(np.float64, (*lead, 1), elements=floats(0.0, 2.0))),
        "hold": 1.0 - g,
        "anchor": g * presence / presence.sum(-1, keepdims=True),
        "inertia": draw(arrays(np.float64, (*lead, 1), elements=floats(1e-9, 1.0))),
    }
    u = draw(arrays(np.float64, shape, elements=floats(-1e3, 1e3)))
    shock = draw(arrays(np.float64, shape, elements=floats(-6.0, 6.0)))
    a = draw(simplex(shape))
    return u, shock, a, static


def assert_on_simplex(x: np.ndarray) -> None:
    assert np.all(np.isfinite(x))
    assert np.all(x >= 0.0)
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=0, atol=1e-12)


# -- the decision stays on the simplex --------------------------------------------------------------------------


@KERNEL
@given(decision(), st.booleans())
def test_choose_and_commit_keep_shares_on_the_simplex(d, with_shock):
    u, shock, a, static = d
    target = dynamics.choose(u.copy(), shock if with_shock else None, static)
    assert_on_simplex(target)
    assert_on_simplex(dynamics.commit(a, target, static))
    assert_on_simplex(dynamics.commit(a, target, static, spinup=True))


@KERNEL
@given(decision(), floats(-1e3, 1e3))
def test_adding_a_constant_to_every_utility_leaves_the_choice_unchanged(d, c):
    u, shock, _, static = d
    static["inv_temp"] = np.minimum(static["inv_temp"], 100.0)  # keep the rounding of u + c (~1e-13) below 1e-9 of z
    shifted, plain = dynamics.choose(u + c, shock, static), dynamics.choose(u.copy(), shock, static)
    np.testing.assert_allclose(shifted, plain, rtol=0, atol=1e-9)


def test_choose_is_the_softmax_of_utility_plus_shock_over_the_temperature():
    u, shock = np.array([0.3, -0.2, 1.1]), np.array([0.5, -1.0, 0.0])
    static = {"inv_temp": np.array([1 / 0.7]), "noise": np.array([0.2])}
    z = np.exp((u + 0.2 * shock) / 0.7)
    np.testing.assert_allclose(dynamics.choose(u.copy(), shock, static), z / z.sum(), rtol=1e-14)


# -- presence and hedging ---------------------------------------------------------------------------------------


@KERNEL
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 8), st.integers(2, 5)),  # states, channels, powers
        elements=st.one_of(st.just(0.0), floats(0.0, 1.0)),
    ),
    floats(1e-9, 2.0),
)
def test_presence_is_floored_capped_at_one_and_one_for_ties_above_the_threshold(exposure, threshold):
    present = dynamics.presence({"exposure": exposure, "presence": np.array(threshold)})
    ties = exposure.sum(-2)  # summed over channels: [states, powers]
    assert present.shape == ties.shape
    assert np.all(present >= dynamics.PRESENCE_FLOOR) and np.all(present <= 1.0)
    assert np.all(present[ties >= threshold] == 1.0)
    assert np.all(present[ties == 0.0] == dynamics.PRESENCE_FLOOR)
    between = (ties < threshold) & (ties / threshold > dynamics.PRESENCE_FLOOR)
    np.testing.assert_allclose(present[between], ties[between] / threshold, rtol=1e-15)


@KERNEL
@given(st.integers(2, 12), st.data())
def test_hedging_is_one_at_equidistance_zero_at_a_corner_and_between_elsewhere(P, data):
    assert dynamics.hedging(np.full(P, 1.0 / P)) == pytest.approx(1.0, abs=1e-14)
    corner = np.zeros(P)
    corner[data.draw(st.integers(0, P - 1))] = 1.0
    assert dynamics.hedging(corner) == pytest.approx(0.0, abs=1e-12)
    a = data.draw(simplex((3, P)))
    h = dynamics.hedging(a)
    assert np.all(h >= 0.0) and np.all(h <= 1.0 + 1e-12)


# -- one state's view of the parameters equals its slice of the batch --------------------------------------------

# parameters drawn per run: a lever, a coercion, a per-state scalar, a model-wide scalar, an exposure, a tie
DRAWN = {
    "west.sanctions": floats(0.0, 1.0),
    "russia.coercion": floats(0.0, 1.0),
    "china.economy": floats(0.3, 1.5),
    "KAZ.stubbornness": floats(0.0, 1.0),
    "TJK.backlash": floats(0.0, 1.0),
    "UZB.temperature": floats(0.2, 3.0),
    "model.temperature": floats(0.05, 2.0),
    "model.coupling": floats(0.0, 1.0),
    "region.integration": floats(0.0, 3.0),
    "region.afghan_threat": floats(0.0, 1.0),
    "west.exposure.TKM.energy": floats(0.0, 1.0),
    "region.ties.KGZ.TJK": floats(0.0, 2.0),
}
RUNS = 3


@pytest.fixture(scope="module")
def baseline():
    return casim.load_scenario(BASELINE)


def kernel_quarter(prm, masks, a, engagement, coercion, reference, shock):
    """One quarter through the kernel, as the engines do it: decide, commit, respond."""
    static = dynamics.static_terms(prm, masks)
    response = dynamics.response_terms(prm)
    new = dynamics.commit(a, dynamics.choose(dynamics.utility(static, a, engagement, coercion), shock, static), static)
    drift = new - reference
    return (
        new,
        dynamics.respond(engagement, drift, response["engage"], response["keep"]),
        dynamics.respond(coercion, -drift, response["retain"], response["keep"]),
    )


@FEW
@given(st.fixed_dictionaries({k: st.lists(v, min_size=RUNS, max_size=RUNS) for k, v in DRAWN.items()}), st.data())
def test_a_states_view_of_the_parameters_decides_as_its_slice_of_the_batch(baseline, drawn, data):
    """The Mesa agent's ``state_view`` of one run's arrays and the ensemble's ``batch_view`` of all runs give the
    same coefficients and the same quarter, state by state."""
    space = baseline.space
    S, P = len(baseline.states), len(baseline.powers)
    per_run = {k: np.array(v) for k, v in drawn.items()}
    batch = dynamics.batch_view(space.arrays({**baseline.values, **per_run}, batch=RUNS), space.state_fields)
    a = data.draw(simplex((RUNS, S, P)))
    reference = data.draw(simplex((RUNS, S, P)))
    engagement = data.draw(arrays(np.float64, (RUNS, S, P), elements=floats(0.0, 2.0)))
    coercion = data.draw(arrays(np.float64, (RUNS, S, P), elements=floats(0.0, 2.0)))
    shock = data.draw(arrays(np.float64, (RUNS, S, P), elements=floats(-4.0, 4.0)))
    static_b = dynamics.static_terms(batch, space.masks)
    quarter_b = kernel_quarter(batch, space.masks, a, engagement, coercion, reference, shock)
    for r in range(RUNS):
        one_run = space.arrays({**baseline.values, **{k: v[r] for k, v in per_run.items()}})
        for i in range(S):
            view = dynamics.state_view(one_run, i, space.state_fields)
            static_i = dynamics.static_terms(view, space.masks)
            assert static_i.keys() == static_b.keys()
            for k, v in static_i.items():
                b = static_b[k][r]
                b = b[i] if b.shape[0] == S else b[0]  # per-state terms have a states axis, the others 1
                np.testing.assert_allclose(np.broadcast_to(v, b.shape), b, rtol=1e-13, atol=1e-15, err_msg=k)
            # the Mesa agent's quarter: its own row, every state's alignment as the snapshot, its powers' memories
            terms = dynamics.response_terms(one_run)  # [states, powers], as the Power agents compute them
            u = dynamics.utility(static_i, a[r], engagement[r, i], coercion[r, i])
            new = dynamics.commit(a[r, i], dynamics.choose(u, shock[r, i], static_i), static_i)
            drift = new - reference[r, i]
            eng = dynamics.respond(engagement[r, i], drift, terms["engage"][i], terms["keep"])
            coe = dynamics.respond(coercion[r, i], -drift, terms["retain"], terms["keep"])
            for got, want in zip((new, eng, coe), quarter_b, strict=True):
                np.testing.assert_allclose(got, want[r, i], rtol=1e-12, atol=1e-15)


# -- one quarter against an independent re-implementation -------------------------------------------------------


def reference_quarter(prm, masks, a, eps, chi, a0, xi):
    """One quarter of docs/ODD.md §7 in plain loops: the new alignments and the powers' memories.

    ``prm`` holds one run's arrays without any runs axis (exposure ``[S, C, P]`` ...); ``a``, ``eps`` (engagement),
    ``chi`` (coercion memory), ``a0`` (the start) and ``xi`` (the standard normal shocks) are ``[S, P]``.
    """
    E, In, Tr, t, L = prm["exposure"], prm["intensity"], prm["transit"], prm["ties"], prm["lever"]
    S, C, P = E.shape
    m, sec = masks["economic"], masks["security"]
    sanctioned = [c for c in range(C) if masks["sanctioned"][c]]
    trade = [c for c in range(C) if masks["trade"][c]]
    phi = float(prm["reexport_rent"])
    tau, iota, k = float(prm["afghan_threat"]), float(prm["integration"]), float(prm["coupling"])
    new = np.zeros((S, P))
    for i in range(S):
        theta = [prm["weight"][c] * In[i, c] * (1 + sec[c] * tau * prm["afghan_border"][i]) for c in range(C)]
        U, pi = [], []
        for p in range(P):
            rent = phi * sum(prm["sanctions"][q] * prm["sanction_target"][q, p] for q in range(P))
            lam = [L[p, c] * (1 + m[c] * (prm["economy"][p] - 1)) * (1 + rent * (c in trade)) for c in range(C)]
            pull = sum(theta[c] * E[i, c, p] * lam[c] for c in range(C))
            econ = sum(m[c] * theta[c] * E[i, c, p] * lam[c] for c in range(C))
            to_sanctioner = [sum(E[i, c, q] for c in sanctioned) / len(sanctioned) for q in range(P)]
            K = prm["sanctions_weight"] * sum(
                prm["sanctions"][q] * to_sanctioner[q] * prm["sanction_target"][q, p] for q in range(P)
            )
            R = prm["reputation_weight"] * prm["reputation"][i] * prm["stigma"][p]
            ell = Tr[i, p] - prm["backlash"][i] if Tr[i, p] > 0 else 0.0  # coercion acts only along a route
            pi.append(min(max(sum(E[i, c, p] for c in range(C)) / prm["presence"], 1e-6), 1.0))
            W = [k * iota * t[i, j] / sum(t[i]) for j in range(S)]
            base = math.log(pi[p]) + pull + prm["coercion"][p] * ell - K - R
            U.append(base + eps[i, p] * econ + chi[i, p] * ell + sum(W[j] * a[j, p] for j in range(S)))
        T = prm["base_temperature"] * prm["temperature"][i] * (1 + prm["autonomy"] * iota * sum(t[i]) / (S - 1))
        z = [(U[p] + prm["noise"] * xi[i, p]) / T for p in range(P)]
        top = max(z)
        x = [math.exp(zp - top) for zp in z]
        x = [xp / sum(x) for xp in x]
        g = prm["stubbornness"][i]
        poles = [pi[p] * prm["pole"][p] for p in range(P)]
        for p in range(P):
            goal = (1 - g) * x[p] + g * poles[p] / sum(poles)
            new[i, p] = a[i, p] + prm["inertia"] * (goal - a[i, p])
    eps1, chi1 = np.zeros((S, P)), np.zeros((S, P))
    for i in range(S):
        stab = min(max(1 - tau * prm["afghan_border"][i], 0.0), 1.0)
        for p in range(P):
            d = new[i, p] - a0[i, p]
            gain = prm["engage"][p] * stab ** prm["stability_seeking"][p]
            eps1[i, p] = (1 - prm["response_decay"]) * eps[i, p] + gain * max(d, 0.0)
            chi1[i, p] = (1 - prm["response_decay"]) * chi[i, p] + prm["retain"][p] * max(-d, 0.0)
    return new, eps1, chi1


def hand_built(seed: int) -> tuple[dict, dict]:
    """Three states, four channels (trade, investment, remittances: economic; security), three powers.

    Every term is live: sanctions by power 1 on power 0 with a re-export rent on power 0's trade, a stigmatised
    power 0, standing coercion with and without a transit route, an Afghan border, uneven ties; power 2 is so
    weakly tied to state 2 that its presence is below 1, and has no tie at all to state 1 (the presence floor);
    powers 0 and 2 are poles of the anchor, power 1 is not.
    """
    rng = np.random.default_rng(seed)
    S, C, P = 3, 4, 3
    exposure = rng.uniform(0.05, 0.6, (S, C, P))
    exposure[2, :, 2] = [0.01, 0.0, 0.02, 0.0]  # 0.03 of ties < presence threshold 0.2
    exposure[1, :, 2] = 0.0
    prm = {
        "exposure": exposure,
        "intensity": rng.uniform(0.1, 1.0, (S, C)),
        "transit": np.array([[0.6, 0.0, 0.1], [0.0, 0.0, 0.0], [0.3, 0.2, 0.0]]),
        "ties": np.array([[0.0, 1.0, 0.4], [1.0, 0.0, 0.2], [0.4, 0.2, 0.0]]),
        "lever": rng.uniform(0.6, 1.4, (P, C)),
        "sanction_target": np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),  # power 1 sanctions power 0
        "weight": rng.uniform(0.3, 2.0, C),
        "stubbornness": rng.uniform(0.0, 0.6, S),
        "backlash": rng.uniform(0.0, 0.4, S),
        "reputation": rng.uniform(0.0, 0.5, S),
        "temperature": rng.uniform(0.5, 1.5, S),
        "afghan_border": np.array([0.0, 0.4, 1.0]),
        "economy": rng.uniform(0.6, 1.3, P),
        "coercion": np.array([0.3, 0.0, 0.1]),
        "sanctions": np.array([0.0, 0.7, 0.0]),
        "stigma": np.array([1.0, 0.0, 0.2]),
        "retain": np.array([0.8, 0.0, 0.1]),
        "engage": np.array([0.0, 0.4, 0.3]),
        "stability_seeking": np.array([0.0, 0.5, 1.5]),
        "pole": np.array([1.0, 0.0, 1.0]),
        "presence": np.array(0.2),
        "inertia": np.array(0.3),
        "base_temperature": np.array(0.6),
        "noise": np.array(0.15),
        "coupling": np.array(0.4),
        "autonomy": np.array(0.5),
        "sanctions_weight": np.array(1.2),
        "reputation_weight": np.array(0.6),
        "reexport_rent": np.array(0.5),
        "response_decay": np.array(0.1),
        "integration": np.array(1.3),
        "afghan_threat": np.array(0.5),
    }
    masks = {
        "economic": np.array([1.0, 1.0, 1.0, 0.0]),
        "security": np.array([0.0, 0.0, 0.0, 1.0]),
        "sanctioned": np.array([1.0, 1.0, 0.0, 0.0]),
        "trade": np.array([1.0, 0.0, 0.0, 0.0]),
    }
    return prm, masks


def baseline_arrays(seed: int) -> tuple[dict, dict]:
    """The shipped baseline's arrays (five states, eight channels), with Afghan threat and engagement raised."""
    sc = casim.load_scenario(
        BASELINE,
        [("region.afghan_threat", 0.6), ("china.engage", 0.5), ("russia.coercion", 0.4), ("model.reexport_rent", 0.7)],
    )
    return sc.space.arrays(dict(sc.values)), sc.space.masks


@pytest.mark.parametrize("build", [hand_built, baseline_arrays], ids=["hand-built", "baseline"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_quarter_of_the_kernel_equals_a_plain_reimplementation_of_the_odd(build, seed):
    """The engines' kernel path (batch_view of a one-run batch, static terms, utility, choose, commit, respond)
    against ``reference_quarter``, from an arbitrary state: alignments off equilibrium, memories already non-zero."""
    prm, masks = build(seed)
    S, _, P = prm["exposure"].shape
    rng = np.random.default_rng(100 + seed)
    a, a0 = rng.dirichlet(np.ones(P), S), rng.dirichlet(np.ones(P), S)
    eps, chi, xi = rng.uniform(0, 0.5, (S, P)), rng.uniform(0, 0.5, (S, P)), rng.standard_normal((S, P))
    want = reference_quarter(prm, masks, a, eps, chi, a0, xi)
    batch = dynamics.batch_view({k: np.asarray(v)[None] for k, v in prm.items()}, STATE_FIELDS)
    got = kernel_quarter(batch, masks, a[None], eps[None], chi[None], a0[None], xi[None])
    for name, g, w in zip(("alignment", "engagement", "coercion"), got, want, strict=True):
        np.testing.assert_allclose(g[0], w, rtol=1e-12, atol=1e-14, err_msg=name)
    # the quarter moved the alignments and both memories beyond their decay: agreeing on a no-op proves nothing
    keep = 1 - prm["response_decay"]
    assert np.abs(want[0] - a).min() > 1e-4
    assert max(np.abs(want[1] - keep * eps).max(), np.abs(want[2] - keep * chi).max()) > 1e-3
