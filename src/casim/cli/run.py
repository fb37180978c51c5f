"""``casim run``, ``casim check`` and ``casim schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import api, results
from ..errors import CasimError
from ..scenario import json_schema, load_scenario, parse_set
from .progress import bar


def register(sub) -> None:
    p = sub.add_parser("run", help="run a scenario file and write the results table")
    p.add_argument(
        "scenario", help="scenario YAML file, or the name of a shipped scenario (baseline, sanctions_tighten, ...)"
    )
    p.add_argument("--out", help="output folder (default: results/<scenario name>)")
    p.add_argument("--replicates", type=int, help="number of replicates (default: the file's)")
    p.add_argument("--seed", type=int, help="base seed (default: the file's)")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a parameter, e.g. west.sanctions=0.8"
    )
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    p.add_argument(
        "--engine", choices=api.ENGINES, default="ensemble", help="ensemble (fast, default) or mesa (one model per run)"
    )
    p.set_defaults(func=cmd_run)

    c = sub.add_parser("check", help="validate scenario files without running them")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=cmd_check)

    s = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    s.set_defaults(func=cmd_schema)


def cmd_run(args) -> int:
    scenario = load_scenario(args.scenario, parse_set(args.set))
    n = scenario.replicates if args.replicates is None else args.replicates
    with bar(n, desc=scenario.name) as advance:
        df = api.run(scenario, replicates=args.replicates, seed=args.seed, engine=args.engine, progress=advance)
    out = Path(args.out) if args.out else Path("results") / scenario.name
    path = results.write(df, df.attrs["manifest"], out, args.format)
    last = df["date"].iloc[-1]
    print(f"{scenario.name}: {n} replicate(s), {scenario.start}..{scenario.end}; mean shares at {last}:")
    print(api.summary(df).round(3).to_string())
    print(f"wrote {path} and {out / 'manifest.json'}")
    return 0


def cmd_check(args) -> int:
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
    print(json.dumps(json_schema(), indent=2))
    return 0
