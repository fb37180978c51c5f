"""The analysis layer: indices checked on functions with known answers before the model, comparisons, responses, discovery."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import SCENARIOS
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

import casim
from casim import analysis, results
from casim.analysis import sensitivity
from casim.errors import CasimError
from casim.seeding import run_seeds

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# Analytic indices for A = 7, B = 0.1 (Saltelli et al. 2008, The Primer; also SALib's docs)
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def short(name="short", **kw) -> casim.Scenario:
    """A 2023Q1..2024Q4 scenario (8 steps) built from the calibration defaults."""
    return casim.scenario_from_dict({"schema": 1, "name": name, "end": "2024Q4", **kw})


def table_from_outputs(sc, problem, X, shares_kaz, replicates=1, shuffle_seed=None):
    """A sweep-shaped results table whose KAZ shares at every step are given per design point."""
    n = len(X)
    runs = n * replicates
    traj = np.full((runs, sc.steps + 1, len(sc.states), len(sc.powers)), 1.0 / len(sc.powers))
    point = np.repeat(np.arange(n), replicates)
    traj[:, :, 0, :] = np.asarray(shares_kaz)[point][:, None, :]
    extra = {"point": point, **{name: X[point, j] for j, name in enumerate(problem["names"])}}
    df = results.table(sc, traj, run_seeds(1, runs), replicates=np.tile(np.arange(replicates), n), extra=extra)
    if shuffle_seed is not None:
        df = df.sample(frac=1.0, random_state=shuffle_seed).reset_index(drop=True)
    return df


def shares_from(y):
    """Map an output to KAZ shares (russia = y scaled into [0.1, 0.9], the rest split evenly): an affine map, so Sobol indices are unchanged."""
    r = 0.1 + 0.8 * (y - y.min()) / (y.max() - y.min())
    return np.column_stack([r, (1 - r) / 2, (1 - r) / 2])


# -- Sobol and Morris on functions with known indices ---------------------------------


def test_sobol_indices_match_ishigami_analytic_values():
    X = sobol_sample.sample(ISHIGAMI, 2048, calc_second_order=True, seed=11)
    idx = sensitivity.sobol_indices(ISHIGAMI, Ishigami.evaluate(X), X)
    assert np.allclose(idx["S1"], ISHIGAMI_S1, atol=0.04)
    assert np.allclose(idx["ST"], ISHIGAMI_ST, atol=0.04)
    assert (idx["S1_conf"] > 0).all() and (idx["ST_conf"] > 0).all()


def test_sobol_from_a_sweep_table_equals_sobol_of_its_outputs():
    """Shuffled rows and replicates (mean per point) give the same indices as the raw design outputs, and the Ishigami values."""
    sc = short()
    X = sobol_sample.sample(ISHIGAMI, 1024, calc_second_order=False, seed=5)
    y = Ishigami.evaluate(X)
    df = table_from_outputs(sc, ISHIGAMI, X, shares_from(y), replicates=2, shuffle_seed=3)
    got = analysis.sobol(df, ISHIGAMI, states=["KAZ"], outcomes=["russia"])
    want = sensitivity.sobol_indices(ISHIGAMI, shares_from(y)[:, 0], X)
    assert np.allclose(got["S1"], want["S1"]) and np.allclose(got["ST"], want["ST"])
    assert np.allclose(got["S1"], ISHIGAMI_S1, atol=0.06)
    assert np.allclose(got["ST"], ISHIGAMI_ST, atol=0.06)


@pytest.mark.parametrize("D", [2, 3, 5])
@pytest.mark.parametrize("second", [True, False])
def test_saltelli_layout_is_read_from_the_design_rows(D, second):
    problem = {"num_vars": D, "names": [f"p{i}" for i in range(D)], "bounds": [[0, 1]] * D}
    X = sobol_sample.sample(problem, 16, calc_second_order=second, seed=2)
    assert sensitivity.saltelli_second_order(X, D) is second


def test_morris_mu_star_of_a_linear_function_is_coefficient_times_range():
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 2], [-1, 1], [5, 10]]}
    coef = np.array([1.5, -4.0, 0.0])
    for levels in (2, 4, 6):
        X = morris_sample.sample(problem, 30, num_levels=levels, seed=4)
        assert sensitivity.morris_levels(X, problem) == levels
        idx = sensitivity.morris_indices(problem, X, X @ coef)
        ranges = np.array([2.0, 2.0, 5.0])
        assert np.allclose(idx["mu_star"], np.abs(coef) * ranges)
        assert np.allclose(idx["mu"], coef * ranges)
        assert np.allclose(idx["sigma"], 0.0, atol=1e-9)


def test_sensitivity_from_a_sweep_store_follows_its_manifest(tmp_path):
    spec = {
        "schema": 1,
        "scenario": str(SCENARIOS / "baseline.yaml"),
        "design": {"method": "morris", "n": 6, "seed": 3},
        "parameters": {"west.sanctions": [0.0, 1.0], "model.weights.institutions": [0.0, 2.0]},
        "replicates": 2,
        "keep": {"dates": ["2030Q4"]},
    }
    casim.run_sweep(spec, out=tmp_path / "s")
    df, manifest = analysis.load_results(tmp_path / "s")
    idx = sensitivity.from_manifest(df, manifest, states=["KAZ"], outcomes=["russia"])
    assert list(idx["parameter"]) == ["west.sanctions", "model.weights.institutions"]
    assert np.isfinite(idx[["mu", "mu_star", "sigma"]].to_numpy()).all()
    # institutions pull KAZ toward Russia (the tornado's widest bar): its elementary effects are positive
    assert idx.set_index("parameter").loc["model.weights.institutions", "mu"] > 0


def test_incomplete_design_is_a_one_line_error():
    sc = short()
    X = sobol_sample.sample(ISHIGAMI, 8, calc_second_order=False, seed=1)
    df = table_from_outputs(sc, ISHIGAMI, X, shares_from(Ishigami.evaluate(X)))
    with pytest.raises(CasimError, match="incomplete"):
        analysis.sobol(df[df["point"] != 0], ISHIGAMI, states=["KAZ"], outcomes=["russia"])


# -- one at a time ---------------------------------------------------------------------


def test_one_at_a_time_moves_one_parameter_per_block_with_common_seeds():
    sc = short()
    oat = analysis.one_at_a_time(
        sc, {"west.sanctions": (0.0, 1.0), "model.temperature": (0.3, 1.2)}, replicates=3, seed=9
    )
    last = analysis.horizon(oat)
    seeds = run_seeds(9, 3)
    for _, g in last.groupby(["parameter", "level"], sort=False):
        assert sorted(g["seed"].unique()) == sorted(seeds)
    # the high-sanctions block equals a direct simulation with that value and those seeds
    direct = casim.simulate(sc, seeds, values={"west.sanctions": 1.0})
    block = oat[(oat["parameter"] == "west.sanctions") & (oat["level"] == "high")]
    got = block.sort_values(["replicate", "step", "state"], kind="stable")[list(sc.powers)].to_numpy()
    assert np.allclose(got, direct.reshape(-1, len(sc.powers)))
    t = analysis.tornado(oat, "KAZ", "russia")
    base = last[(last["level"] == "base") & (last["state"] == "KAZ")]["russia"].mean()
    assert np.isclose(t["base"].iloc[0], base)
    assert (t["swing"].diff().dropna() <= 0).all()


def test_one_at_a_time_rejects_a_non_numeric_parameter():
    with pytest.raises(CasimError, match="model.spinup.*not a numeric parameter"):
        analysis.one_at_a_time(short(), {"model.spinup": (0, 10)}, replicates=1)


# -- comparison ------------------------------------------------------------------------


def test_compared_scenarios_share_seeds_and_identical_ones_differ_by_zero():
    a, b = short("a"), short("b")
    df = analysis.run_scenarios([a, b], replicates=4, seed=2)
    seeds = df.groupby("scenario", observed=True)["seed"].apply(lambda s: sorted(s.unique()))
    assert seeds["a"] == seeds["b"]
    d = analysis.differences(df)
    assert d["paired"].all()
    assert np.allclose(d["difference"], 0.0) and np.allclose(d["ci_high"] - d["ci_low"], 0.0)


def test_differences_are_means_of_paired_differences_at_the_horizon():
    a = short("a")
    b = short("b", powers={"west": {"sanctions": 1.0}})
    df = analysis.run_scenarios([a, b], replicates=6, seed=4)
    d = analysis.differences(df).set_index(["state", "outcome"])
    last = df[df["step"] == df["step"].max()]
    xa = last[last["scenario"] == "a"].sort_values(["seed", "state"])
    xb = last[last["scenario"] == "b"].sort_values(["seed", "state"])
    diff = xb["russia"].to_numpy() - xa["russia"].to_numpy()
    kaz = (xa["state"] == "KAZ").to_numpy()
    row = d.loc[("KAZ", "russia")]
    assert np.isclose(row["difference"], diff[kaz].mean())
    se = diff[kaz].std(ddof=1) / np.sqrt(kaz.sum())
    assert np.isclose(row["ci_high"] - row["ci_low"], 2 * 1.959964 * se, rtol=1e-5)


def test_combining_adds_absent_powers_with_zero_share():
    df = analysis.run_scenarios(
        [short("three"), short("five", powers={"turkey": {}, "iran": {}})], replicates=2, seed=1
    )
    assert analysis.powers_of(df) == ["russia", "west", "china", "turkey", "iran"]
    three = df[df["scenario"] == "three"]
    assert (three[["turkey", "iran"]] == 0).all().all()
    assert np.allclose(df[["russia", "west", "china", "turkey", "iran"]].sum(axis=1), 1.0)


# -- response and discovery --------------------------------------------------------------


def planted(n=400, seed=0):
    """Runs where KAZ ends China-dominant exactly when a > 0.6 and b < 1 (c is irrelevant)."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([rng.uniform(0, 1, n), rng.uniform(0, 2, n), rng.uniform(0, 1, n)])
    hit = (X[:, 0] > 0.6) & (X[:, 1] < 1.0)
    shares = np.where(hit[:, None], [0.2, 0.2, 0.6], [0.5, 0.3, 0.2])
    problem = {"num_vars": 3, "names": ["x.a", "x.b", "x.c"], "bounds": [[0, 1], [0, 2], [0, 1]]}
    return table_from_outputs(short(), problem, X, shares), problem, X, hit


@pytest.mark.parametrize("method", ["prim", "cart"])
def test_discovery_recovers_a_planted_box(method):
    df, problem, X, hit = planted()
    box = analysis.discover(df, "KAZ", "china", method=method, min_density=0.95, problem=problem)
    assert set(box.restricted) == {"x.a", "x.b"}
    assert box.limits.loc["x.a", "low"] == pytest.approx(0.6, abs=0.05)
    assert box.limits.loc["x.b", "high"] == pytest.approx(1.0, abs=0.05)
    assert box.coverage >= 0.9 and box.density >= 0.95
    # coverage, density and mass are counts over the runs, recomputed here by hand
    inside = box.contains(pd.DataFrame(X, columns=problem["names"]))
    assert box.coverage == pytest.approx((inside & hit).sum() / hit.sum())
    assert box.density == pytest.approx((inside & hit).sum() / inside.sum())
    assert box.mass == pytest.approx(inside.mean())
    assert "coverage" in box.describe()
    # kept: the share of each parameter's sampled range inside the box; x.a keeps ~0.4 of [0, 1], x.b ~0.5 of [0, 2]
    span = X.max(axis=0) - X.min(axis=0)
    assert np.allclose(box.limits["kept"], (box.limits["high"] - box.limits["low"]).to_numpy() / span)
    assert box.most_restricted == ["x.a", "x.b", "x.c"]


def test_discovery_with_no_case_of_interest_is_a_one_line_error():
    df, problem, _, _ = planted(100)
    with pytest.raises(CasimError, match="no run ends with KAZ's dominant partner west"):
        analysis.discover(df, "KAZ", "west", problem=problem)


def test_response_grid_cells_are_the_mean_of_their_runs():
    sc = short()
    problem = {"num_vars": 2, "names": ["p", "q"], "bounds": [[0, 1], [0, 1]]}
    g = np.linspace(0, 1, 4)
    X = np.array([(a, b) for a in g for b in g])
    r = 0.2 + 0.5 * X[:, 0] * X[:, 1]
    df = table_from_outputs(sc, problem, X, np.column_stack([r, 1 - r - 0.1, np.full_like(r, 0.1)]), replicates=2)
    grid = analysis.response_grid(df, "p", "q", "KAZ", "russia", problem=problem)
    assert grid.shape == (4, 4)
    for i, qv in enumerate(g):
        for j, pv in enumerate(g):
            assert grid.iat[i, j] == pytest.approx(0.2 + 0.5 * pv * qv)
    dom = analysis.response_grid(df, "p", "q", "KAZ", "dominant", problem=problem)
    expected = np.where(0.2 + 0.5 * np.outer(g, g) > 1 - (0.2 + 0.5 * np.outer(g, g)) - 0.1, "russia", "west")
    assert (dom.to_numpy() == expected).all()
    assert (dom.attrs["agreement"].to_numpy() == 1.0).all()
    line = analysis.response_line(df, "p", "KAZ", "russia", problem=problem)
    assert np.allclose(line["mean"], 0.2 + 0.5 * g * g.mean())


def test_unknown_state_names_the_nearest():
    df, problem, _, _ = planted(50)
    with pytest.raises(CasimError, match=r"unknown state 'KZA'; did you mean .*'KAZ'"):
        analysis.response_grid(df, "x.a", "x.b", "KZA", problem=problem)


# -- projected votes ------------------------------------------------------------------


def test_vote_path_at_a_texts_date_equals_the_projection_of_that_text():
    from casim import projection, votes

    sc = short()
    texts = votes.read_resolutions(SCENARIOS / "resolutions" / "unga_es11_6.yaml")
    df = casim.run(sc, replicates=6, seed=8, posterior=None)
    path = analysis.vote_path(df, texts[0].kind)
    projected = projection.run_votes(sc, texts, replicates=6, seed=8)
    at = path[path["date"] == texts[0].quarter].set_index("state").loc[list(projected["state"])]
    cols = [f"p_{o}" for o in votes.OUTCOMES]
    assert np.allclose(at[cols].to_numpy(), projected[cols].to_numpy())
    assert np.allclose(path[cols].sum(axis=1), 1.0)
    assert len(path) == len(sc.states) * (sc.steps + 1) and path.attrs["runs"] == 6


def test_vote_path_of_an_unknown_kind_names_the_nearest():
    df = casim.run(short(), replicates=2, seed=1, posterior=None)
    with pytest.raises(CasimError, match="unknown resolution kind 'peace_term'; did you mean .*'peace_terms'"):
        analysis.vote_path(df, "peace_term")


# -- the fast summaries equal the straightforward ones -------------------------------
#
# combine, horizon, scenarios_of, bands and the differences work on categorical codes and numpy arrays laid out
# run by run (casim.tidy); each is checked here, value for value and dtype for dtype, against the straightforward
# pandas version it replaced (copied below), on tables in that layout and on tables that are not.


def _combine_reference(tables):
    from casim.analysis.summary import powers_of, scenarios_of
    from casim.results import CORE_COLUMNS

    tables = list(tables)
    powers, extra = [], []
    for t in tables:
        powers += [p for p in powers_of(t) if p not in powers]
        extra += [c for c in t.columns if c not in (*CORE_COLUMNS, "hedging", *powers_of(t)) and c not in extra]
    names = [n for t in tables for n in scenarios_of(t)]
    parts = []
    for t in tables:
        t = t.copy()
        for p in powers:
            if p not in t.columns:
                t[p] = 0.0
        t["scenario"] = t["scenario"].astype(str)
        t["date"] = t["date"].astype(str)
        parts.append(t[[*CORE_COLUMNS, *powers, "hedging", *[c for c in extra if c in t.columns]]])
    out = pd.concat(parts, ignore_index=True)
    out["scenario"] = pd.Categorical(out["scenario"], categories=names)
    return out


def _horizon_reference(df):
    last = df.groupby(df["scenario"].astype(str), sort=False)["step"].transform("max")
    return df[df["step"] == last]


def _bands_reference(df, q=(0.05, 0.95)):
    """bands() as it was: median, q quantiles and mean by pandas groupby on the text of the labels."""
    outcomes = analysis.summary.outcomes_of(df)
    keys = [df["scenario"].astype(str), df["state"].astype(str), df["step"]]
    g = df.groupby(keys, sort=False)[outcomes]
    parts = {"low": g.quantile(q[0]), "median": g.median(), "high": g.quantile(q[1]), "mean": g.mean()}
    long = pd.concat({k: v.stack() for k, v in parts.items()}, axis=1)
    long.index = long.index.set_names(["scenario", "state", "step", "outcome"])
    long = long.reset_index()
    dates = df.groupby([df["scenario"].astype(str), df["step"]], sort=False)["date"].first().astype(str)
    long["date"] = [dates[(s, t)] for s, t in zip(long["scenario"], long["step"], strict=True)]
    return long[["scenario", "state", "step", "date", "outcome", "low", "median", "high", "mean"]].sort_values(
        ["scenario", "state", "outcome", "step"], kind="stable", ignore_index=True
    )


def _posterior_differences_reference(df, baseline=None, conf=0.9):
    """posterior_differences() as it was: merges and boolean masks on the text of the labels."""
    from casim.analysis.compare import _effect, _interval

    names = analysis.summary.scenarios_of(df)
    baseline = names[0] if baseline is None else baseline
    outcomes = analysis.summary.outcomes_of(df)
    keys = ["state", "draw", "seed"]
    last = _horizon_reference(df)[["scenario", *keys, "date", *outcomes]].copy()
    for c in ("scenario", "state", "date"):
        last[c] = last[c].astype(str)
    base = last[last["scenario"] == baseline]
    lo_q, hi_q = 0.5 - conf / 2, 0.5 + conf / 2
    parts = []
    for name in names:
        if name == baseline:
            continue
        other = last[last["scenario"] == name]
        m = other.merge(base, on=keys, suffixes=("", "_b"), validate="one_to_one")
        d = pd.DataFrame({o: m[o] - m[f"{o}_b"] for o in outcomes}).assign(state=m["state"], draw=m["draw"])
        per_draw = d.groupby(["state", "draw"], sort=False)[outcomes].mean()
        n_draws = int(m["draw"].nunique())
        n_rep = int(len(m) // (n_draws * m["state"].nunique()))
        for state in pd.unique(d["state"]):
            for out in outcomes:
                low, mid, high = np.quantile(per_draw.loc[state][out].to_numpy(float), [lo_q, 0.5, hi_q])
                means = (
                    float(base.loc[base["state"] == state, out].mean()),
                    float(other.loc[other["state"] == state, out].mean()),
                )
                dates = (str(other["date"].iloc[0]), str(base["date"].iloc[0]))
                parts.append(
                    _effect(name, baseline, state, out, dates, means)
                    | _interval(float(mid), np.nan, float(low), float(high), n_rep, True, n_draws)
                    | {
                        "interval": f"posterior: median and {conf:.0%} interval over {n_draws} draws, paired over "
                        f"{n_draws} draws x {n_rep} replicates (common parameters and random numbers)"
                    }
                )
    return pd.DataFrame(parts)


def _shuffled(df, seed=0):
    """The same rows in another order: not the layout casim writes, so every summary takes its general path."""
    return df.sample(frac=1.0, random_state=seed)


@pytest.fixture(scope="module")
def point_tables():
    """Two scenarios at the parameters' point values, the second with two more powers (one casim does not know)."""
    new = {"turkey": {}, "gulf": {"exposure": {"UZB": {"investment": 0.08}}}}
    return [
        casim.api.run(short("a"), replicates=7, seed=3),
        casim.api.run(short("b", powers={"west": {"sanctions": 1.0}, **new}), replicates=7, seed=3),
    ]


@pytest.fixture(scope="module")
def posterior_tables():
    """Three scenarios over the same 6 posterior draws x 5 replicates, the third with a power more."""
    from casim import posterior, uncertainty

    post = posterior.load()
    scenarios = [short("a"), short("b", powers={"west": {"sanctions": 1.0}}), short("c", powers={"iran": {}})]
    return [uncertainty.run(s, post, draws=6, replicates=5, seed=2) for s in scenarios]


@pytest.mark.parametrize("which", ["point_tables", "posterior_tables"])
def test_combine_horizon_and_scenarios_equal_the_reference(which, request):
    tables = request.getfixturevalue(which)
    got = analysis.compare.combine(tables)
    want = _combine_reference(tables)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["scenario"].cat.codes.dtype == want["scenario"].cat.codes.dtype
    assert got["date"].dtype == want["date"].dtype  # text, as before
    for df in (got, _shuffled(got), tables[1]):
        pd.testing.assert_frame_equal(analysis.horizon(df), _horizon_reference(df), check_exact=True)
        assert analysis.summary.scenarios_of(df) == [str(x) for x in pd.unique(df["scenario"].astype(str))]
    # a table whose scenario column is text, not categorical: the general path
    text = got.assign(scenario=got["scenario"].astype(str))
    pd.testing.assert_frame_equal(analysis.horizon(text), _horizon_reference(text), check_exact=True)
    assert analysis.summary.scenarios_of(text) == ["a", "b"] + (["c"] if which == "posterior_tables" else [])


@pytest.mark.parametrize("which", ["point_tables", "posterior_tables"])
def test_bands_equal_the_reference_value_for_value(which, request):
    df = analysis.compare.combine(request.getfixturevalue(which))
    assert analysis.summary.run_blocks(df) is not None  # the fast path is the one tested
    got = analysis.bands(df)
    old = ["scenario", "state", "step", "date", "outcome", "low", "median", "high", "mean"]
    pd.testing.assert_frame_equal(got[old], _bands_reference(df), check_exact=True)
    # the general path (a table in another order) gives the same, and the new 50% band with it
    assert analysis.summary.run_blocks(_shuffled(df)) is None
    shuffled = analysis.bands(_shuffled(df))
    pd.testing.assert_frame_equal(got, analysis.summary._bands_by_groupby(df, (0.05, 0.95), False), check_exact=True)
    pd.testing.assert_frame_equal(got.drop(columns="mean"), shuffled.drop(columns="mean"), check_exact=True)
    assert np.allclose(got["mean"], shuffled["mean"], rtol=1e-12, atol=0)  # the same sum in another order
    assert list(got.columns) == [*old, "low50", "high50"]
    # the 50% band lies within the 90% band, around the median
    assert (got["low"] <= got["low50"]).all() and (got["low50"] <= got["median"]).all()
    assert (got["median"] <= got["high50"]).all() and (got["high50"] <= got["high"]).all()
    # and they are the 25% and 75% quantiles of the runs
    rows = df[(df["scenario"] == "b") & (df["state"] == "KAZ") & (df["step"] == 3)]
    want = np.quantile(rows["west"], [0.25, 0.75])
    b = got[(got["scenario"] == "b") & (got["state"] == "KAZ") & (got["step"] == 3) & (got["outcome"] == "west")]
    assert np.allclose(b[["low50", "high50"]].to_numpy()[0], want)
    # one scenario's rows alone (what trajectories_figure and the report pass), and the horizon only
    one = analysis.summary.one_scenario(df, "b")
    pd.testing.assert_frame_equal(analysis.bands(one)[old], _bands_reference(one), check_exact=True)
    last = analysis.horizon(one)
    pd.testing.assert_frame_equal(analysis.bands(last)[old], _bands_reference(last), check_exact=True)


def test_noise_bands_are_the_spread_within_a_draw_around_the_median(posterior_tables):
    df = analysis.compare.combine(posterior_tables)
    everything, noise = analysis.bands(df), analysis.bands(df, noise=True)
    reference = analysis.summary._bands_by_groupby(df, (0.05, 0.95), True)
    pd.testing.assert_frame_equal(noise, reference, check_exact=False, rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(analysis.bands(_shuffled(df), noise=True), noise, rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(noise[["median", "mean"]], everything[["median", "mean"]])
    # recomputed by hand for one cell: deviations from each draw's mean at that step, pooled, around the median
    rows = df[(df["scenario"] == "b") & (df["state"] == "KAZ") & (df["step"] == 6)]
    dev = rows["west"] - rows.groupby("draw")["west"].transform("mean")
    want = np.median(rows["west"]) + np.quantile(dev, [0.05, 0.25, 0.75, 0.95])
    cell = noise[(noise["scenario"] == "b") & (noise["state"] == "KAZ") & (noise["step"] == 6)]
    got = cell[cell["outcome"] == "west"][["low", "low50", "high50", "high"]].to_numpy()[0]
    assert np.allclose(got, want)
    # the draws differ, so the noise alone spreads less than the parameters and the noise together
    late = (everything["step"] == everything["step"].max()) & (everything["outcome"] != "iran")
    assert ((noise["high"] - noise["low"])[late] < (everything["high"] - everything["low"])[late]).mean() > 0.9
    assert (noise["high"] - noise["low"]).sum() < 0.8 * (everything["high"] - everything["low"]).sum()
    # without draws the parameters are at their point values: the noise bands are the bands
    point = analysis.bands(posterior_tables[0].drop(columns="draw"))
    pd.testing.assert_frame_equal(analysis.bands(posterior_tables[0].drop(columns="draw"), noise=True), point)


def test_differences_equal_the_reference_with_draws_and_other_powers(posterior_tables):
    df = analysis.compare.combine(posterior_tables)
    got = analysis.differences(df)
    pd.testing.assert_frame_equal(got, _posterior_differences_reference(df), check_exact=True)
    assert set(got["outcome"]) == {"russia", "west", "china", "iran", "hedging"}
    for baseline in ("b", "c"):
        pd.testing.assert_frame_equal(
            analysis.differences(df, baseline=baseline),
            _posterior_differences_reference(df, baseline=baseline),
            check_exact=True,
        )
    # rows in another order pair by draw and seed all the same
    shuffled = analysis.differences(_shuffled(df), baseline="a")
    key = ["scenario", "state", "outcome"]
    a, b = got.sort_values(key, ignore_index=True), shuffled.sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(
        a.drop(columns=["baseline_mean", "scenario_mean"]), b.drop(columns=["baseline_mean", "scenario_mean"])
    )
    assert np.allclose(a[["baseline_mean", "scenario_mean"]], b[["baseline_mean", "scenario_mean"]], rtol=1e-12)
    # other draws or seeds are an error, as before
    fewer = df[~((df["scenario"] == "b") & (df["draw"] == df["draw"].iloc[0]))]
    with pytest.raises(CasimError, match="not run over the same posterior draws and seeds"):
        analysis.differences(fewer)


def test_point_differences_are_unchanged_by_the_fast_horizon(point_tables):
    df = analysis.compare.combine(point_tables)
    got = analysis.differences(df)
    assert set(got["outcome"]) == {"russia", "west", "china", "turkey", "gulf", "hedging"}
    assert got["paired"].all() and got["interval"].str.startswith("noise only").all()
    pd.testing.assert_frame_equal(
        analysis.differences(_shuffled(df), baseline="a").sort_values(["state", "outcome"], ignore_index=True),
        got.sort_values(["state", "outcome"], ignore_index=True),
        rtol=1e-12,
    )
