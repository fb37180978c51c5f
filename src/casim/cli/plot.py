"""``casim plot``, ``casim compare`` and ``casim sensitivity``."""

from __future__ import annotations

from pathlib import Path

from ..figures import FIGURE_KINDS
from .early import ENGINES, add_posterior_args, existing, posterior_from, scenario_arg
from .progress import bar

# casim.figures loads its figure modules on first use: FIGURE_KINDS alone imports
# no matplotlib, SALib nor scipy, so building the parser stays fast for every command


def register(sub) -> None:
    p = sub.add_parser("plot", help="draw a figure from a results table (PNG and SVG)")
    p.add_argument("results", help="results folder or file (from run, compare or sweep)")
    p.add_argument(
        "--kind",
        choices=tuple(FIGURE_KINDS),
        help="the figure (default: the first that fits the results: trajectories for a run or a comparison's "
        "--scenario, compare for a comparison, sweep for a sweep); a kind that does not fit them is an error "
        "naming those that do",
    )
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
        "--zoom",
        action="store_true",
        help="ternary: show only the part of the simplex around the data (one scale for every panel)",
    )
    p.add_argument(
        "--band",
        choices=("all", "noise"),
        default="all",
        help="trajectories, compare: the fan's bands hold 50%% and 90%% of the runs (all: parameters and noise over "
        "posterior draws), or of the noise alone (noise: each run's spread around its own draw's mean)",
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
    c.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a folder holding other results (another comparison, a run, a sweep store)",
    )
    c.add_argument("--replicates", type=int, help="replicates per scenario (default: the first file's)")
    c.add_argument("--seed", type=int, help="base seed shared by all scenarios (default: the first file's)")
    c.add_argument("--engine", choices=ENGINES, default="ensemble")
    add_posterior_args(
        c,
        "shipped",
        "every scenario runs over the same posterior draws x --replicates per draw (default: the first file's, at "
        "most 20), and each effect is the median and 90%% interval over draws (parameters and noise); 'none': the "
        "parameters' point values, whose interval is the noise only",
    )
    c.set_defaults(func=cmd_compare)

    s = sub.add_parser(
        "sensitivity",
        help="Sobol or Morris indices from a sweep's results; prints the table, writes it as CSV and the figure",
    )
    s.add_argument("results", help="sweep results folder (with manifest.json holding the design and problem)")
    s.add_argument("--outcome", action="append", help="a power or hedging (repeatable; default: all)")
    s.add_argument("--state", action="append", metavar="ISO3", help="a state (repeatable; default: all)")
    s.add_argument(
        "--out",
        metavar="FILE",
        help="figure path (default: RESULTS/figures/sensitivity); the table goes beside it as CSV",
    )
    s.add_argument(
        "--no-figures",
        action="store_true",
        help="print the table and write the CSV only: no figure is drawn (faster; matplotlib is not loaded)",
    )
    s.set_defaults(func=cmd_sensitivity)


def cmd_plot(args) -> int:
    from .. import figures
    from ..analysis import inputs

    df, manifest = inputs.load_results(args.results)
    table = figures.input_of(df, manifest)
    kind = args.kind or ("trajectories" if table == "comparison" and args.scenario else figures.kinds_for(table)[0])
    fig = figures.render_figure(
        kind,
        df,
        state=args.state,
        outcome=args.outcome,
        partner=args.partner,
        scenario=args.scenario,
        manifest=manifest,
        zoom=args.zoom,
        where=args.results,
        band=args.band,
    )
    out = args.out or inputs.figure_path(args.results, kind)
    for f in figures.save(fig, out):
        print(f"wrote {f}")
    return 0


def cmd_compare(args) -> int:
    for s in args.scenarios:  # a missing file is reported before the imports
        scenario_arg(s)
    from concurrent.futures import ThreadPoolExecutor

    import pandas as pd

    from .. import figures, folders, results
    from ..analysis import compare as compare_
    from ..scenario import load_scenario

    post = posterior_from(args.posterior, args.draws, "shipped")
    loaded = [load_scenario(s) for s in args.scenarios]
    out = Path(args.out) if args.out else folders.RESULTS_ROOT / "compare"
    what = folders.describe_compare([s.name for s in loaded])
    per_scenario = args.replicates or loaded[0].replicates
    if post is not None:
        from ..uncertainty import run_count

        per_scenario = run_count(loaded[0], post, args.draws, args.replicates)
    n = len(loaded) * per_scenario
    # the folder is locked and checked before the runs, and replaced as a whole (no stale figures) after them
    with folders.replacing(out, "compare", what, args.overwrite) as new:
        with bar(n, desc="compare") as advance:
            df = compare_.run_scenarios(
                loaded, args.replicates, args.seed, args.engine, advance, posterior=post, draws=args.draws
            )
        # pyarrow writes the table (releasing the GIL) while the figures are drawn: ~1 s of a 10 s comparison
        with ThreadPoolExecutor(max_workers=1) as pool:
            table = pool.submit(results.fill, new, df, df.attrs["manifest"], kind="compare")
            diff = compare_.differences(df)
            drawn = {"compare": figures.compare_figure(df), "differences": figures.differences_figure(diff)}
            saved = [f for name, fig in drawn.items() for f in figures.save(fig, new / name)]
            written = [table.result(), new / "manifest.json"]
        written.append(results.write_csv(diff, new / "differences.csv"))
        written += saved
    summary = compare_.difference_summary(diff)
    print(f"effects at the horizon; {summary.attrs['interval']}; * the interval includes zero")
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(summary.to_string())
    for f in written:
        print(f"wrote {out / f.relative_to(new)}")
    return 0


def cmd_sensitivity(args) -> int:
    existing(args.results)  # a missing folder is reported before the imports
    import pandas as pd

    from .. import results
    from ..analysis import inputs, sensitivity

    df, manifest = inputs.load_results(args.results)
    idx = sensitivity.from_manifest(df, manifest, states=args.state, outcomes=args.outcome)
    with pd.option_context("display.width", 200, "display.max_rows", 1000):
        print(idx.round(3).to_string(index=False))
    out = Path(args.out) if args.out else inputs.figure_path(args.results, "sensitivity")
    written: list[Path] = []
    if not args.no_figures:  # matplotlib is imported only here
        from .. import figures

        fig = figures.sensitivity_figure(idx, scenario=str(df["scenario"].iloc[0]), sweep=manifest.get("name"))
        written = figures.save(fig, out)
    table = results.write_csv(idx, out.with_suffix(".csv"))
    for f in [*written, table]:
        print(f"wrote {f}")
    return 0
