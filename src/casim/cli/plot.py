"""``casim plot``, ``casim compare`` and ``casim sensitivity``."""

from __future__ import annotations

from pathlib import Path

from ..api import ENGINES
from ..figures import FIGURE_KINDS
from .progress import bar

# casim.figures loads its figure modules on first use: FIGURE_KINDS alone imports
# no matplotlib, SALib nor scipy, so building the parser stays fast for every command


def register(sub) -> None:
    p = sub.add_parser("plot", help="draw a figure from a results table (PNG and SVG)")
    p.add_argument("results", help="results folder or file (from run, compare or sweep)")
    p.add_argument("--kind", choices=tuple(FIGURE_KINDS), default="trajectories")
    p.add_argument("--state", metavar="ISO3", help="only this state (default: all; the first for sweep and discovery)")
    p.add_argument(
        "--scenario",
        metavar="NAME",
        help=(
            "which scenario of a table of several (from compare): the one to draw for trajectories, ternary, sweep, "
            "sensitivity and discovery; the baseline for compare and differences (default: the first)"
        ),
    )
    p.add_argument(
        "--outcome", help="sweep: a power, hedging or dominant (default); sensitivity, differences: one outcome"
    )
    p.add_argument(
        "--partner", help="discovery: the dominant partner to explain (default: the one nearest half the runs)"
    )
    p.add_argument(
        "--out", metavar="FILE", help="figure path; .png and .svg are both written (default: RESULTS/figures/KIND)"
    )
    p.set_defaults(func=cmd_plot)

    c = sub.add_parser(
        "compare", help="run scenarios with common seeds; write the comparison figure and differences table"
    )
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario files; the first is the baseline")
    c.add_argument("--out", metavar="DIR", help="output folder (default: results/compare)")
    c.add_argument("--replicates", type=int, help="replicates per scenario (default: the first file's)")
    c.add_argument("--seed", type=int, help="base seed shared by all scenarios (default: the first file's)")
    c.add_argument("--engine", choices=ENGINES, default="ensemble")
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser(
        "sensitivity", help="Sobol or Morris indices from a sweep's results; prints the table, writes the figure"
    )
    s.add_argument("results", help="sweep results folder (with manifest.json holding the design and problem)")
    s.add_argument("--outcome", action="append", help="a power or hedging (repeatable; default: all)")
    s.add_argument("--state", action="append", metavar="ISO3", help="a state (repeatable; default: all)")
    s.add_argument(
        "--out",
        metavar="FILE",
        help="figure path (default: RESULTS/figures/sensitivity); the table goes beside it as CSV",
    )
    s.set_defaults(func=cmd_sensitivity)


def cmd_plot(args) -> int:
    from .. import figures
    from ..analysis import inputs

    df, manifest = inputs.load_results(args.results)
    fig = figures.render_figure(
        args.kind,
        df,
        state=args.state,
        problem=manifest.get("problem"),
        design=manifest.get("design"),
        outcome=args.outcome,
        partner=args.partner,
        scenario=args.scenario,
    )
    out = args.out or inputs.figure_path(args.results, args.kind)
    for f in figures.save(fig, out):
        print(f"wrote {f}")
    return 0


def cmd_compare(args) -> int:
    import pandas as pd

    from .. import figures, results
    from ..analysis import compare as compare_

    n = len(args.scenarios) * (args.replicates or 0) or None
    with bar(n, desc="compare") as advance:
        df = compare_.run_scenarios(
            args.scenarios, replicates=args.replicates, seed=args.seed, engine=args.engine, progress=advance
        )
    out = Path(args.out or "results/compare")
    diff = compare_.differences(df)
    drawn = {"compare": figures.compare_figure(df), "differences": figures.differences_figure(diff)}
    path = results.write(df, df.attrs["manifest"], out)
    diff_path = results.write_csv(diff, out / "differences.csv")
    written = [f for name, fig in drawn.items() for f in figures.save(fig, out / name)]
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(compare_.difference_summary(diff).to_string())
    for f in [path, out / "manifest.json", diff_path, *written]:
        print(f"wrote {f}")
    return 0


def cmd_sensitivity(args) -> int:
    import pandas as pd

    from .. import figures, results
    from ..analysis import inputs, sensitivity

    df, manifest = inputs.load_results(args.results)
    idx = sensitivity.from_manifest(df, manifest, states=args.state, outcomes=args.outcome)
    with pd.option_context("display.width", 200, "display.max_rows", 1000):
        print(idx.round(3).to_string(index=False))
    out = Path(args.out) if args.out else inputs.figure_path(args.results, "sensitivity")
    written = figures.save(figures.sensitivity_figure(idx, scenario=str(df["scenario"].iloc[0])), out)
    table = results.write_csv(idx, out.with_suffix(".csv"))
    for f in [*written, table]:
        print(f"wrote {f}")
    return 0
