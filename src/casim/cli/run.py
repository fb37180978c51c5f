"""``casim run``, ``casim check`` and ``casim schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import CasimError
from .early import ENGINES, add_posterior_args, posterior_from, scenario_arg
from .progress import bar

# the engines, pandas and the scenario model are imported by each command, not here: building the parser
# (every `casim` command, `--help` and argument errors) stays fast (benchmarks/bench_startup.py)


def register(sub) -> None:
    p = sub.add_parser("run", help="run a scenario file and write the results table")
    p.add_argument(
        "scenario", help="scenario YAML file, or the name of a shipped scenario (baseline, sanctions_tighten, ...)"
    )
    p.add_argument(
        "--out",
        help="output folder (default: results/<scenario name made safe>; with --set, results/<name>--set-<hash of the "
        "overrides>, so an override never replaces the plain run)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a folder holding other results (another scenario, other --set, a comparison, a sweep store)",
    )
    p.add_argument("--replicates", type=int, help="number of replicates (default: the file's)")
    p.add_argument("--seed", type=int, help="base seed (default: the file's)")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter, e.g. west.sanctions=0.8"
    )
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    p.add_argument(
        "--engine", choices=ENGINES, default="ensemble", help="ensemble (fast, default) or mesa (one model per run)"
    )
    p.add_argument(
        "--verbose", action="store_true", help="also print which kernel runs the ensemble (fused with numba, or numpy)"
    )
    add_posterior_args(
        p,
        "shipped",
        "the scenario runs over posterior draws x --replicates per draw (default: the file's, at most 20), with a "
        "draw column; 'none': the parameters' point values, --replicates runs, default folder results/NAME--point",
    )
    p.set_defaults(func=cmd_run)

    c = sub.add_parser("check", help="validate scenario files without running them")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=cmd_check)

    s = sub.add_parser("schema", help="print the JSON Schema of scenario files (--sweep: of sweep files)")
    s.add_argument("--sweep", action="store_true", help="the schema of sweep files instead (casim sweep)")
    s.set_defaults(func=cmd_schema)


def cmd_run(args) -> int:
    scenario_arg(args.scenario)  # a missing file is reported before the imports
    from .. import api, folders
    from ..scenario import load_scenario, parse_set

    post = posterior_from(args.posterior, args.draws, "shipped")
    overrides = parse_set(args.set)
    scenario = load_scenario(args.scenario, overrides)
    sets = [f"{k}={v}" for k, v in overrides]
    out = Path(args.out) if args.out else folders.run_folder(scenario.name, sets, _variant(post))
    n = scenario.replicates if args.replicates is None else args.replicates
    if post is not None:
        from ..uncertainty import run_count

        n = run_count(scenario, post, args.draws, args.replicates)
    if args.verbose:
        from ..ensemble import describe_kernel

        mesa = "kernel: none (the mesa engine: one model a run)"
        print(describe_kernel(n * scenario.steps) if args.engine == "ensemble" else mesa)
    api.check_disk_fits(scenario, n, out)  # before the folder is locked or made; the table is streamed, not held
    # the folder is locked and checked before the run, and replaced as a whole after it
    what = folders.describe_run(scenario.name, sets)
    with folders.replacing(out, "run", what, args.overwrite) as new, bar(n, desc=scenario.name) as advance:
        if post is None:
            table, summary, _ = api.run_to(
                new, scenario, args.replicates, args.seed, args.engine, args.format, advance, {"set": sets}
            )
        else:
            from .. import uncertainty

            table, summary, manifest = uncertainty.run_to(
                new,
                scenario,
                post,
                args.draws,
                args.replicates,
                args.seed,
                args.engine,
                args.format,
                advance,
                {"set": sets},
            )
    header = scenario.name + (" with --set " + " ".join(sets) if sets else "")
    runs = f"{n} replicate(s)"
    if post is not None:
        d = manifest["posterior"]["draws"]
        runs = f"{n} run(s): {d} posterior draw(s) x {n // d} replicate(s) ({manifest['posterior']['file']})"
    print(f"{header}: {runs}, {scenario.start}..{scenario.end}; mean shares at {scenario.dates()[-1]}:")
    print(summary.round(3).to_string())
    print(f"wrote {out / table.name} and {out / 'manifest.json'}")
    return 0


def _variant(post) -> str | None:
    """The default folder's suffix for a run over ``post``: none for the shipped posterior, 'point' without one,
    'posterior-<first 8 hex digits of its SHA-256>' for another fit."""
    from ..posterior import shipped_folder

    if post is None:
        return "point"
    if Path(post.source).resolve() == (shipped_folder() / "draws.parquet").resolve():
        return None
    return "posterior-" + post.sha256()[:8]


def cmd_check(args) -> int:
    from ..scenario import load_scenario

    failed = 0
    for f in args.files:
        try:
            sc = load_scenario(f)
        except CasimError as e:
            print(f"casim: error: {e}", file=sys.stderr)
            failed += 1
            continue
        n_shocks = len({sh.id for sh in sc.shocks})
        print(f"{f}: ok ({sc.name}: {sc.start}..{sc.end}, {len(sc.powers)} powers, {n_shocks} shock(s))")
    return 2 if failed else 0


def cmd_schema(args) -> int:
    if args.sweep:
        from ..sweep.schema import json_schema
    else:
        from ..scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0
