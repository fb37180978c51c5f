"""Figures show what the tables say: plotted data equal the table's statistics, colours follow the fixed mapping."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from helpers import ROOT
from matplotlib import colors as mcolors
from matplotlib.backends.backend_agg import FigureCanvasAgg

import casim
from casim import analysis, figures, heldout
from casim.analysis import sensitivity
from casim.analysis.summary import quarter_starts
from casim.cli import main

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def short(name="short", **kw) -> casim.Scenario:
    return casim.scenario_from_dict({"schema": 1, "name": name, "end": "2025Q4", **kw})


@pytest.fixture(scope="module")
def run_df():
    return casim.run(short(), replicates=20, seed=3, posterior=None)


def draw(fig):
    FigureCanvasAgg(fig).draw()
    return fig


def by_gid(fig, gid):
    found = [a for ax in fig.axes for a in ax.get_children() if a.get_gid() == gid]
    assert len(found) == 1, f"{gid}: {len(found)} artists"
    return found[0]


def bars(fig, gid):
    """The rectangles of one barh call (matplotlib gives each bar the call's gid)."""
    return [a for ax in fig.axes for a in ax.patches if a.get_gid() == gid]


def same_colour(a, b) -> bool:
    return np.allclose(mcolors.to_rgb(a), mcolors.to_rgb(b))


def test_trajectory_lines_are_the_table_medians_and_bands_its_5_95_quantiles(run_df):
    fig = draw(figures.trajectories_figure(run_df))
    dates = quarter_starts(short().dates())
    for state in ("KAZ", "TKM"):
        rows = run_df[run_df["state"] == state]
        for p in ("russia", "west", "china"):
            per_step = rows.pivot(index="step", columns="run", values=p).to_numpy()
            line = by_gid(fig, f"short:{state}:{p}:median")
            assert (line.get_xdata() == dates).all()
            assert np.allclose(line.get_ydata(), np.median(per_step, axis=1))
            band = by_gid(fig, f"short:{state}:{p}:band")
            verts = band.get_paths()[0].vertices
            lo, hi = np.quantile(per_step, 0.05, axis=1), np.quantile(per_step, 0.95, axis=1)
            for k, x in enumerate(matplotlib.dates.date2num(dates)):
                ys = verts[np.isclose(verts[:, 0], x), 1]
                assert np.isclose(ys.min(), lo[k]) and np.isclose(ys.max(), hi[k])
            assert same_colour(line.get_color(), figures.POWER_COLOURS[p])
            assert same_colour(band.get_facecolor()[0], figures.POWER_COLOURS[p])


def test_known_powers_keep_their_okabe_ito_colours_and_new_powers_in_one_table_never_share_one():
    known = [figures.colour(p) for p in ("russia", "west", "china", "turkey", "iran")]
    assert len(set(known)) == 5 and set(known) <= OKABE_ITO
    new = ["gulf", "india", "caspian", "arctic", "pacific"]  # 'gulf' and 'india' hashed to the same colour before
    powers = ["russia", "gulf", "west", "india", "china", "caspian", "turkey", "arctic", "iran", "pacific"]
    pal = figures.palette(powers)
    assert [pal[p] for p in ("russia", "west", "china", "turkey", "iran")] == known
    assert len({pal[p] for p in new}) == len(new)
    assert not {pal[p] for p in new} & {*known, figures.HEDGING_COLOUR}
    assert [pal[p] for p in new] == list(figures.FALLBACK_COLOURS[: len(new)])  # in order of first appearance
    assert figures.palette(powers) == pal and figures.colour("india", powers) == pal["india"]
    assert "#F0E442" not in figures.FALLBACK_COLOURS  # yellow is too faint as a line on white
    assert figures.colour("hedging") not in known


@pytest.fixture(scope="module")
def two_new_powers():
    """Two scenarios, the second with Turkey, Iran and two powers casim does not know."""
    new = {"gulf": {"exposure": {"UZB": {"investment": 0.08}}}, "india": {"exposure": {"KAZ": {"trade": 0.05}}}}
    return analysis.run_scenarios(
        [short("a"), short("b", powers={"turkey": {}, "iran": {}, **new})], replicates=4, seed=1
    )


def test_every_figure_draws_each_power_in_its_colour(two_new_powers):
    df = two_new_powers
    powers = analysis.powers_of(df)
    pal = figures.palette(powers)
    assert len({pal[p] for p in powers}) == len(powers) == 7
    fig = draw(figures.compare_figure(df))
    lines = [
        (ln.get_gid().split(":")[2], ln)
        for ax in fig.axes
        for ln in ax.lines
        if (ln.get_gid() or "").endswith(":median")
    ]
    assert {p for p, _ in lines} == set(powers)
    assert all(same_colour(ln.get_color(), pal[p]) for p, ln in lines)
    fig = draw(figures.stacked_figure(analysis.summary.one_scenario(df, "b")))
    layers = [c for ax in fig.axes for c in ax.collections if (c.get_gid() or "").endswith(":stack")]
    assert {c.get_label() for c in layers} == set(powers)
    assert all(same_colour(c.get_facecolor()[0], pal[c.get_label()]) for c in layers)
    fig = draw(figures.differences_figure(analysis.differences(df)))
    marks = [
        (m.get_gid().split(":")[1], m) for ax in fig.axes for m in ax.lines if (m.get_gid() or "").endswith(":diff")
    ]
    assert {o for o, _ in marks} == {*powers, "hedging"}
    assert all(same_colour(m.get_color(), pal[o]) for o, m in marks)


def test_difference_markers_and_intervals_sit_at_the_table_values_on_their_scenario_rows():
    a, b, c = (
        short("a"),
        short("b", powers={"west": {"sanctions": 1.0}}),
        short("c", powers={"china": {"economy": 1.0}}),
    )
    diff = analysis.differences(analysis.run_scenarios([a, b, c], replicates=5, seed=3))
    fig = draw(figures.differences_figure(diff))
    assert "0-1 scale" in fig.axes[0].get_xlabel() and "hedging" in fig.axes[0].get_xlabel()
    checked = 0
    for ax in fig.axes:
        ticks = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
        assert list(ticks) == ["b", "c"]
        for cont in ax.containers:
            line, _, (bars,) = cont.lines
            state, outcome = line.get_gid().split(":")[:2]
            rows = diff[(diff["state"] == state) & (diff["outcome"] == outcome)].set_index("scenario").loc[["b", "c"]]
            assert np.allclose(line.get_xdata(), rows["difference"])
            # each marker is on its scenario's row (within the row's half-height), intervals from ci_low to ci_high
            assert np.allclose(line.get_ydata(), [ticks["b"], ticks["c"]], atol=0.4)
            segments = [np.asarray(seg) for seg in bars.get_segments()]
            assert np.allclose([seg[:, 0].min() for seg in segments], rows["ci_low"])
            assert np.allclose([seg[:, 0].max() for seg in segments], rows["ci_high"])
            assert np.allclose([seg[:, 1].mean() for seg in segments], line.get_ydata())
            checked += 1
    assert checked == len(diff) // 2 == 5 * 4


def test_ternary_path_is_the_mean_path_and_the_cloud_the_runs_at_the_horizon(run_df):
    fig = draw(figures.ternary_figure(run_df, states=["UZB"]))
    path = analysis.mean_path(run_df, "UZB")
    line = by_gid(fig, "UZB:path")
    x, y = line.get_xdata(), line.get_ydata()
    # mpltern's corners: top = russia (t = y), right minus left = sqrt(3) x
    assert np.allclose(y, path["russia"])
    assert np.allclose(x * np.sqrt(3), path["china"] - path["west"])
    cloud = by_gid(fig, "UZB:cloud").get_offsets()
    last = run_df[(run_df["step"] == run_df["step"].max()) & (run_df["state"] == "UZB")]
    assert len(cloud) == len(last) == 20
    assert np.allclose(np.sort(np.asarray(cloud)[:, 1]), np.sort(last["russia"]))
    start = np.asarray(by_gid(fig, "UZB:start").get_offsets())[0]
    assert np.isclose(start[1], path["russia"].iloc[0])


def test_more_than_three_powers_draw_a_stacked_chart_that_sums_to_one():
    df = casim.run(short("five", powers={"turkey": {}, "iran": {}}), replicates=3, seed=1, posterior=None)
    fig = draw(figures.ternary_figure(df, states=["KGZ"]))
    assert not any(ax.name == "ternary" for ax in fig.axes)
    layers = [a for a in fig.axes[0].collections if a.get_gid() == "KGZ:stack"]
    assert [a.get_label() for a in layers] == ["russia", "west", "china", "turkey", "iran"]
    top = layers[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "grid"
    casim.run_sweep(
        {
            "schema": 1,
            "name": "grid-5x5",
            "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
            "design": {"method": "grid", "levels": 5},
            "parameters": {"model.weights.institutions": [0.0, 2.0], "model.sanctions_weight": [0.0, 3.0]},
            "replicates": 2,
            "keep": {"dates": ["2030Q4"]},
        },
        out=out,
    )
    return out


def test_sweep_map_cells_show_the_response_grid(grid_sweep):
    df, manifest = analysis.load_results(grid_sweep)
    x, y = "model.weights.institutions", "model.sanctions_weight"
    grid = analysis.response_grid(df, x, y, "KAZ", "dominant")
    assert {"russia", "west"} <= set(grid.to_numpy().ravel())  # the map has a frontier to show
    fig = draw(figures.sweep_map_figure(df, x, y, "KAZ"))
    mesh = by_gid(fig, "map")
    powers = analysis.powers_of(df)
    codes = np.asarray(mesh.get_array()).reshape(grid.shape)
    rgba = mesh.cmap(mesh.norm(codes))
    for (i, j), name in np.ndenumerate(grid.to_numpy()):
        assert codes[i, j] == powers.index(name)
        assert same_colour(rgba[i, j][:3], figures.colour(name))
    numeric = analysis.response_grid(df, x, y, "KAZ", "russia")
    fig = draw(figures.sweep_map_figure(df, x, y, "KAZ", outcome="russia"))
    assert np.allclose(np.asarray(by_gid(fig, "map").get_array()).reshape(numeric.shape), numeric.to_numpy(float))
    line = analysis.response_line(df, x, "KAZ", "west")
    fig = draw(figures.sweep_line_figure(df, x, "KAZ"))
    assert np.allclose(by_gid(fig, "west:mean").get_ydata(), line["mean"])


def ishigami_indices() -> pd.DataFrame:
    """Sobol indices of the Ishigami function (three parameters, S1 and ST all different)."""
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    X = sobol_sample.sample(problem, 256, calc_second_order=False, seed=1)
    return sensitivity.sobol_indices(problem, Ishigami.evaluate(X), X)


def centre_y(artist, renderer) -> float:
    box = artist.get_window_extent(renderer)
    return (box.y0 + box.y1) / 2


@pytest.mark.parametrize("panels", [1, 2, 4])
def test_sensitivity_bars_are_the_indices_on_their_parameter_labels_first_parameter_on_top(panels):
    """Widths are the indices; on screen each bar sits on its own tick label and the first parameter is on top, whatever the number of panels."""
    base = ishigami_indices()
    states = ["KAZ", "UZB", "KGZ", "TJK"][:panels]
    idx = pd.concat(
        [
            base.assign(state=s, outcome="russia", S1=base["S1"] * (k + 1) / 4, ST=base["ST"] * (k + 1) / 4)
            for k, s in enumerate(states)
        ],
        ignore_index=True,
    )
    fig = draw(figures.sensitivity_figure(idx, scenario="ishigami"))
    renderer = fig.canvas.get_renderer()
    assert "ishigami" in fig.get_suptitle()
    # panels sharing the y axis (one outcome: states in rows of three): each row's first panel shows the labels
    rows = {ax.get_subplotspec().rowspan.start: ax for ax in reversed(fig.axes)}  # the first of each row
    assert len(rows) == -(-panels // 3)
    for ax, s in zip(fig.axes, states):
        labels = {
            t.get_text(): centre_y(t, renderer)
            for t in rows[ax.get_subplotspec().rowspan.start].get_yticklabels()
            if t.get_visible()
        }
        assert set(labels) == {"x1", "x2", "x3"}
        for col in ("S1", "ST"):
            drawn = [b for b in ax.patches if b.get_gid() == f"{s}:russia:{col}"]
            want = idx[idx["state"] == s]
            assert np.allclose([b.get_width() for b in drawn], want[col])
            assert all(same_colour(b.get_facecolor()[:3], figures.colour("russia")) for b in drawn)
            ys = [centre_y(b, renderer) for b in drawn]
            for y, param in zip(ys, want["parameter"]):
                assert min(labels, key=lambda name: abs(labels[name] - y)) == param
            assert ys[0] > ys[1] > ys[2]  # x1 on top (screen y grows upward)
    m = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "mu": [1.0, -2.0],
            "mu_star": [1.0, 2.0],
            "mu_star_conf": [0.1, 0.2],
            "sigma": [0.0, 0.5],
        }
    )
    fig = draw(figures.sensitivity_figure(m.assign(state="UZB", outcome="west")))
    assert np.allclose([b.get_width() for b in bars(fig, "UZB:west:mu_star")], [1.0, 2.0])
    assert np.allclose([b.get_width() for b in bars(fig, "UZB:west:sigma")], [0.0, 0.5])


def overlaps(fig, a, b) -> bool:
    r = fig.canvas.get_renderer()
    return a.get_window_extent(r).overlaps(b.get_window_extent(r))


@pytest.mark.parametrize("panels", [1, 3])
def test_sensitivity_legend_and_axis_label_do_not_overlap_and_stay_in_the_figure(panels):
    base = ishigami_indices()
    sobol_idx = pd.concat(
        [base.assign(state=s, outcome=o) for s in ["KAZ", "UZB", "KGZ"][:panels] for o in ("russia", "hedging")],
        ignore_index=True,
    )
    morris_idx = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "mu": [1.0, -2.0],
            "mu_star": [1.0, 2.0],
            "mu_star_conf": [0.1, 0.2],
            "sigma": [0.0, 0.5],
        }
    )
    morris_idx = pd.concat(
        [morris_idx.assign(state=s, outcome="west") for s in ["KAZ", "UZB", "KGZ"][:panels]], ignore_index=True
    )
    for idx in (sobol_idx, morris_idx):
        fig = draw(figures.sensitivity_figure(idx, scenario="x"))
        (legend,) = fig.legends
        label = fig.findobj(lambda a: a.get_gid() == "xlabel")[0]
        assert label.get_text() and not overlaps(fig, legend, label)
        box, page = legend.get_window_extent(fig.canvas.get_renderer()), fig.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0


def test_tornado_bars_run_from_the_scenario_to_each_end():
    oat = analysis.one_at_a_time(
        short(), {"west.sanctions": (0.0, 1.0), "model.temperature": (0.3, 1.2)}, replicates=3, seed=2
    )
    t = analysis.tornado(oat, "KAZ", "west")
    fig = draw(figures.tornado_figure(t))
    for level, col in (("low", "at_low"), ("high", "at_high")):
        drawn = bars(fig, level)
        assert np.allclose([b.get_x() + b.get_width() for b in drawn], t[col])
        assert np.allclose([b.get_x() for b in drawn], t["base"])


def test_discovery_draws_the_box_and_one_marker_per_grid_point_coloured_by_its_share_of_hits(grid_sweep):
    df, manifest = analysis.load_results(grid_sweep)
    box = analysis.discover(df, "KAZ", "russia", problem=manifest["problem"])
    fig = draw(figures.discovery_figure(df, box))
    rect = by_gid(fig, "box")
    px, py = box.most_restricted[:2]
    assert parameter_name(fig.axes[0].get_xlabel()) == px and parameter_name(fig.axes[0].get_ylabel()) == py
    assert rect.get_x() == pytest.approx(box.limits.loc[px, "low"])
    assert rect.get_x() + rect.get_width() == pytest.approx(box.limits.loc[px, "high"])
    assert rect.get_y() == pytest.approx(box.limits.loc[py, "low"])
    assert rect.get_y() + rect.get_height() == pytest.approx(box.limits.loc[py, "high"])
    assert f"coverage {box.coverage:.2f}" in fig.axes[0].get_title()
    # 5 x 5 grid points, 2 replicates each: 25 markers, each the share of its 2 runs that end Russia-dominant
    last = df[(df["date"] == "2030Q4") & (df["state"] == "KAZ")]
    hit = (analysis.dominant_partner(last) == "russia").astype(float)
    want = hit.groupby([last[px], last[py]]).mean()
    points = by_gid(fig, "points")
    xy = np.asarray(points.get_offsets())
    assert len(xy) == len(want) == 25 and len(last) == 50
    got = pd.Series(np.asarray(points.get_array()), index=pd.MultiIndex.from_arrays([xy[:, 0], xy[:, 1]]))
    assert np.allclose(got.loc[want.index], want)
    assert set(np.round(want, 6)) >= {0.0, 1.0} and hit.sum() == box.of_interest


def parameter_name(label: str) -> str:
    return label.split(" (")[0]


def test_discovery_plots_the_two_parameters_the_box_narrows_most_not_the_first_two_columns():
    """x.c is restricted but keeps most of its range; x.b keeps 20% and x.a 40%: the plane is x.b against x.a."""
    rng = np.random.default_rng(0)
    n = 600
    X = pd.DataFrame({"x.c": rng.uniform(0, 1, n), "x.a": rng.uniform(0, 1, n), "x.b": rng.uniform(0, 1, n)})
    hit = (X["x.c"] > 0.1) & (X["x.a"] > 0.6) & (X["x.b"] < 0.2)
    sc = short()
    traj = np.full((n, sc.steps + 1, len(sc.states), len(sc.powers)), 1 / 3)
    traj[hit.to_numpy(), -1, 0] = [0.2, 0.2, 0.6]
    from casim import results
    from casim.seeding import run_seeds

    df = results.table(sc, traj, run_seeds(1, n), extra={"point": np.arange(n), **{c: X[c].to_numpy() for c in X}})
    problem = {"num_vars": 3, "names": list(X.columns), "bounds": [[0, 1]] * 3}
    box = analysis.discover(df, "KAZ", "china", min_density=0.95, problem=problem)
    assert box.restricted == ["x.c", "x.a", "x.b"]  # column order
    assert box.most_restricted == ["x.b", "x.a", "x.c"]
    fig = draw(figures.discovery_figure(df, box))
    assert parameter_name(fig.axes[0].get_xlabel()) == "x.b" and parameter_name(fig.axes[0].get_ylabel()) == "x.a"


def test_titles_name_the_scenario_and_axes_carry_units(run_df):
    for fig in (figures.trajectories_figure(run_df), figures.stacked_figure(run_df)):
        assert fig.get_suptitle().startswith("short:")
        for ax in fig.axes:
            assert "(quarter)" in ax.get_xlabel() and "fraction, 0-1" in ax.get_ylabel()
    fig = figures.ternary_figure(run_df)
    assert fig.get_suptitle().startswith("short:") and "fraction 0-1" in fig.get_suptitle()


RESOLUTIONS = ROOT / "scenarios" / "resolutions"
CATEGORIES = {"state", "text and state"}  # axes of names, not quantities


def unitless(label: str) -> bool:
    """An axis label that rightly has no unit: a category, a swept parameter's path (casim's parameters are
    dimensionless levers, so the path is the whole label) or an outcome naming a row of index panels."""
    return (
        label in CATEGORIES
        or re.fullmatch(r"[a-z_]+(\.[A-Za-z_]+)+", label) is not None
        or re.fullmatch(r"[A-Z][a-z ]* share|hedging index", label) is not None
    )


@pytest.fixture(scope="module")
def vote_inputs():
    from casim import projection, votes

    sc = short()
    texts = votes.read_resolutions(RESOLUTIONS / "unga_es11_6.yaml")
    return sc, texts, projection.run_votes(sc, texts, replicates=10, seed=1)


@pytest.fixture(scope="module")
def calibration_run():
    summary = json.loads((ROOT / "docs" / "calibration_run" / "summary.json").read_text())
    return pd.read_csv(ROOT / "docs" / "calibration_run" / "accepted.csv"), summary


@pytest.fixture(scope="module")
def posterior_fig(calibration_run):
    """The calibration's posterior figure, drawn once (28 panels)."""
    return draw(figures.posterior_figure(*calibration_run))


FIGURES = {
    "trajectories_figure": lambda f: (figures.trajectories_figure(f["run"]), "short"),
    "ternary_figure": lambda f: (figures.ternary_figure(f["run"]), "short"),
    "stacked_figure": lambda f: (figures.stacked_figure(f["run"]), "short"),
    "compare_figure": lambda f: (figures.compare_figure(f["two"]), "b"),
    "differences_figure": lambda f: (figures.differences_figure(analysis.differences(f["two"])), "b"),
    "sweep_map_figure": lambda f: (figures.sweep_map_figure(f["grid"], *f["grid_xy"], "KAZ"), "baseline"),
    "sweep_line_figure": lambda f: (figures.sweep_line_figure(f["grid"], f["grid_xy"][0], "KAZ"), "baseline"),
    "sensitivity_figure": lambda f: (
        figures.sensitivity_figure(ishigami_indices().assign(state="KAZ", outcome="hedging"), scenario="ishigami"),
        "ishigami",
    ),
    "tornado_figure": lambda f: (
        figures.tornado_figure(
            analysis.tornado(
                analysis.one_at_a_time(short(), {"west.sanctions": (0.0, 1.0)}, replicates=2, seed=2), "KAZ", "west"
            )
        ),
        "short",
    ),
    "discovery_figure": lambda f: (
        figures.discovery_figure(f["grid"], analysis.discover(f["grid"], "KAZ", "russia")),
        "baseline",
    ),
    "votes_figure": lambda f: (figures.votes_figure(f["votes"][2], f["votes"][1], scenario="short"), "short"),
    "vote_path_figure": lambda f: (
        figures.vote_path_figure(analysis.vote_path(f["run"], "peace_terms"), f["votes"][1]),
        "short",
    ),
    "posterior_figure": lambda f: (f["posterior"], "hindcast-2021"),
    "identification_figure": lambda f: (f["identification"], "UN fit, 2014-2021"),
    "skill_figure": lambda f: (figures.skill_figure(heldout.backtest_table()), "measurement model (UN record)"),
}


def test_the_title_and_units_test_covers_every_figure_function():
    """Every public function of casim.figures' modules that returns a Figure is named *_figure, exported by the package, and in FIGURES."""
    import importlib
    import inspect
    import pkgutil

    modules = [
        figures,
        *(importlib.import_module(f"{figures.__name__}.{m.name}") for m in pkgutil.iter_modules(figures.__path__)),
    ]
    makers = {
        n
        for m in modules
        for n, f in inspect.getmembers(m, inspect.isfunction)
        if not n.startswith("_")
        and f.__module__ == m.__name__
        and str(inspect.signature(f).return_annotation) == "Figure"
    }
    assert all(n.endswith("_figure") for n in makers), sorted(makers)
    assert makers <= set(figures.__all__)
    assert makers - {"render_figure", "sweep_figure"} == set(
        FIGURES
    )  # render_figure and sweep_figure return one of these


# the posterior's case draws its 28 panels (the posterior_fig fixture), about 5 s
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(n, marks=pytest.mark.slow) if n in ("posterior_figure", "identification_figure") else n
        for n in FIGURES
    ],
)
def test_every_figure_names_its_scenario_and_labels_its_axes_with_units(
    name, run_df, two_new_powers, grid_sweep, vote_inputs, request
):
    grid, _ = analysis.load_results(grid_sweep)
    inputs = {
        "run": run_df,
        "two": two_new_powers,
        "grid": grid,
        "grid_xy": ("model.weights.institutions", "model.sanctions_weight"),
        "votes": vote_inputs,
    }
    if name == "posterior_figure":
        inputs["posterior"] = request.getfixturevalue("posterior_fig")
    if name == "identification_figure":
        inputs["identification"] = request.getfixturevalue("identification_fig")
    fig, scenario = FIGURES[name](inputs)
    draw(fig)
    title = fig.get_suptitle() or fig.axes[0].get_title()
    assert scenario in title, title
    labels = [t for f in (fig, *fig.subfigs) for t in (f.get_supxlabel(), f.get_supylabel())]
    if name != "ternary_figure":  # mpltern's corner labels name the power; the title gives the unit (test above)
        labels += [t for ax in fig.axes if ax.get_visible() for t in (ax.get_xlabel(), ax.get_ylabel())]
    labels = [t for t in labels if t]
    assert labels or name == "ternary_figure"
    assert all("(" in t and ")" in t or unitless(t) for t in labels), labels
    assert not any("dimensionless" in t for t in labels), labels


def test_the_skill_figure_puts_each_forecasts_score_of_the_table_at_its_place():
    table = heldout.backtest_table()
    fig = draw(figures.skill_figure(table))
    votes = table[table["target"] != "ideal_points"]
    marks = {a.get_gid(): a for ax in fig.axes for a in ax.get_lines() if a.get_gid()}
    assert len(marks) == 2 * len(votes)  # log loss and accuracy for every row, ideal points left out
    for _, r in votes.iterrows():
        for score in ("log_loss", "accuracy"):
            line = marks[f"{score}:{r['period']}:{r['target']}:{r['forecast']}"]
            assert line.get_xdata()[0] == pytest.approx(r[score])
    model = marks["log_loss:2018-2021:ukraine_crimea:model"]
    assert model.get_markerfacecolor() != "white"  # the model filled, the rivals hollow
    assert marks["log_loss:2018-2021:ukraine_crimea:persistence"].get_markerfacecolor() == "white"
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Ukraine/Crimea texts, 2014-2017 (backtest)" in ticks


def test_vote_spread_lines_span_each_outcomes_range_over_draws_from_its_segment(vote_inputs):
    from casim import votes

    sc, texts, table = vote_inputs
    spread = table.copy()
    for o in votes.OUTCOMES:  # a made-up spread, so the check does not depend on a posterior run
        spread[f"p_{o}_q05"] = spread[f"p_{o}"] * 0.5
        spread[f"p_{o}_q95"] = np.minimum(spread[f"p_{o}"] * 1.5, 1.0)
    fig = draw(figures.votes_figure(spread, texts, scenario=sc.name))
    ax = fig.axes[0]
    left = np.zeros(len(spread))
    for o in votes.OUTCOMES:
        (lines,) = [c for c in ax.collections if c.get_gid() == f"spread:{o}"]
        segs = np.array([seg[:, 0] for seg in lines.get_segments()])  # x of each line's two ends
        np.testing.assert_allclose(segs[:, 0], left + spread[f"p_{o}_q05"])
        np.testing.assert_allclose(segs[:, 1], np.minimum(left + spread[f"p_{o}_q95"], 1.0))
        left += spread[f"p_{o}"].to_numpy()
    assert "90% range over posterior draws" in [t.get_text() for t in fig.legends[0].get_texts()][-1]
    plain = draw(figures.votes_figure(table, texts, scenario=sc.name))
    assert not [c for c in plain.axes[0].collections if str(c.get_gid()).startswith("spread:")]


def test_vote_bars_are_the_projected_probabilities_and_the_marker_the_recorded_vote(vote_inputs):
    from casim import votes

    sc, texts, table = vote_inputs
    fig = draw(figures.votes_figure(table, texts, scenario=sc.name))
    left = np.zeros(len(table))
    for o in votes.OUTCOMES:
        drawn = bars(fig, f"vote:{o}")
        assert np.allclose([b.get_width() for b in drawn], table[f"p_{o}"])
        assert np.allclose([b.get_x() for b in drawn], left)
        assert all(same_colour(b.get_facecolor()[:3], figures.OUTCOME_COLOURS[o]) for b in drawn)
        left += table[f"p_{o}"].to_numpy()
    recorded = texts[0].observed  # ES-11/6: every state's vote is on record
    marker = by_gid(fig, "recorded")
    for i, state in enumerate(table["state"]):
        p = table.loc[i, [f"p_{o}" for o in votes.OUTCOMES]].to_numpy(float)
        k = votes.OUTCOMES.index(recorded[state])
        assert marker.get_xdata()[i] == pytest.approx(p[:k].sum() + p[k] / 2) and marker.get_ydata()[i] == i
    assert fig.get_suptitle().startswith("short: ") and "ES-11/6 (2023Q1)" in fig.get_suptitle()


def test_outcome_colours_are_distinct_and_used_by_no_power():
    outcome = set(figures.OUTCOME_COLOURS.values())
    assert len(outcome) == 4
    assert not outcome & {*figures.POWER_COLOURS.values(), *figures.FALLBACK_COLOURS, figures.HEDGING_COLOUR}


def test_vote_path_layers_stack_the_probabilities_and_mark_the_recorded_vote(run_df, vote_inputs):
    texts = vote_inputs[1]
    path = analysis.vote_path(run_df, "peace_terms")
    fig = draw(figures.vote_path_figure(path, texts))
    rows = path[path["state"] == "KGZ"]
    layers = [c for ax in fig.axes for c in ax.collections if c.get_gid() == "KGZ:votes"]
    assert len(layers) == 4
    x = matplotlib.dates.date2num(quarter_starts(rows["date"]))
    cumulative = rows[[f"p_{o}" for o in ("yes", "no", "abstain", "absent")]].cumsum(axis=1).to_numpy()
    for k, layer in enumerate(layers):
        v = layer.get_paths()[0].vertices
        for j, xj in enumerate(x):
            assert np.isclose(v[np.isclose(v[:, 0], xj), 1].max(), cumulative[j, k])
    mark = by_gid(fig, "KGZ:ES-11/6:recorded")
    at = rows[rows["date"] == "2023Q1"].iloc[0]
    k = ("yes", "no", "abstain", "absent").index(texts[0].observed["KGZ"])
    p = at[[f"p_{o}" for o in ("yes", "no", "abstain", "absent")]].to_numpy(float)
    assert mark.get_ydata()[0] == pytest.approx(p[:k].sum() + p[k] / 2)


def test_posterior_histograms_count_the_accepted_draws_over_the_prior(calibration_run, posterior_fig):
    accepted, summary = calibration_run
    fig = posterior_fig
    for row in summary["parameters"][:5] + [r for r in summary["parameters"] if r["identified"]]:
        name = row["parameter"]
        counts, edges = np.histogram(
            accepted[name], bins=figures.POSTERIOR_BINS, range=(row["prior_low"], row["prior_high"])
        )
        drawn = [b for ax in fig.axes for b in ax.patches if b.get_gid() == f"{name}:posterior"]
        assert np.allclose([b.get_height() for b in drawn], counts)
        assert np.allclose([b.get_x() for b in drawn], edges[:-1])
        fill = figures.POSTERIOR_COLOURS["identified" if row["identified"] else "not identified"]
        assert all(same_colour(b.get_facecolor()[:3], fill) for b in drawn)
        assert by_gid(fig, f"{name}:shipped").get_xdata()[0] == pytest.approx(row["shipped"])
    assert not overlaps(fig, fig.legends[0], fig.findobj(lambda a: a.get_gid() == "xlabel")[0])
    with pytest.raises(casim.CasimError, match="no column for model.temperature"):
        figures.posterior_figure(accepted.drop(columns="model.temperature"), summary)


@pytest.fixture(scope="module")
def identification_fig():
    """The UN fit's identification figure, drawn once (29 panels)."""
    from casim import posterior

    return draw(figures.identification_figure(posterior.load().draws, identification_table()))


def identification_table() -> pd.DataFrame:
    from casim import posterior

    return pd.read_csv(posterior.shipped_folder() / "identification.csv")


@pytest.mark.slow
def test_identification_histograms_are_the_posterior_draws_coloured_by_what_the_table_calls_identified(
    identification_fig,
):
    from casim import posterior

    draws, table, fig = posterior.load().draws, identification_table(), identification_fig
    assert f"{int(table['identified'].sum())} of {len(table)} parameters identified" in fig.get_suptitle()
    for row in table.itertuples():
        counts, edges = np.histogram(
            draws[row.parameter], bins=figures.POSTERIOR_BINS, range=(row.prior_low, row.prior_high)
        )
        drawn = [b for ax in fig.axes for b in ax.patches if b.get_gid() == f"{row.parameter}:posterior"]
        assert np.allclose([b.get_height() for b in drawn], counts)
        assert np.allclose([b.get_x() for b in drawn], edges[:-1])
        fill = figures.POSTERIOR_COLOURS["identified" if row.identified else "not identified"]
        assert all(same_colour(b.get_facecolor()[:3], fill) for b in drawn)
        assert by_gid(fig, f"{row.parameter}:shipped").get_xdata()[0] == pytest.approx(row.posterior_mean)
    assert not overlaps(fig, fig.legends[0], fig.findobj(lambda a: a.get_gid() == "xlabel")[0])


def test_save_writes_png_and_svg(run_df, tmp_path):
    written = figures.save(figures.trajectories_figure(run_df, states="KAZ"), tmp_path / "fig.png")
    assert [p.name for p in written] == ["fig.png", "fig.svg"]
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "fig.svg").read_text()[:2000]
    with pytest.raises(casim.CasimError, match="not .pdf"):
        figures.save(figures.trajectories_figure(run_df, states="KAZ"), tmp_path / "fig.pdf")


@pytest.fixture(scope="module")
def baseline_small():
    return casim.run(ROOT / "scenarios" / "baseline.yaml", replicates=3, seed=1, posterior=None)


# shipped scenario -> the figure kinds drawn on it (why: test_every_kind_renders_for_the_shipped_scenarios_it_branches_on)
KIND_CASES = {
    # three powers: ternary draws the simplex; the sweep kinds read a sweep's manifest (the only ones that do)
    "baseline": ("trajectories", "ternary", "sweep", "sensitivity", "discovery"),
    # five powers: ternary draws stacked shares instead; turkey and iran keep their fixed colours; compared with the
    # baseline, differences keep outcomes only one side models
    "multipolar": ("trajectories", "ternary", "compare", "differences"),
    # a power declared only in the scenario file: a fallback colour, and four powers (stacked shares again)
    "gulf_renewables": ("trajectories", "ternary", "compare", "differences"),
    # other dates than the baseline's: compare spans both, differences are at each scenario's horizon
    "hindcast_2021": ("compare", "differences"),
}


@pytest.fixture(scope="module")
def baseline_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("kinds") / "s"
    casim.run_sweep(
        {
            "schema": 1,
            "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
            "design": {"method": "sobol", "n": 8, "seed": 1, "second_order": False},
            "parameters": {"model.weights.institutions": [0.0, 2.0], "model.temperature": [0.3, 1.2]},
            "replicates": 1,
            "keep": {"dates": ["2030Q4"]},
        },
        out=out,
    )
    return analysis.load_results(out)


def test_the_kind_cases_draw_every_figure_kind():
    assert {k for kinds in KIND_CASES.values() for k in kinds} == set(figures.FIGURE_KINDS)
    assert set(KIND_CASES["baseline"]) == {k for k, v in figures.FIGURE_KINDS.items() if v.fits != "comparison"}


@pytest.mark.parametrize("case", list(KIND_CASES))
def test_every_kind_renders_for_the_shipped_scenarios_it_branches_on(case, baseline_small, request):
    """Each kind draws from the table it fits (FIGURE_KINDS), names the scenario, and takes the branch the case is here for.

    Figure code branches on a scenario only through its powers (how many: the
    ternary simplex needs exactly three; which: known powers keep fixed colours,
    others take fallback ones; differences keep outcomes only one side models)
    and its dates (compare's shared span, differences "at each scenario's
    horizon"). So every kind is drawn once on the baseline (compare and
    differences need a second scenario: the other cases are compared with the
    baseline), and again only on the shipped scenarios that change one of
    those: multipolar (five powers), gulf_renewables (a power declared only in
    its file) and hindcast_2021 (other dates). The six other shipped scenarios
    move the levers of the baseline's three powers over its dates: other numbers
    through the same paths. The sweep kinds take no branch on the scenario.
    """
    df = (
        baseline_small
        if case == "baseline"
        else casim.run(ROOT / "scenarios" / f"{case}.yaml", replicates=3, seed=1, posterior=None)
    )
    name = analysis.summary.scenarios_of(df)[0]
    powers = analysis.powers_of(df)
    pal = figures.palette(powers)
    tables = {"scenario": df}
    if case == "baseline":
        tables["sweep"], manifest = request.getfixturevalue("baseline_sweep")
        with pytest.raises(casim.CasimError, match="two or more scenarios"):
            figures.render_figure("compare", df)
    else:
        tables["comparison"], manifest = analysis.compare.combine([baseline_small, df]), {}
    for kind in KIND_CASES[case]:
        table = tables[figures.FIGURE_KINDS[kind].fits]
        fig = draw(
            figures.render_figure(
                kind, table, state="KAZ", problem=manifest.get("problem"), design=manifest.get("design")
            )
        )
        assert fig.axes, kind
        title = fig.get_suptitle() or fig.axes[0].get_title()
        assert name in title, (kind, title)
        if kind == "ternary":  # a simplex for three powers, else stacked shares of every power
            assert [ax.name == "ternary" for ax in fig.axes] == [len(powers) == 3]
            if len(powers) != 3:
                layers = [c for c in fig.axes[0].collections if c.get_gid() == "KAZ:stack"]
                assert [c.get_label() for c in layers] == powers
                assert all(same_colour(c.get_facecolor()[0], pal[c.get_label()]) for c in layers)
        if kind in ("trajectories", "compare"):  # every power of the table, each in its colour
            shown = figures.palette(analysis.powers_of(table))
            lines = {ln.get_gid(): ln for ax in fig.axes for ln in ax.lines if (ln.get_gid() or "").endswith(":median")}
            assert {gid.split(":")[2] for gid in lines} == set(powers)
            assert all(same_colour(ln.get_color(), shown[gid.split(":")[2]]) for gid, ln in lines.items())
        if kind == "differences":  # the scenario's own powers are shown though the baseline lacks them
            drawn = {
                m.get_gid().split(":")[1] for ax in fig.axes for m in ax.lines if (m.get_gid() or "").endswith(":diff")
            }
            assert drawn == {*powers, "hedging"}
            assert ("at each scenario's horizon" in title) == (case == "hindcast_2021"), title
    if case == "gulf_renewables":
        assert pal["gulf"] == figures.FALLBACK_COLOURS[0]
    elif case != "baseline":
        assert all(pal[p] == figures.POWER_COLOURS[p] for p in powers)


@pytest.mark.slow
def test_cli_compare_plot_and_sensitivity_write_their_files(tmp_path, capsys):
    base, tighten = ROOT / "scenarios" / "baseline.yaml", tmp_path / "tight.yaml"
    tighten.write_text(f"schema: 1\nextends: {base}\nname: tight\npowers:\n  west: {{sanctions: 1.0}}\n")
    assert main(["compare", str(base), str(tighten), "--replicates", "4", "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    assert "tight" in out and "KAZ" in out
    diff = pd.read_csv(tmp_path / "cmp" / "differences.csv")
    assert set(diff["scenario"]) == {"tight"} and diff["paired"].all()
    for name in (
        "compare.png",
        "compare.svg",
        "differences.png",
        "differences.svg",
        "results.parquet",
        "manifest.json",
    ):
        assert (tmp_path / "cmp" / name).exists(), name
    assert json.loads((tmp_path / "cmp" / "manifest.json").read_text())["comparison"]["replicates"] == 4
    assert (
        main(["plot", str(tmp_path / "cmp"), "--kind", "compare", "--state", "KAZ", "--out", str(tmp_path / "c.svg")])
        == 0
    )
    assert (tmp_path / "c.png").exists() and (tmp_path / "c.svg").exists()
    assert main(["plot", str(tmp_path / "cmp"), "--kind", "differences", "--state", "KAZ"]) == 0
    assert (tmp_path / "cmp" / "figures" / "differences.svg").exists()
    # a table of two scenarios: trajectories and ternary need --scenario, and draw the one named
    capsys.readouterr()
    assert main(["plot", str(tmp_path / "cmp"), "--kind", "trajectories"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scenario" in err and "baseline, tight" in err
    for kind in ("trajectories", "ternary"):
        assert (
            main(["plot", str(tmp_path / "cmp"), "--kind", kind, "--scenario", "tight", "--out", str(tmp_path / kind)])
            == 0
        )
        assert (
            "<!-- tight: " in (tmp_path / f"{kind}.svg").read_text()
        )  # matplotlib keeps each text as a comment; the title names the scenario
    assert main(["plot", str(tmp_path / "cmp"), "--kind", "ternary", "--scenario", "tigth"]) == 2
    assert "did you mean" in capsys.readouterr().err

    casim.run_sweep(
        {
            "schema": 1,
            "scenario": str(base),
            "design": {"method": "morris", "n": 4, "seed": 2},
            "parameters": {"west.sanctions": [0.0, 1.0], "model.temperature": [0.3, 1.2]},
            "keep": {"dates": ["2030Q4"]},
        },
        out=tmp_path / "sw",
    )
    capsys.readouterr()
    assert main(["sensitivity", str(tmp_path / "sw"), "--state", "KAZ", "--outcome", "russia"]) == 0
    printed = capsys.readouterr().out
    assert "mu_star" in printed and "west.sanctions" in printed
    table = pd.read_csv(tmp_path / "sw" / "figures" / "sensitivity.csv")
    assert list(table["parameter"]) == ["west.sanctions", "model.temperature"]
    assert (tmp_path / "sw" / "figures" / "sensitivity.svg").exists()


def test_cli_bad_input_is_one_line_and_exit_2(run_df, tmp_path, capsys):
    from casim import results

    results.write(run_df, {}, tmp_path / "r")
    assert main(["plot", str(tmp_path / "r"), "--kind", "trajectories", "--state", "KZA"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown state 'KZA'" in err
    assert main(["sensitivity", str(tmp_path / "r")]) == 2
    assert "sweep" in capsys.readouterr().err
    assert main(["plot", str(tmp_path / "nowhere"), "--kind", "ternary"]) == 2


def test_cli_offers_the_figure_kinds_and_builds_its_parser_without_matplotlib():
    import argparse
    import subprocess
    import sys

    from casim.cli import parser

    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    kind = next(a for a in sub.choices["plot"]._actions if a.dest == "kind")
    assert tuple(kind.choices) == tuple(figures.FIGURE_KINDS)
    for k, v in figures.FIGURE_KINDS.items():
        assert v.draw is getattr(figures, v.function) and v.function in figures.__all__, k
        assert v.fits in ("scenario", "comparison", "sweep"), k
    # casim.figures loads its figure modules on first use, so the registry alone costs every command nothing
    probe = "import sys; from casim.cli import parser; parser(); print(sorted(m for m in ('matplotlib', 'SALib', 'scipy') if m in sys.modules))"
    assert (
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "[]"
    )


# --- what each figure shows (issue 12, item 2) ---------------------------------------------------------------------


def texts_overlap(fig, a, b) -> bool:
    """Whether two drawn texts (or a text and a legend) overlap on the page; empty or hidden texts overlap nothing."""
    if not all(x.get_visible() and (not hasattr(x, "get_text") or x.get_text()) for x in (a, b)):
        return False
    return overlaps(fig, a, b)


def ink(fig, texts) -> np.ndarray:
    """The pixels ``texts`` colour on the page: those that change when the texts are drawn white instead."""
    FigureCanvasAgg(fig)

    def page():
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()

    before = page()
    colours = [t.get_color() for t in texts]
    for t in texts:
        t.set_color("white")
    after = page()
    for t, c in zip(texts, colours):
        t.set_color(c)
    return (before != after).any(axis=-1)


def legend_texts(fig) -> list[str]:
    return [t.get_text() for leg in fig.legends for t in leg.get_texts()]


def test_a_kind_that_does_not_fit_its_results_is_one_line_naming_the_kinds_that_do(
    run_df, grid_sweep, two_new_powers, tmp_path, capsys
):
    from casim import results

    run, cmp = tmp_path / "run", tmp_path / "cmp"
    results.write(run_df, {}, run)
    results.write(two_new_powers, dict(two_new_powers.attrs["manifest"]), cmp)
    cases = {  # results -> (what the table is, the kinds that fit it)
        grid_sweep: ("a sweep's results", ["sweep", "sensitivity", "discovery"]),
        run: ("one scenario's run table", ["trajectories", "ternary"]),
        cmp: ("a comparison table", ["compare", "differences", "trajectories", "ternary"]),
    }
    for path, (what, fits) in cases.items():
        for kind in figures.FIGURE_KINDS:
            if kind in fits:
                continue
            capsys.readouterr()
            assert main(["plot", str(path), "--kind", kind]) == 2, (path, kind)
            err = capsys.readouterr().err
            assert err.count("\n") == 1 and err.startswith(f"casim: error: {path}: --kind {kind} does not fit {what}")
            assert err.rstrip().endswith(f"kinds that fit this table: {', '.join(fits)}"), err
        assert not (path / "figures").exists()  # nothing drawn, nothing written
    df, manifest = analysis.load_results(grid_sweep)
    assert figures.input_of(df, manifest) == "sweep" and figures.input_of(df.drop(columns="point")) == "scenario"
    with pytest.raises(casim.CasimError, match="does not fit a sweep's results"):
        figures.render_figure("trajectories", df, manifest=manifest)
    # without --kind, the first kind that fits: a sweep's map
    capsys.readouterr()
    assert main(["plot", str(grid_sweep), "--out", str(tmp_path / "default")]) == 0
    assert "<!-- sweep grid-5x5 on baseline: " in (tmp_path / "default.svg").read_text()


@pytest.fixture(scope="module")
def three_scenarios():
    """a and b model three powers, c five: b's Turkey and Iran are no difference at all."""
    a, b, c = short("a"), short("b", powers={"west": {"sanctions": 1.0}}), short("c", powers={"turkey": {}, "iran": {}})
    return analysis.run_scenarios([a, b, c], replicates=6, seed=4)


def test_differences_share_one_scale_show_their_intervals_and_leave_out_powers_a_scenario_lacks(three_scenarios):
    diff = analysis.differences(three_scenarios)
    fig = draw(figures.differences_figure(diff))
    drawn = {}
    for ax in fig.axes:
        for cont in ax.containers:
            line, caps, _ = cont.lines
            state, outcome = line.get_gid().split(":")[:2]
            rows = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels()}
            for x, y in zip(line.get_xdata(), line.get_ydata()):
                drawn[(state, outcome, min(rows, key=lambda r: abs(rows[r] - y)))] = x
            assert len(caps) == 2 and all(c.get_markersize() >= 6 for c in caps)  # capped whiskers, 2 x 3.5 points
    for row in diff.itertuples():
        key = (row.state, row.outcome, row.scenario)
        if row.scenario == "b" and row.outcome in ("turkey", "iran"):
            assert key not in drawn  # b does not model them: no "difference of 0" for it
        else:
            assert drawn[key] == pytest.approx(row.difference)
    # one symmetric x scale for every state, wide enough for the widest interval
    limits = {ax.get_xlim() for ax in fig.axes}
    assert len(limits) == 1
    lo, hi = limits.pop()
    assert lo == pytest.approx(-hi)
    shown = diff[~((diff["scenario"] == "b") & diff["outcome"].isin(["turkey", "iran"]))]
    assert hi >= shown[["ci_low", "ci_high"]].abs().to_numpy().max()
    smallest = shown.groupby("state")["difference"].apply(lambda d: d.abs().max()).min()
    assert smallest < hi / 2  # the state with the smallest effects has them drawn small beside the others'
    title = fig.get_suptitle()
    assert "95% confidence interval" in title and "paired by seed" in title and "6 runs" in title
    assert fig.legends[0].get_title().get_text() == "Turkey, Iran: not in b; not drawn"
    assert {"Russia", "West", "China", "Turkey", "Iran", "hedging"} == set(legend_texts(fig))
    # what each scenario models can be given (a comparison manifest's): c said to lack Iran leaves it out too
    modelled = {"b": ["russia", "west", "china"], "c": ["russia", "west", "china", "turkey"]}
    fig = draw(figures.differences_figure(diff, modelled=modelled))
    gids = {line.get_gid() for ax in fig.axes for cont in ax.containers for line in cont.lines[:1]}
    assert "KAZ:iran:diff" not in gids and "KAZ:turkey:diff" in gids
    assert fig.legends[0].get_title().get_text() == "Turkey: not in b; not drawn"


def test_ternary_start_shows_over_the_end_and_labels_clear_the_legend_and_the_ticks(run_df):
    fig = draw(figures.ternary_figure(run_df))
    legend = fig.legends[0]
    # the corner labels' glyphs touch no tick label's, the legend's or a title's (rotated texts: compared by ink, not
    # by their upright boxes); 3 pixels of anti-aliased edges allowed
    labels = [a.label for ax in fig.axes for a in (ax.taxis, ax.laxis, ax.raxis)]
    others = [
        *(t for ax in fig.axes for a in (ax.taxis, ax.laxis, ax.raxis) for t in a.get_ticklabels()),
        *legend.get_texts(),
        *(ax.title for ax in fig.axes),
    ]
    assert (ink(fig, labels) & ink(fig, others)).sum() <= 3
    for ax in fig.axes:
        s = ax.get_title().split("(")[-1].rstrip(")")
        start, end = by_gid(fig, f"{s}:start"), by_gid(fig, f"{s}:horizon")
        assert start.get_zorder() > end.get_zorder()  # the hollow start ring is drawn over the star
        assert same_colour(start.get_facecolor()[0][:3], "white") and same_colour(end.get_facecolor()[0][:3], "black")
        labels = [a.label for a in (ax.taxis, ax.laxis, ax.raxis)]
        assert [t.get_text() for t in labels] == ["Russia share", "West share", "China share"]
        for label in labels:
            assert not texts_overlap(fig, label, legend), label.get_text()
            box, page = label.get_window_extent(fig.canvas.get_renderer()), fig.bbox
            assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0  # inside the page
        assert ax.get_tlim() == (0.0, 1.0)  # unzoomed: the whole simplex


def test_ternary_zoom_shows_each_state_around_its_data_at_one_scale(run_df, tmp_path):
    fig = draw(figures.ternary_figure(run_df, zoom=True))
    spans = set()
    last = run_df[run_df["step"] == run_df["step"].max()]
    for ax in fig.axes:
        s = ax.get_title().split("(")[-1].rstrip(")")
        points = pd.concat([analysis.mean_path(run_df, s), last[last["state"] == s]])[["russia", "west", "china"]]
        for (lo, hi), p in zip((ax.get_tlim(), ax.get_llim(), ax.get_rlim()), ("russia", "west", "china")):
            assert lo <= points[p].min() and points[p].max() <= hi, (s, p)
            spans.add(round(hi - lo, 9))
    assert len(spans) == 1
    span = spans.pop()
    assert span < 0.5 and f"zoomed: each panel spans {span:.2f} of each share" in fig.get_suptitle()
    from casim import results

    results.write(run_df, {}, tmp_path / "r")
    assert main(["plot", str(tmp_path / "r"), "--kind", "ternary", "--zoom", "--out", str(tmp_path / "z")]) == 0
    assert "zoomed: each panel spans" in (tmp_path / "z.svg").read_text()


@pytest.fixture(scope="module")
def shocked():
    sc = short("shocked", shocks=[{"id": "push", "at": "2024Q2", "ramp": {"china.trade": 1.3}, "over": 2}])
    return casim.run(sc, replicates=5, seed=2, posterior=None)


def test_trajectories_mark_each_shock_name_the_powers_and_band_and_span_the_data(shocked, tmp_path):
    fig = draw(figures.trajectories_figure(shocked))
    start = matplotlib.dates.date2num(quarter_starts(["2024Q2"]))[0]
    for ax in fig.axes:
        s = ax.get_title().split("(")[-1].rstrip(")")
        line = by_gid(fig, f"{s}:shock:2024Q2")
        assert matplotlib.dates.date2num(line.get_xdata()[0]) == pytest.approx(start)
        assert by_gid(fig, f"{s}:shock-label:2024Q2").get_text().strip() == "push"
        # x limits: the data's first and last quarter, no year beyond the horizon
        assert ax.get_xlim() == pytest.approx(tuple(matplotlib.dates.date2num(quarter_starts(["2023Q1", "2025Q4"]))))
        ticks = [t for t in ax.get_xticklabels() if t.get_text()]
        assert len(ticks) >= 2 and not any(texts_overlap(fig, a, b) for a, b in zip(ticks, ticks[1:]))
    shown = legend_texts(fig)
    assert shown[:3] == ["Russia", "West", "China"]
    assert "band: 90% of runs (5th-95th percentile)" in shown and "a shock starts (named at the top)" in shown
    assert "bands: 50% and 90% of runs" in fig.get_suptitle() and "of 5 runs" in fig.get_suptitle()
    # the shocks come from the manifest beside a results folder too (casim plot), and a table without any has none
    from casim import results

    results.write(shocked, dict(shocked.attrs["manifest"]), tmp_path / "r")
    df, manifest = analysis.load_results(tmp_path / "r")
    fig = draw(figures.render_figure("trajectories", df, state="KAZ", manifest=manifest))
    assert by_gid(fig, "KAZ:shock-label:2024Q2").get_text().strip() == "push"
    fig = draw(figures.render_figure("trajectories", df, state="KAZ"))
    assert not [a for a in fig.axes[0].lines if ":shock:" in (a.get_gid() or "")]
    # of a comparison, the shocks of the scenario drawn (its own manifest in the comparison's), not another's
    sc = short("shocked", shocks=[{"id": "push", "at": "2024Q2", "ramp": {"china.trade": 1.3}, "over": 2}])
    cmp = analysis.run_scenarios([short("calm"), sc], replicates=2, seed=2)
    for name, marked in (("shocked", True), ("calm", False)):
        fig = draw(
            figures.render_figure("trajectories", cmp, state="KAZ", scenario=name, manifest=cmp.attrs["manifest"])
        )
        assert any(a.get_gid() == "KAZ:shock:2024Q2" for a in fig.axes[0].lines) == marked, name
    assert "a shock starts (named at the top)" not in legend_texts(fig)


def test_powers_a_scenario_adds_are_shown_by_their_name(two_new_powers):
    assert [figures.power_name(p) for p in ("russia", "west", "china", "gulf", "gulf_states")] == [
        "Russia",
        "West",
        "China",
        "Gulf",
        "Gulf states",
    ]
    fig = draw(figures.compare_figure(two_new_powers))
    assert legend_texts(fig)[:7] == ["Russia", "West", "China", "Turkey", "Iran", "Gulf", "India"]


def test_sweep_map_colours_span_the_cells_and_the_title_names_the_sweep(grid_sweep):
    df, manifest = analysis.load_results(grid_sweep)
    x, y = "model.weights.institutions", "model.sanctions_weight"
    grid = analysis.response_grid(df, x, y, "KAZ", "russia")
    fig = draw(figures.render_figure("sweep", df, state="KAZ", outcome="russia", manifest=manifest))
    mesh = by_gid(fig, "map")
    assert mesh.norm.vmin == pytest.approx(np.nanmin(grid.to_numpy(float)))
    assert mesh.norm.vmax == pytest.approx(np.nanmax(grid.to_numpy(float)))
    assert mesh.norm.vmax - mesh.norm.vmin < 0.9  # the cells' range, not the 0-1 a share could take
    bar = next(ax for ax in fig.axes if ax is not mesh.axes)
    assert bar.get_ylabel().startswith("mean Russia share of alignment (fraction, 0-1)")
    title = mesh.axes.get_title()
    assert title.startswith(f"sweep {manifest['name']} on baseline: Kazakhstan (KAZ) mean Russia share at 2030Q4")
    assert (mesh.axes.get_xlabel(), mesh.axes.get_ylabel()) == (x, y)


def test_single_outcome_sensitivity_is_sized_to_its_panels_and_its_rows_name_the_outcome():
    base = ishigami_indices()
    states = ["KAZ", "KGZ", "TJK", "UZB", "TKM"]
    idx = pd.concat([base.assign(state=s, outcome="russia") for s in states], ignore_index=True)
    fig = draw(figures.sensitivity_figure(idx, scenario="s", sweep="levers"))
    width, height = fig.get_size_inches()
    assert width / height < 2.5 and height >= 2 * 1.8  # two rows of panels, not a strip
    assert len(fig.axes) == 5 and len({ax.get_subplotspec().rowspan.start for ax in fig.axes}) == 2
    assert [ax.get_ylabel() for ax in fig.axes] == ["Russia share", "", "", "Russia share", ""]
    assert fig.get_suptitle().startswith("sweep levers on s: Sobol indices")
    two = pd.concat([idx, idx.assign(outcome="hedging")], ignore_index=True)
    fig = draw(figures.sensitivity_figure(two[two["state"].isin(["KAZ", "KGZ"])]))
    assert [ax.get_ylabel() for ax in fig.axes] == ["Russia share", "", "hedging index", ""]


# --- fan charts: the 50% and 90% bands, of all runs or of the noise alone -----------------------------------------


@pytest.fixture(scope="module")
def point_run():
    """One scenario's runs at the parameters' point values (no draw column)."""
    return casim.api.run(short("point"), replicates=24, seed=5)


@pytest.fixture(scope="module")
def drawn_runs():
    """Two scenarios over the same 6 posterior draws x 8 replicates (a draw column), combined."""
    from casim import posterior, uncertainty

    post = posterior.load()
    tables = [
        uncertainty.run(short("drawn"), post, draws=6, replicates=8, seed=4),
        uncertainty.run(short("tight", powers={"west": {"sanctions": 1.0}}), post, draws=6, replicates=8, seed=4),
    ]
    return analysis.compare.combine(tables)


def band_edges(fig, gid: str, dates) -> tuple[np.ndarray, np.ndarray]:
    """The lower and upper edge of a filled band at each date: its polygon's vertices there."""
    verts = by_gid(fig, gid).get_paths()[0].vertices
    at = [verts[np.isclose(verts[:, 0], x), 1] for x in matplotlib.dates.date2num(dates)]
    return np.array([ys.min() for ys in at]), np.array([ys.max() for ys in at])


def per_step(df, state, power):
    """(steps, runs): the power's share of the state in each run at each step."""
    rows = df[df["state"] == state]
    return rows.pivot(index="step", columns="run", values=power).to_numpy()


def test_the_fan_shows_the_50_and_90_percent_bands_of_the_runs_the_50_within_the_90(point_run):
    fig = draw(figures.trajectories_figure(point_run))
    dates = quarter_starts(short().dates())
    for state in ("KAZ", "UZB"):
        for p in ("russia", "west", "china"):
            shares = per_step(point_run, state, p)
            lo90, hi90 = band_edges(fig, f"point:{state}:{p}:band", dates)
            lo50, hi50 = band_edges(fig, f"point:{state}:{p}:band50", dates)
            assert np.allclose(lo90, np.quantile(shares, 0.05, axis=1))
            assert np.allclose(hi90, np.quantile(shares, 0.95, axis=1))
            assert np.allclose(lo50, np.quantile(shares, 0.25, axis=1))
            assert np.allclose(hi50, np.quantile(shares, 0.75, axis=1))
            median = by_gid(fig, f"point:{state}:{p}:median").get_ydata()
            assert (lo90 <= lo50).all() and (lo50 <= median).all() and (median <= hi50).all() and (hi50 <= hi90).all()
            assert (hi90 - lo90 > hi50 - lo50).any()
            # the 90% band lighter, the 50% band darker, both in the power's colour
            wide, narrow = by_gid(fig, f"point:{state}:{p}:band"), by_gid(fig, f"point:{state}:{p}:band50")
            assert wide.get_alpha() < narrow.get_alpha()
            assert same_colour(wide.get_facecolor()[0], figures.POWER_COLOURS[p])
            assert same_colour(narrow.get_facecolor()[0], figures.POWER_COLOURS[p])
    title = fig.get_suptitle()
    assert "line: median of 24 runs; bands: 50% and 90% of runs)" in title and "noise" not in title
    shown = legend_texts(fig)
    assert "band: 90% of runs (5th-95th percentile)" in shown and "band: 50% of runs (25th-75th percentile)" in shown
    # without draws the noise is all there is: the same bands, and the title says why
    noise = draw(figures.trajectories_figure(point_run, band="noise"))
    assert "bands: 50% and 90% of runs, noise only: parameters at their point values" in noise.get_suptitle()
    for gid in ("point:KAZ:west:band", "point:KAZ:west:band50"):
        assert np.array_equal(by_gid(noise, gid).get_paths()[0].vertices, by_gid(fig, gid).get_paths()[0].vertices)
    with pytest.raises(casim.CasimError, match="unknown band 'nois'; did you mean .*'noise'"):
        figures.trajectories_figure(point_run, band="nois")


def test_the_noise_only_fan_of_runs_over_draws_is_the_spread_within_a_draw_and_narrower(drawn_runs):
    df = analysis.summary.one_scenario(drawn_runs, "drawn")
    everything = draw(figures.trajectories_figure(df, states="KAZ"))
    noise = draw(figures.trajectories_figure(df, states="KAZ", band="noise"))
    assert "6 posterior draws x 8 replicates; bands: 50% and 90% of runs, parameters and noise" in (
        everything.get_suptitle()
    )
    assert "bands: 50% and 90% of runs, noise only (spread within a draw)" in noise.get_suptitle()
    assert "band: 90% of the noise within a draw (5th-95th percentile)" in legend_texts(noise)
    dates = quarter_starts(short().dates())
    rows = df[df["state"] == "KAZ"]
    for p in ("russia", "west"):
        shares = per_step(df, "KAZ", p)
        own = rows.pivot(index="step", columns="run", values="draw").to_numpy()
        mean_of_draw = np.zeros_like(shares)
        for d in np.unique(own):
            mean_of_draw[own == d] = np.broadcast_to(
                np.nanmean(np.where(own == d, shares, np.nan), axis=1)[:, None], shares.shape
            )[own == d]
        deviation, median = shares - mean_of_draw, np.median(shares, axis=1)
        for gid, (a, b) in (("band", (0.05, 0.95)), ("band50", (0.25, 0.75))):
            lo, hi = band_edges(noise, f"drawn:KAZ:{p}:{gid}", dates)
            assert np.allclose(lo, median + np.quantile(deviation, a, axis=1))
            assert np.allclose(hi, median + np.quantile(deviation, b, axis=1))
        # the draws differ, so the spread within a draw is narrower than that of all runs, at almost every step
        lo_all, hi_all = band_edges(everything, f"drawn:KAZ:{p}:band", dates)
        lo, hi = band_edges(noise, f"drawn:KAZ:{p}:band", dates)
        assert ((hi - lo) < (hi_all - lo_all)).mean() > 0.9 and (hi - lo).sum() < 0.8 * (hi_all - lo_all).sum()
        assert np.array_equal(  # the same median line
            by_gid(noise, f"drawn:KAZ:{p}:median").get_ydata(), by_gid(everything, f"drawn:KAZ:{p}:median").get_ydata()
        )


def inside(fig, artist) -> bool:
    """Whether a drawn artist lies within the figure's page (nothing cut off when it is saved whole)."""
    box = artist.get_window_extent(fig.canvas.get_renderer())
    page = fig.bbox
    return box.x0 >= page.x0 - 0.5 and box.y0 >= page.y0 - 0.5 and box.x1 <= page.x1 + 0.5 and box.y1 <= page.y1 + 0.5


@pytest.mark.parametrize("states", [None, "KAZ"])
def test_compare_fans_are_laid_out_by_hand_with_nothing_cut_off_or_overlapping(drawn_runs, states, tmp_path):
    fig = draw(figures.compare_figure(drawn_runs, states=states))
    title = fig.get_suptitle()
    assert "Scenarios compared with drawn: tight" in title.replace("\n", " ")
    assert "bands: 50% and 90% of runs, parameters and noise" in title.replace("\n", " ")
    assert fig.get_layout_engine() is None
    texts = [fig._suptitle, *fig.legends]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        texts += [t for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_visible() and t.get_text()]
    assert all(inside(fig, t) for t in texts if not hasattr(t, "get_text") or t.get_text())
    labels = [t for t in texts if hasattr(t, "get_text") and t.get_text()]
    assert not any(texts_overlap(fig, a, b) for i, a in enumerate(labels) for b in labels[i + 1 :])
    assert not any(texts_overlap(fig, leg, t) for leg in fig.legends for t in labels)
    # the 50% band within the 90% band in every panel
    for ax in fig.axes:
        for band in [c for c in ax.collections if (c.get_gid() or "").endswith(":band50")]:
            wide = by_gid(fig, band.get_gid()[: -len("50")])
            assert band.get_paths()[0].vertices[:, 1].min() >= wide.get_paths()[0].vertices[:, 1].min() - 1e-12
            assert band.get_paths()[0].vertices[:, 1].max() <= wide.get_paths()[0].vertices[:, 1].max() + 1e-12
    # saved whole: the page is the figure's size, no tight box measured
    png, _ = figures.save(fig, tmp_path / "cmp")
    from PIL import Image

    assert Image.open(png).size == tuple(round(v * 150) for v in fig.get_size_inches())
    noise = figures.compare_figure(drawn_runs, states=states, band="noise")
    assert "noise only (spread within a draw)" in noise.get_suptitle().replace("\n", " ")


def test_compare_leaves_out_a_power_a_scenario_does_not_model(two_new_powers):
    fig = draw(figures.compare_figure(two_new_powers))
    medians = {ln.get_gid() for ax in fig.axes for ln in ax.lines if (ln.get_gid() or "").endswith(":median")}
    assert "a:KAZ:turkey:median" not in medians and "b:KAZ:turkey:median" in medians
    assert "a:KAZ:russia:median" in medians
    assert "a power a scenario does not model is not drawn" in fig.get_suptitle().replace("\n", " ")


def test_the_note_on_powers_left_out_names_each_set_once_and_fits_the_figure():
    states, outcomes = ["KAZ", "UZB"], ["russia", "west", "gulf", "turkey", "iran", "hedging"]
    lacks = {"s1": {"gulf", "turkey", "iran"}, "s2": {"gulf", "turkey", "iran"}}
    lacks |= {f"scenario-with-a-long-name-{k}": {"gulf", "turkey", "iran"} for k in range(6)}
    lacks |= {"s3": {"turkey", "iran"}, "s4": set()}
    rows = [
        {
            "scenario": sc,
            "baseline": "base",
            "state": s,
            "outcome": o,
            "date": "2030Q4",
            "baseline_date": "2030Q4",
            "baseline_mean": 0.3,
            "scenario_mean": 0.0 if o in missing else 0.3,
            "difference": 0.0 if o in missing else 0.01,
            "se": 0.005,
            "ci_low": 0.0,
            "ci_high": 0.02,
            "replicates": 10,
            "paired": True,
            "draws": 0,
            "includes_zero": True,
        }
        for sc, missing in lacks.items()
        for s in states
        for o in outcomes
    ]
    fig = draw(figures.differences_figure(pd.DataFrame(rows)))
    note = fig.legends[0].get_title()
    lines = note.get_text().split("\n")  # in order of first appearance: the set s1 lacks (wrapped), then s3's
    assert lines.pop() == "Turkey, Iran: not in s3; not drawn"
    first = " ".join(lines)
    assert first.startswith("Gulf, Turkey, Iran: not in s1, s2, scenario-with-a-long-name-0,") and first.endswith(
        "scenario-with-a-long-name-5; not drawn"
    )
    assert len(lines) >= 2  # the long one wrapped
    assert note.get_window_extent(fig.canvas.get_renderer()).width <= fig.bbox.width
