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


def test_power_colours_are_distinct_okabe_ito_and_new_powers_get_a_stable_one():
    known = [plots.colour(p) for p in ("russia", "west", "china", "turkey", "iran")]
    assert len(set(known)) == 5 and set(known) <= OKABE_ITO
    assert plots.colour("gulf") == plots.colour("gulf") and plots.colour("gulf") in plots.FALLBACK_COLOURS
    assert plots.colour("gulf") not in known
    assert plots.colour("hedging") not in known


def test_every_figure_draws_each_power_in_its_colour():
    df = analysis.run_scenarios([short("a"), short("b", powers={"turkey": {}, "iran": {}, "gulf": {"exposure": {"UZB": {"investment": 0.08}}}})], replicates=4, seed=1)
    powers = analysis.powers_of(df)
    fig = draw(plots.compare(df))
    lines = [(ln.get_gid().split(":")[2], ln) for ax in fig.axes for ln in ax.lines if (ln.get_gid() or "").endswith(":median")]
    assert {p for p, _ in lines} == set(powers)
    assert all(same_colour(ln.get_color(), plots.colour(p)) for p, ln in lines)
    fig = draw(plots.stacked(analysis.summary.one_scenario(df, "b")))
    layers = [c for ax in fig.axes for c in ax.collections if (c.get_gid() or "").endswith(":stack")]
    assert {c.get_label() for c in layers} == set(powers)
    assert all(same_colour(c.get_facecolor()[0], plots.colour(c.get_label())) for c in layers)
    fig = draw(plots.differences(analysis.differences(df)))
    marks = [(m.get_gid().split(":")[1], m) for ax in fig.axes for m in ax.lines if (m.get_gid() or "").endswith(":diff")]
    assert {o for o, _ in marks} == {*powers, "hedging"}
    assert all(same_colour(m.get_color(), plots.colour(o)) for o, m in marks)


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


def test_sensitivity_bars_are_the_indices():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    X = sobol_sample.sample(problem, 256, calc_second_order=False, seed=1)
    idx = sensitivity.sobol_indices(problem, Ishigami.evaluate(X), X).assign(state="KAZ", outcome="russia")
    fig = draw(plots.sensitivity(idx, scenario="ishigami"))
    for col in ("S1", "ST"):
        drawn = bars(fig, f"KAZ:russia:{col}")
        assert np.allclose([b.get_width() for b in drawn], idx[col])
        assert all(same_colour(b.get_facecolor()[:3], plots.colour("russia")) for b in drawn)
    assert "ishigami" in fig.get_suptitle()
    m = pd.DataFrame({"parameter": ["a", "b"], "mu": [1.0, -2.0], "mu_star": [1.0, 2.0], "mu_star_conf": [0.1, 0.2], "sigma": [0.0, 0.5]})
    fig = draw(plots.sensitivity(m.assign(state="UZB", outcome="west")))
    assert np.allclose([b.get_width() for b in bars(fig, "UZB:west:mu_star")], [1.0, 2.0])
    assert np.allclose([b.get_width() for b in bars(fig, "UZB:west:sigma")], [0.0, 0.5])


def test_tornado_bars_run_from_the_scenario_to_each_end():
    oat = analysis.one_at_a_time(short(), {"west.sanctions": (0.0, 1.0), "model.temperature": (0.3, 1.2)}, replicates=3, seed=2)
    t = analysis.tornado(oat, "KAZ", "west")
    fig = draw(plots.tornado(t))
    for level, col in (("low", "at_low"), ("high", "at_high")):
        drawn = bars(fig, level)
        assert np.allclose([b.get_x() + b.get_width() for b in drawn], t[col])
        assert np.allclose([b.get_x() for b in drawn], t["base"])


def test_discovery_draws_the_box_and_its_statistics(grid_sweep):
    df, manifest = analysis.load(grid_sweep)
    box = analysis.discover(df, "KAZ", "russia", problem=manifest["problem"])
    fig = draw(plots.discovery(df, box))
    rect = by_gid(fig, "box")
    px, py = (box.restricted + [p for p in box.limits.index if p not in box.restricted])[:2]
    assert rect.get_x() == pytest.approx(box.limits.loc[px, "low"])
    assert rect.get_x() + rect.get_width() == pytest.approx(box.limits.loc[px, "high"])
    assert rect.get_y() == pytest.approx(box.limits.loc[py, "low"])
    assert rect.get_y() + rect.get_height() == pytest.approx(box.limits.loc[py, "high"])
    assert f"coverage {box.coverage:.2f}" in fig.axes[0].get_title()
    hits = by_gid(fig, "hits").get_offsets()
    assert len(hits) == box.of_interest


def test_titles_name_the_scenario_and_axes_carry_units(run_df):
    for fig in (plots.trajectories(run_df), plots.stacked(run_df)):
        assert fig.get_suptitle().startswith("short:")
        for ax in fig.axes:
            assert "(quarter)" in ax.get_xlabel() and "fraction, 0-1" in ax.get_ylabel()
    fig = plots.ternary(run_df)
    assert fig.get_suptitle().startswith("short:") and "fraction 0-1" in fig.get_suptitle()


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
        table = {"compare": both, "sweep": swept, "sensitivity": swept, "discovery": swept}.get(kind, df)
        if kind == "compare" and sc.name == "baseline":
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
