"""``casim report``: one self-contained HTML brief on one or more scenarios."""

from __future__ import annotations

import sys

from .early import existing, scenario_arg

# casim.report (and with it the model, the analysis and matplotlib) is imported inside the command, so that
# building the parser for `casim --help` stays fast


def register(sub) -> None:
    r = sub.add_parser(
        "report",
        help="write one self-contained HTML report on scenarios: assumptions, shares, baseline, votes, drivers",
    )
    r.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario files or names of shipped scenarios (sanctions_tighten)",
    )
    r.add_argument("--out", default="report.html", metavar="FILE.html", help="the report (default: report.html)")
    r.add_argument("--baseline", metavar="FILE", help="the scenario to compare with (default: the shipped baseline)")
    r.add_argument(
        "--replicates",
        type=int,
        help="replicates per posterior draw (default: the first scenario's, at most 20); with --posterior none, per "
        "scenario (default: the first scenario's)",
    )
    r.add_argument("--seed", type=int, help="base seed shared by every run (default: the first scenario's)")
    r.add_argument(
        "--resolutions",
        metavar="FILE",
        help="UN texts to project the votes on (default: the shipped resolutions/unga_held_out.yaml); "
        "texts outside the scenarios' horizon are listed, not projected",
    )
    r.add_argument("--draws", type=int, help="posterior draws behind the runs and the projected votes (default 20)")
    r.add_argument(
        "--posterior",
        metavar="none|shipped|FILE",
        help="what the scenarios run over: the shipped posterior's draws (default), another fit (a folder with "
        "draws.parquet), or 'none': the parameters' point values, whose comparison interval is the noise only",
    )
    r.add_argument(
        "--sweep",
        metavar="DIR",
        help="a Morris or Sobol sweep store whose indices say what drives the result "
        "(default: a one-at-a-time run of the uncertain parameters)",
    )
    r.add_argument(
        "--sensitivity-replicates",
        type=int,
        metavar="N",
        help="replicates per level of the one-at-a-time run (default 20)",
    )
    r.set_defaults(func=cmd_report)


OPTIONS = ("replicates", "seed", "draws", "posterior", "sensitivity_replicates", "resolutions", "sweep", "baseline")


def cmd_report(args) -> int:
    for arg in args.scenarios:  # a missing input is reported before the imports
        scenario_arg(arg)
    existing(args.baseline, args.resolutions, args.sweep)
    from ..report import Settings, report

    given = {name: getattr(args, name) for name in OPTIONS if getattr(args, name) is not None}
    stages = iter(range(1, 100))

    def progress(text: str) -> None:
        print(f"report [{next(stages)}] {text}", file=sys.stderr, flush=True)

    command = ["casim", "report", *args.scenarios, "--out", args.out]
    command += [f"--{k.replace('_', '-')}={v}" for k, v in given.items()]
    out = report(args.scenarios, args.out, Settings(**given), progress, command=command)
    print(f"wrote {out}")
    return 0
