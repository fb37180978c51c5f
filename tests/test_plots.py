"""Figures show what the tables say: plotted data equal the table's statistics, colours follow the fixed mapping."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import colors as mcolors  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

import casim  # noqa: E402
from casim import analysis, plots  # noqa: E402
from casim.analysis import sensitivity  # noqa: E402
from casim.analysis.summary import quarter_starts  # noqa: E402
from casim.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def short(name="short", **kw) -> casim.Scenario:
    return casim.scenario_from_dict({"schema": 1, "name": name, "end": "2025Q4", **kw})


@pytest.fixture(scope="module")
def run_df():
    return casim.run(short(), replicates=20, seed=3)


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
    fig = draw(plots.trajectories(run_df))
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
            assert same_colour(line.get_color(), plots.POWER_COLOURS[p])
            assert same_colour(band.get_facecolor()[0], plots.POWER_COLOURS[p])


def test_known_powers_keep_their_okabe_ito_colours_and_new_powers_in_one_table_never_share_one():
    known = [plots.colour(p) for p in ("russia", "west", "china", "turkey", "iran")]
    assert len(set(known)) == 5 and set(known) <= OKABE_ITO
    new = ["gulf", "india", "caspian", "arctic", "pacific"]  # 'gulf' and 'india' hashed to the same colour before
    powers = ["russia", "gulf", "west", "india", "china", "caspian", "turkey", "arctic", "iran", "pacific"]
    pal = plots.palette(powers)
    assert [pal[p] for p in ("russia", "west", "china", "turkey", "iran")] == known
    assert len({pal[p] for p in new}) == len(new)
    assert not {pal[p] for p in new} & {*known, plots.HEDGING_COLOUR}
    assert [pal[p] for p in new] == list(plots.FALLBACK_COLOURS[: len(new)])  # in order of first appearance
    assert plots.palette(powers) == pal and plots.colour("india", powers) == pal["india"]
    assert "#F0E442" not in plots.FALLBACK_COLOURS  # yellow is too faint as a line on white
    assert plots.colour("hedging") not in known


@pytest.fixture(scope="module")
def two_new_powers():
    """Two scenarios, the second with Turkey, Iran and two powers casim does not know."""
    new = {"gulf": {"exposure": {"UZB": {"investment": 0.08}}}, "india": {"exposure": {"KAZ": {"trade": 0.05}}}}
    return analysis.run_scenarios([short("a"), short("b", powers={"turkey": {}, "iran": {}, **new})], replicates=4, seed=1)


def test_every_figure_draws_each_power_in_its_colour(two_new_powers):
    df = two_new_powers
    powers = analysis.powers_of(df)
    pal = plots.palette(powers)
    assert len({pal[p] for p in powers}) == len(powers) == 7
    fig = draw(plots.compare(df))
    lines = [(ln.get_gid().split(":")[2], ln) for ax in fig.axes for ln in ax.lines if (ln.get_gid() or "").endswith(":median")]
    assert {p for p, _ in lines} == set(powers)
    assert all(same_colour(ln.get_color(), pal[p]) for p, ln in lines)
    fig = draw(plots.stacked(analysis.summary.one_scenario(df, "b")))
    layers = [c for ax in fig.axes for c in ax.collections if (c.get_gid() or "").endswith(":stack")]
    assert {c.get_label() for c in layers} == set(powers)
    assert all(same_colour(c.get_facecolor()[0], pal[c.get_label()]) for c in layers)
    fig = draw(plots.differences(analysis.differences(df)))
    marks = [(m.get_gid().split(":")[1], m) for ax in fig.axes for m in ax.lines if (m.get_gid() or "").endswith(":diff")]
    assert {o for o, _ in marks} == {*powers, "hedging"}
    assert all(same_colour(m.get_color(), pal[o]) for o, m in marks)


def test_difference_markers_and_intervals_sit_at_the_table_values_on_their_scenario_rows():
    a, b, c = short("a"), short("b", powers={"west": {"sanctions": 1.0}}), short("c", powers={"china": {"economy": 1.0}})
    diff = analysis.differences(analysis.run_scenarios([a, b, c], replicates=5, seed=3))
    fig = draw(plots.differences(diff))
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
    fig = draw(plots.ternary(run_df, states=["UZB"]))
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
    df = casim.run(short("five", powers={"turkey": {}, "iran": {}}), replicates=3, seed=1)
    fig = draw(plots.ternary(df, states=["KGZ"]))
    assert not any(ax.name == "ternary" for ax in fig.axes)
    layers = [a for a in fig.axes[0].collections if a.get_gid() == "KGZ:stack"]
    assert [a.get_label() for a in layers] == ["russia", "west", "china", "turkey", "iran"]
    top = layers[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "grid"
    casim.sweep(
        {
            "schema": 1,
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
    df, manifest = analysis.load(grid_sweep)
    x, y = "model.weights.institutions", "model.sanctions_weight"
    grid = analysis.response_grid(df, x, y, "KAZ", "dominant")
    assert {"russia", "west"} <= set(grid.to_numpy().ravel())  # the map has a frontier to show
    fig = draw(plots.sweep_map(df, x, y, "KAZ"))
    mesh = by_gid(fig, "map")
    powers = analysis.powers_of(df)
    codes = np.asarray(mesh.get_array()).reshape(grid.shape)
    rgba = mesh.cmap(mesh.norm(codes))
    for (i, j), name in np.ndenumerate(grid.to_numpy()):
        assert codes[i, j] == powers.index(name)
        assert same_colour(rgba[i, j][:3], plots.colour(name))
    numeric = analysis.response_grid(df, x, y, "KAZ", "russia")
    fig = draw(plots.sweep_map(df, x, y, "KAZ", outcome="russia"))
    assert np.allclose(np.asarray(by_gid(fig, "map").get_array()).reshape(numeric.shape), numeric.to_numpy(float))
    line = analysis.response_line(df, x, "KAZ", "west")
    fig = draw(plots.sweep_line(df, x, "KAZ"))
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
    idx = pd.concat([base.assign(state=s, outcome="russia", S1=base["S1"] * (k + 1) / 4, ST=base["ST"] * (k + 1) / 4) for k, s in enumerate(states)], ignore_index=True)
    fig = draw(plots.sensitivity(idx, scenario="ishigami"))
    renderer = fig.canvas.get_renderer()
    assert "ishigami" in fig.get_suptitle()
    # one row of panels sharing the y axis: the first panel shows the labels for all
    labels = {t.get_text(): centre_y(t, renderer) for t in fig.axes[0].get_yticklabels() if t.get_visible()}
    assert set(labels) == {"x1", "x2", "x3"}
    for ax, s in zip(fig.axes, states):
        for col in ("S1", "ST"):
            drawn = [b for b in ax.patches if b.get_gid() == f"{s}:russia:{col}"]
            want = idx[idx["state"] == s]
            assert np.allclose([b.get_width() for b in drawn], want[col])
            assert all(same_colour(b.get_facecolor()[:3], plots.colour("russia")) for b in drawn)
            ys = [centre_y(b, renderer) for b in drawn]
            for y, param in zip(ys, want["parameter"]):
                assert min(labels, key=lambda name: abs(labels[name] - y)) == param
            assert ys[0] > ys[1] > ys[2]  # x1 on top (screen y grows upward)
    m = pd.DataFrame({"parameter": ["a", "b"], "mu": [1.0, -2.0], "mu_star": [1.0, 2.0], "mu_star_conf": [0.1, 0.2], "sigma": [0.0, 0.5]})
    fig = draw(plots.sensitivity(m.assign(state="UZB", outcome="west")))
    assert np.allclose([b.get_width() for b in bars(fig, "UZB:west:mu_star")], [1.0, 2.0])
    assert np.allclose([b.get_width() for b in bars(fig, "UZB:west:sigma")], [0.0, 0.5])


def overlaps(fig, a, b) -> bool:
    r = fig.canvas.get_renderer()
    return a.get_window_extent(r).overlaps(b.get_window_extent(r))


@pytest.mark.parametrize("panels", [1, 3])
def test_sensitivity_legend_and_axis_label_do_not_overlap_and_stay_in_the_figure(panels):
    base = ishigami_indices()
    sobol_idx = pd.concat([base.assign(state=s, outcome=o) for s in ["KAZ", "UZB", "KGZ"][:panels] for o in ("russia", "hedging")], ignore_index=True)
    morris_idx = pd.DataFrame({"parameter": ["a", "b"], "mu": [1.0, -2.0], "mu_star": [1.0, 2.0], "mu_star_conf": [0.1, 0.2], "sigma": [0.0, 0.5]})
    morris_idx = pd.concat([morris_idx.assign(state=s, outcome="west") for s in ["KAZ", "UZB", "KGZ"][:panels]], ignore_index=True)
    for idx in (sobol_idx, morris_idx):
        fig = draw(plots.sensitivity(idx, scenario="x"))
        (legend,) = fig.legends
        label = fig.findobj(lambda a: a.get_gid() == "xlabel")[0]
        assert label.get_text() and not overlaps(fig, legend, label)
        box, page = legend.get_window_extent(fig.canvas.get_renderer()), fig.bbox
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0


def test_tornado_bars_run_from_the_scenario_to_each_end():
    oat = analysis.one_at_a_time(short(), {"west.sanctions": (0.0, 1.0), "model.temperature": (0.3, 1.2)}, replicates=3, seed=2)
    t = analysis.tornado(oat, "KAZ", "west")
    fig = draw(plots.tornado(t))
    for level, col in (("low", "at_low"), ("high", "at_high")):
        drawn = bars(fig, level)
        assert np.allclose([b.get_x() + b.get_width() for b in drawn], t[col])
        assert np.allclose([b.get_x() for b in drawn], t["base"])


def test_discovery_draws_the_box_and_one_marker_per_grid_point_coloured_by_its_share_of_hits(grid_sweep):
    df, manifest = analysis.load(grid_sweep)
    box = analysis.discover(df, "KAZ", "russia", problem=manifest["problem"])
    fig = draw(plots.discovery(df, box))
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
    hit = (analysis.dominant(last) == "russia").astype(float)
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
    fig = draw(plots.discovery(df, box))
    assert parameter_name(fig.axes[0].get_xlabel()) == "x.b" and parameter_name(fig.axes[0].get_ylabel()) == "x.a"


def test_titles_name_the_scenario_and_axes_carry_units(run_df):
    for fig in (plots.trajectories(run_df), plots.stacked(run_df)):
        assert fig.get_suptitle().startswith("short:")
        for ax in fig.axes:
            assert "(quarter)" in ax.get_xlabel() and "fraction, 0-1" in ax.get_ylabel()
    fig = plots.ternary(run_df)
    assert fig.get_suptitle().startswith("short:") and "fraction 0-1" in fig.get_suptitle()


RESOLUTIONS = ROOT / "scenarios" / "resolutions"
CATEGORIES = {"state", "text and state"}  # axes of names, not quantities


@pytest.fixture(scope="module")
def vote_inputs():
    from casim import observables

    sc = short()
    texts = observables.read_resolutions(RESOLUTIONS / "unga_es11_6.yaml")
    return sc, texts, observables.votes(sc, texts, replicates=10, seed=1)


@pytest.fixture(scope="module")
def calibration_run():
    summary = json.loads((ROOT / "docs" / "calibration_run" / "summary.json").read_text())
    return pd.read_csv(ROOT / "docs" / "calibration_run" / "accepted.csv"), summary


@pytest.fixture(scope="module")
def posterior_fig(calibration_run):
    """The calibration's posterior figure, drawn once (28 panels)."""
    return draw(plots.posterior(*calibration_run))


FIGURES = {
    "trajectories": lambda f: (plots.trajectories(f["run"]), "short"),
    "ternary": lambda f: (plots.ternary(f["run"]), "short"),
    "stacked": lambda f: (plots.stacked(f["run"]), "short"),
    "compare": lambda f: (plots.compare(f["two"]), "b"),
    "differences": lambda f: (plots.differences(analysis.differences(f["two"])), "b"),
    "sweep_map": lambda f: (plots.sweep_map(f["grid"], *f["grid_xy"], "KAZ"), "baseline"),
    "sweep_line": lambda f: (plots.sweep_line(f["grid"], f["grid_xy"][0], "KAZ"), "baseline"),
    "sensitivity": lambda f: (plots.sensitivity(ishigami_indices().assign(state="KAZ", outcome="hedging"), scenario="ishigami"), "ishigami"),
    "tornado": lambda f: (plots.tornado(analysis.tornado(analysis.one_at_a_time(short(), {"west.sanctions": (0.0, 1.0)}, replicates=2, seed=2), "KAZ", "west")), "short"),
    "discovery": lambda f: (plots.discovery(f["grid"], analysis.discover(f["grid"], "KAZ", "russia")), "baseline"),
    "votes": lambda f: (plots.votes(f["votes"][2], f["votes"][1], scenario="short"), "short"),
    "vote_path": lambda f: (plots.vote_path(analysis.vote_path(f["run"], "peace_terms"), f["votes"][1]), "short"),
    "posterior": lambda f: (f["posterior"], "hindcast-2021"),
}


def test_the_title_and_units_test_covers_every_figure_function():
    import inspect

    makers = {n for n, f in inspect.getmembers(plots, inspect.isfunction) if not n.startswith("_") and f.__module__ == plots.__name__ and str(inspect.signature(f).return_annotation) == "Figure"}
    assert makers - {"render", "sweep"} == set(FIGURES)  # render and sweep return one of these


@pytest.mark.parametrize("name", list(FIGURES))
def test_every_figure_names_its_scenario_and_labels_its_axes_with_units(name, run_df, two_new_powers, grid_sweep, vote_inputs, request):
    grid, _ = analysis.load(grid_sweep)
    inputs = {"run": run_df, "two": two_new_powers, "grid": grid, "grid_xy": ("model.weights.institutions", "model.sanctions_weight"), "votes": vote_inputs}
    if name == "posterior":
        inputs["posterior"] = request.getfixturevalue("posterior_fig")
    fig, scenario = FIGURES[name](inputs)
    draw(fig)
    title = fig.get_suptitle() or fig.axes[0].get_title()
    assert scenario in title, title
    labels = [t for f in (fig, *fig.subfigs) for t in (f.get_supxlabel(), f.get_supylabel())]
    if name != "ternary":  # mpltern's corner labels name the power; the title gives the unit (test above)
        labels += [t for ax in fig.axes if ax.get_visible() for t in (ax.get_xlabel(), ax.get_ylabel())]
    labels = [t for t in labels if t]
    assert labels or name == "ternary"
    assert all("(" in t and ")" in t or t in CATEGORIES for t in labels), labels


def test_vote_bars_are_the_projected_probabilities_and_the_marker_the_recorded_vote(vote_inputs):
    from casim import observables

    sc, texts, table = vote_inputs
    fig = draw(plots.votes(table, texts, scenario=sc.name))
    left = np.zeros(len(table))
    for o in observables.OUTCOMES:
        drawn = bars(fig, f"vote:{o}")
        assert np.allclose([b.get_width() for b in drawn], table[f"p_{o}"])
        assert np.allclose([b.get_x() for b in drawn], left)
        assert all(same_colour(b.get_facecolor()[:3], plots.OUTCOME_COLOURS[o]) for b in drawn)
        left += table[f"p_{o}"].to_numpy()
    recorded = texts[0].observed  # ES-11/6: every state's vote is on record
    marker = by_gid(fig, "recorded")
    for i, state in enumerate(table["state"]):
        p = table.loc[i, [f"p_{o}" for o in observables.OUTCOMES]].to_numpy(float)
        k = observables.OUTCOMES.index(recorded[state])
        assert marker.get_xdata()[i] == pytest.approx(p[:k].sum() + p[k] / 2) and marker.get_ydata()[i] == i
    assert fig.get_suptitle().startswith("short: ") and "ES-11/6 (2023Q1)" in fig.get_suptitle()


def test_outcome_colours_are_distinct_and_used_by_no_power():
    outcome = set(plots.OUTCOME_COLOURS.values())
    assert len(outcome) == 4
    assert not outcome & {*plots.POWER_COLOURS.values(), *plots.FALLBACK_COLOURS, plots.HEDGING_COLOUR}


def test_vote_path_layers_stack_the_probabilities_and_mark_the_recorded_vote(run_df, vote_inputs):
    texts = vote_inputs[1]
    path = analysis.vote_path(run_df, "peace_terms")
    fig = draw(plots.vote_path(path, texts))
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
        counts, edges = np.histogram(accepted[name], bins=plots.POSTERIOR_BINS, range=(row["prior_low"], row["prior_high"]))
        drawn = [b for ax in fig.axes for b in ax.patches if b.get_gid() == f"{name}:posterior"]
        assert np.allclose([b.get_height() for b in drawn], counts)
        assert np.allclose([b.get_x() for b in drawn], edges[:-1])
        fill = plots.POSTERIOR_COLOURS["identified" if row["identified"] else "not identified"]
        assert all(same_colour(b.get_facecolor()[:3], fill) for b in drawn)
        assert by_gid(fig, f"{name}:shipped").get_xdata()[0] == pytest.approx(row["shipped"])
    assert not overlaps(fig, fig.legends[0], fig.findobj(lambda a: a.get_gid() == "xlabel")[0])
    with pytest.raises(casim.CasimError, match="no column for model.temperature"):
        plots.posterior(accepted.drop(columns="model.temperature"), summary)


def test_save_writes_png_and_svg(run_df, tmp_path):
    written = plots.save(plots.trajectories(run_df, states="KAZ"), tmp_path / "fig.png")
    assert [p.name for p in written] == ["fig.png", "fig.svg"]
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "fig.svg").read_text()[:2000]
    with pytest.raises(casim.CasimError, match="not .pdf"):
        plots.save(plots.trajectories(run_df, states="KAZ"), tmp_path / "fig.pdf")


@pytest.fixture(scope="module")
def baseline_small():
    return casim.run(ROOT / "scenarios" / "baseline.yaml", replicates=3, seed=1)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_every_kind_renders_for_every_shipped_scenario(path, tmp_path, baseline_small):
    sc = casim.load_scenario(path)
    df = casim.run(sc, replicates=3, seed=1)
    casim.sweep(
        {
            "schema": 1,
            "scenario": str(path),
            "design": {"method": "sobol", "n": 8, "seed": 1, "second_order": False},
            "parameters": {"model.weights.institutions": [0.0, 2.0], "model.temperature": [0.3, 1.2]},
            "replicates": 1,
            "keep": {"dates": [sc.end]},
        },
        out=tmp_path / "s",
    )
    swept, manifest = analysis.load(tmp_path / "s")
    both = baseline_small if sc.name == "baseline" else analysis.compare.combine([baseline_small, df])
    state = "KAZ"
    for kind in plots.KINDS:
        table = {"compare": both, "differences": both, "sweep": swept, "sensitivity": swept, "discovery": swept}.get(kind, df)
        if kind in ("compare", "differences") and sc.name == "baseline":
            continue
        fig = draw(plots.render(kind, table, state=state, problem=manifest["problem"], design=manifest["design"]))
        assert fig.axes, kind
        title = fig.get_suptitle() or fig.axes[0].get_title()
        assert sc.name in title, (kind, title)


def test_cli_compare_plot_and_sensitivity_write_their_files(tmp_path, capsys):
    base, tighten = ROOT / "scenarios" / "baseline.yaml", tmp_path / "tight.yaml"
    tighten.write_text(f"schema: 1\nextends: {base}\nname: tight\npowers:\n  west: {{sanctions: 1.0}}\n")
    assert main(["compare", str(base), str(tighten), "--replicates", "4", "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out
    assert "tight" in out and "KAZ" in out
    diff = pd.read_csv(tmp_path / "cmp" / "differences.csv")
    assert set(diff["scenario"]) == {"tight"} and diff["paired"].all()
    for name in ("compare.png", "compare.svg", "differences.png", "differences.svg", "results.parquet", "manifest.json"):
        assert (tmp_path / "cmp" / name).exists(), name
    assert json.loads((tmp_path / "cmp" / "manifest.json").read_text())["comparison"]["replicates"] == 4
    assert main(["plot", str(tmp_path / "cmp"), "--kind", "compare", "--state", "KAZ", "--out", str(tmp_path / "c.svg")]) == 0
    assert (tmp_path / "c.png").exists() and (tmp_path / "c.svg").exists()
    assert main(["plot", str(tmp_path / "cmp"), "--kind", "differences", "--state", "KAZ"]) == 0
    assert (tmp_path / "cmp" / "figures" / "differences.svg").exists()
    # a table of two scenarios: trajectories and ternary need --scenario, and draw the one named
    capsys.readouterr()
    assert main(["plot", str(tmp_path / "cmp"), "--kind", "trajectories"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--scenario" in err and "baseline, tight" in err
    for kind in ("trajectories", "ternary"):
        assert main(["plot", str(tmp_path / "cmp"), "--kind", kind, "--scenario", "tight", "--out", str(tmp_path / kind)]) == 0
        assert "<!-- tight: " in (tmp_path / f"{kind}.svg").read_text()  # matplotlib keeps each text as a comment; the title names the scenario
    assert main(["plot", str(tmp_path / "cmp"), "--kind", "ternary", "--scenario", "tigth"]) == 2
    assert "did you mean" in capsys.readouterr().err

    casim.sweep(
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


def test_cli_lists_the_same_figure_kinds_as_plots():
    from casim.cli import plot as cli_plot

    assert cli_plot.KINDS == plots.KINDS
