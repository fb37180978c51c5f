"""``casim ideal-points``: a scenario's projected UN ideal points over the fitted posterior."""

from __future__ import annotations

from .early import scenario_arg
from .progress import bar


def register(sub) -> None:
    p = sub.add_parser(
        "ideal-points",
        help="project each state's UN ideal point per year (posterior draws x replicates, 90%% interval)",
    )
    p.add_argument(
        "scenario", help="scenario YAML file, or the name of a shipped scenario (baseline, hindcast_2021, ...)"
    )
    p.add_argument("--replicates", type=int, help="replicates per posterior draw (default: the scenario's)")
    p.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    p.add_argument("--posterior", metavar="DIR", help="posterior folder with draws.parquet (default: the shipped fit)")
    p.add_argument("--draws", type=int, metavar="N", help="use N posterior draws, chosen reproducibly from the seed")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario parameter")
    p.add_argument("--out", metavar="CSV", help="write the table here (default: print it)")
    p.set_defaults(func=cmd_ideal_points)


def cmd_ideal_points(args) -> int:
    scenario_arg(args.scenario)  # a missing file is reported before the imports
    from .. import ideal_points, posterior, results
    from ..api import replicate_seeds
    from ..scenario import load_scenario, parse_set

    scenario = load_scenario(args.scenario, parse_set(args.set))
    n, seed, _ = replicate_seeds(scenario, args.replicates, args.seed)
    post = posterior.load(args.posterior).subset(args.draws, seed)
    with bar(n * len(post), desc=scenario.name) as advance:
        df = ideal_points.project(scenario, post, n, seed, progress=advance)
    header = f"{scenario.name}: {len(post)} posterior draw(s) x {n} replicate(s), seed {seed}, posterior {post.source}"
    if args.out:
        out = results.write_csv(df.round(4), args.out)
        print(f"{header}; wrote {len(df)} rows to {out}")
    else:
        print(f"# {header}")
        print(df.to_csv(index=False, float_format="%.4f"), end="")
    return 0
