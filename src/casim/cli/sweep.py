"""``casim sweep``: run a sweep file into a chunked store, with a progress bar and a closing summary; and
``casim robustness``: which design points of a sweep over posterior draws meet a threshold in most draws."""

from __future__ import annotations

import sys

from .early import ENGINES, EXECUTORS, existing
from .progress import bar

# casim.sweep (pandas, SALib, the engines) is imported by the command, not here: building the parser stays fast


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run a batch parameter sweep file into a results store")
    p.add_argument("sweep", help="sweep YAML file")
    p.add_argument("--out", help="store folder (default: results/sweeps/<sweep name>)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="local processes, or Dask LocalCluster workers (default 1: run in this process)",
    )
    p.add_argument("--executor", choices=EXECUTORS, help="local (default) or dask")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --executor dask)",
    )
    p.add_argument(
        "--engine",
        choices=ENGINES,
        help="ensemble (default: a chunk is one vectorised batch) or mesa (one model per run)",
    )
    p.add_argument("--resume", action="store_true", help="finish an interrupted store: run only the missing chunks")
    p.add_argument("--dry-run", action="store_true", help="validate the file and print the plan without running")
    p.set_defaults(func=cmd_sweep)

    r = sub.add_parser(
        "robustness",
        help="which design points of a sweep over posterior draws meet a threshold in most draws (plausible worlds)",
    )
    r.add_argument("results", help="sweep store made with 'posterior:' in its sweep file")
    r.add_argument("--state", required=True, metavar="ISO3", help="the state, e.g. KAZ")
    r.add_argument("--outcome", required=True, help="a power's share (e.g. west) or hedging")
    r.add_argument("--above", type=float, help="a draw meets the threshold when its outcome is above this")
    r.add_argument("--below", type=float, help="... or below this (give one of --above and --below)")
    r.add_argument(
        "--share", type=float, default=0.9, help="a point is robust when this share of draws meets it (default 0.9)"
    )
    r.add_argument("--out", metavar="CSV", help="also write the table to this CSV file")
    r.set_defaults(func=cmd_robustness)


def _plan_line(info: dict) -> str:
    """The one-line plan printed by --dry-run and at the start of a sweep."""
    draws = f"{info['draws']:,} posterior draw(s) x " if info.get("draws") is not None else ""
    line = (
        f"{info['name']}: {info['method']} design, {info['points']:,} points x {draws}{info['replicates']:,} "
        f"replicate(s) = {info['runs']:,} runs in {info['chunks']:,} chunk(s) of {info['chunk']:,}"
    )
    if "pool" in info:
        line += f" on {info['pool']} ({info['engine']})"
        if info["done"]:
            line += f"; {info['done']} of {info['chunks']} chunks already stored"
        if info.get("damaged"):
            line += f"; {info['damaged']} damaged chunk(s) (size or checksum differs from the record) run again"
        return line
    line = f"{line} ({info['engine']}) into {info['out']}; parameters: {', '.join(info['parameters'])}"
    if info.get("posterior") is not None:
        line += f"; drawn from the {info['posterior']} posterior"
    return line


def cmd_sweep(args) -> int:
    existing(args.sweep)  # a missing file is reported before the imports
    from ..sweep import SweepInterrupted, load_sweep, plan_info, run_sweep
    from ..sweep.runner import Terminated

    spec = load_sweep(args.sweep)
    for note in spec.notes:
        print(f"casim: note: {note}", file=sys.stderr)
    if args.dry_run:
        print(_plan_line(plan_info(spec, engine=args.engine, out=args.out)))
        return 0

    state: dict = {}

    def on_start(info: dict) -> None:
        print(_plan_line(info), file=sys.stderr)
        state["bar"] = bar_cm = bar(info["runs_todo"], desc=info["name"])
        state["advance"] = bar_cm.__enter__()

    def advance(n: int) -> None:
        state["advance"](n)

    try:
        outcome = run_sweep(
            spec,
            args.out,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            engine=args.engine,
            resume=args.resume,
            progress=advance,
            on_start=on_start,
        )
    except SweepInterrupted as e:
        _close_bar(state)
        word = "terminated" if e.signal == "SIGTERM" else "interrupted"
        print(f"casim: {word}: {e.done} of {e.total} chunks are stored in {e.out}", file=sys.stderr)
        print(f"resume with: {e.command}", file=sys.stderr)
        return e.exit_code
    except Terminated:  # SIGTERM before any chunk ran (starting the workers, creating the store)
        _close_bar(state)
        print("casim: terminated", file=sys.stderr)
        return 143
    finally:
        _close_bar(state)

    rate = f"{outcome.runs_per_second:,.0f} runs/s" if outcome.runs_run else "nothing left to run"
    startup = f" (+{outcome.startup:.1f} s starting them)" if outcome.startup >= 0.05 else ""
    print(
        f"{spec.name}: ran {outcome.runs_run:,} of {outcome.runs:,} runs ({outcome.chunks_run} chunk(s)) in "
        f"{outcome.seconds:.1f} s, {rate}, on {outcome.pool}{startup}"
    )
    last, table = outcome.summary()  # tallied as chunks finished: the store is not read back
    print(f"mean shares at {last} over all runs, and % of runs in which each power is the dominant partner:")
    print(table.round(3).to_string())
    print(
        f"wrote {outcome.out} (manifest.json, design.parquet, chunks/); read it with "
        f"casim.read_results({str(outcome.out)!r})"
    )
    return 0


def _close_bar(state: dict) -> None:
    cm = state.pop("bar", None)
    if cm is not None:
        cm.__exit__(None, None, None)


def cmd_robustness(args) -> int:
    existing(args.results)  # a missing folder is reported before the imports
    import pandas as pd

    from .. import results
    from ..analysis import inputs
    from ..analysis.robustness import robustness

    df, _ = inputs.load_results(args.results)
    table = robustness(df, args.state, args.outcome, above=args.above, below=args.below, share=args.share)
    a = table.attrs
    n_draws = int(table["draws"].max()) if len(table) else 0
    print(
        f"{int(table['robust'].sum())} of {len(table)} design points are robust: {a['criterion']} in at least "
        f"{100 * a['share']:g}% of {n_draws} posterior draws (each draw's mean over its replicates)"
    )
    with pd.option_context("display.width", 200, "display.max_rows", 1000):
        print(table.round(3).to_string(index=False))
    if args.out:
        print(f"wrote {results.write_csv(table, args.out)}")
    return 0
