"""The structural artefacts of issue 14, item 3, measured as docs/design.md reports them ("Structural artefacts").

Each test runs one ``measure_*`` function of scripts/artefacts.py (about a second each) and checks the
number the design page quotes, to the stated tolerance: shares to 0.005 (half a point), points to 0.5.
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
from helpers import ROOT

SHARE = 0.005  # tolerance on a share
POINTS = 0.5  # tolerance on a change in percentage points


@pytest.fixture(scope="module")
def artefacts():
    spec = importlib.util.spec_from_file_location("artefacts", ROOT / "scripts" / "artefacts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_western_exposure_enters_both_costs_identically(artefacts):
    m = artefacts.measure_triple_count()
    # sanctions and reputation costs are the same multiple of the same exposure in every state: one parameter
    np.testing.assert_allclose(m["cost_ratio"], 1.0, rtol=1e-12)
    # together they add 54-59% to the weight the West's trade and FDI pull already gives that exposure
    ratio = (m["sanctions"] + m["reputation"]) / m["pull_trade_fdi"]
    assert ratio.min() == pytest.approx(0.54, abs=0.01) and ratio.max() == pytest.approx(0.59, abs=0.01)
    W = m["W"]
    kaz = m["shares"]
    assert kaz["as shipped"][0, W] == pytest.approx(0.503, abs=SHARE)
    assert kaz["no reputation cost"][0, W] == pytest.approx(0.468, abs=SHARE)
    np.testing.assert_allclose(kaz["no reputation cost"], kaz["no sanctions cost"], atol=1e-12)
    # the proposed fix (image cost global): KAZ +2.9 points Russia in the baseline, the others within a point
    now, fix = m["fixed"]["baseline"]
    d = 100 * (fix[:, m["R"]] - now[:, m["R"]])
    assert d[0] == pytest.approx(2.9, abs=POINTS)
    assert np.abs(d[1:]).max() < 1.0


def test_hedging_index_falls_when_powers_are_declared_though_no_share_moves(artefacts):
    m = artefacts.measure_hedging()
    assert m["share_moved"] < 1e-6
    np.testing.assert_allclose(m["h5_same_shares"], m["h3"] * math.log(3) / math.log(5), rtol=1e-12)
    np.testing.assert_allclose(m["h5_declared_no_ties"], m["h5_same_shares"], atol=1e-5)
    assert m["h3"][0] == pytest.approx(0.937, abs=SHARE) and m["h5_same_shares"][0] == pytest.approx(0.639, abs=SHARE)


def test_anchor_gives_turkmenistan_its_turkey_share(artefacts):
    m = artefacts.measure_anchor()
    assert m["declared_2030"] == pytest.approx(0.136, abs=SHARE)  # the 13.6 points
    assert m["declared_start"] == pytest.approx(0.135, abs=SHARE)
    assert m["zeroed_start"] < 1e-3
    assert m["anchor_part"] == pytest.approx(0.55 / 4.4, abs=1e-9)  # 0.125: Iran counts 0.4 in the anchor
    assert m["softmax_part"] == pytest.approx(0.010, abs=0.002)
    # the fix (anchor over russia, west, china): Turkey keeps what its utility gives, the baseline is untouched
    assert m["fix_2030"] == pytest.approx(0.011, abs=0.002)
    assert m["baseline_unchanged"] == 0.0


def test_regional_integration_moves_kazakhstan_toward_russia_by_both_terms(artefacts):
    m = artefacts.measure_integration()
    both = m["kaz"]["both (as shipped)"]
    pull = m["kaz"]["regional pull only (autonomy 0)"]
    temp = m["kaz"]["temperature only (coupling 0)"]
    assert both[0] == pytest.approx(0.241, abs=SHARE) and both[-1] == pytest.approx(0.342, abs=SHARE)
    assert np.all(np.diff(both) > 0) and np.all(np.diff(pull) > 0) and np.all(np.diff(temp) > 0)
    assert pull[-1] == pytest.approx(0.381, abs=SHARE) and temp[-1] == pytest.approx(0.296, abs=SHARE)
    # the regional pull alone raises the five-state mean Russian share; the temperature term lowers it
    assert np.all(np.diff(m["mean"]["regional pull only (autonomy 0)"]) > 0)
    assert np.all(np.diff(m["mean"]["temperature only (coupling 0)"]) < 0)
    b, r = m["scenario_kaz"]
    assert 100 * (r - b) == pytest.approx(3.0, abs=POINTS)
    mb, mr = m["scenario_mean"]
    assert 100 * (mr - mb) == pytest.approx(-2.1, abs=POINTS)
    # linear averaging instead of a utility term does not remove it (KAZ still rises)
    fb, fr = m["fix_scenario_all"]
    assert fr[0] > fb[0]


def test_coercion_on_kazakhstan_moves_uzbekistan_by_backlash_not_coupling(artefacts):
    m = artefacts.measure_coercion()
    R, u, k = m["R"], artefacts.row("UZB"), artefacts.row("KAZ")

    def points(label, state):
        lo, hi = m[label]
        return 100 * (hi[state, R] - lo[state, R])

    assert points("as shipped", u) == pytest.approx(-5.2, abs=POINTS)
    assert points("direct only (coupling 0)", u) == pytest.approx(-5.2, abs=POINTS)
    assert abs(points("via KAZ only (UZB backlash 0)", u)) < POINTS
    assert points("as shipped", k) == pytest.approx(1.8, abs=POINTS)
    b, p, p0, b0 = m["shock_2030"]
    assert 100 * (p[u, R] - b[u, R]) == pytest.approx(-10.6, abs=POINTS)  # the 10 points
    assert 100 * (p0[u, R] - b0[u, R]) == pytest.approx(-5.8, abs=POINTS)  # without Russia's retain response
    fb, fp = m["fix_shock_2030"]
    assert abs(100 * (fp[u, R] - fb[u, R])) < POINTS


def test_sanctions_only_lower_russian_shares(artefacts):
    m = artefacts.measure_reexport()
    assert np.all(np.diff(m["russia_share"], axis=0) <= 1e-12)  # every state, every step of sanctions
    np.testing.assert_array_equal(m["russia_pull"][0], m["russia_pull"][-1])  # the trade pull ignores sanctions
    b, t = m["tighten"]
    assert np.all(t[:4] < b[:4])
    assert 100 * (t[0] - b[0]) == pytest.approx(-4.2, abs=POINTS)
    # with a re-export rent phi = 1 the sign flips for KGZ, TJK, UZB and KAZ still falls
    d = 100 * (m["rent"] - m["rent_base"])
    assert d[0] < 0 and np.all(d[1:4] > 0.5)
