"""``casim votes``, ``casim validate`` and ``casim calibrate``."""

from __future__ import annotations

import sys
from pathlib import Path

from .. import shipped
from .early import add_posterior_args, existing, posterior_from, scenario_arg
from .progress import bar

# the model, pandas and the vote model are imported by each command, not here: building the parser stays fast

SHIPPED = shipped.DEFAULT_FILES


def register(sub) -> None:
    v = sub.add_parser("votes", help="project each state's vote on described UN General Assembly texts")
    v.add_argument(
        "scenario", help="scenario YAML file, or the name of a shipped scenario (baseline, hindcast_2021, ...)"
    )
    v.add_argument(
        "--resolutions",
        metavar="FILE",
        help=f"resolutions YAML file (id, date, kind per text; default: the shipped {SHIPPED['resolutions']})",
    )
    v.add_argument("--replicates", type=int, help="number of replicates (default: the scenario's)")
    v.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    v.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario parameter")
    v.add_argument("--out", metavar="CSV", help="write the table here (default: print it)")
    add_posterior_args(v, "shipped", VOTES_POSTERIOR)
    v.set_defaults(func=cmd_votes)

    s = sub.add_parser(
        "validate",
        help="score the documented stylized facts on the baseline and the 2021 hindcast (exit 1 if one fails)",
    )
    _scenario_args(s)
    s.add_argument(
        "--held-out",
        metavar="FILE",
        help=f"out-of-sample vote records, reported only (default: the shipped {SHIPPED['held_out']}; 'none' to skip)",
    )
    s.add_argument("--replicates", type=int, help="replicates per scenario (default: each scenario's)")
    s.add_argument("--seed", type=int, help="base seed (default: each scenario's)")
    s.add_argument(
        "--out", metavar="CSV", help="also write the scorecard table here, and the skill table beside it (*_skill.csv)"
    )
    add_posterior_args(s, "shipped", VOTES_POSTERIOR)
    s.set_defaults(func=cmd_validate)

    c = sub.add_parser("calibrate", help="fit the uncertain parameters to the scorecard targets by ABC rejection")
    _scenario_args(c)
    c.add_argument("--draws", type=int, default=20000, help="prior draws (default 20000)")
    c.add_argument("--replicates", type=int, default=4, help="replicates per draw and scenario (default 4)")
    c.add_argument("--quantile", type=float, default=0.02, help="share of draws accepted, closest first (default 0.02)")
    c.add_argument("--seed", type=int, default=2023, help="seed of the prior draws and replicates (default 2023)")
    c.add_argument("--out", default="calibration", help="output folder (default: calibration/)")
    c.set_defaults(func=cmd_calibrate)


VOTES_POSTERIOR = (
    "posterior draws of the measurement model behind the votes; 'none' = the kind-based logit of data/votes.yaml, "
    "the reference path"
)


def _posterior(args):
    """The posterior named by ``--posterior`` (None for 'none'; the shipped one by default), its draws checked."""
    return posterior_from(args.posterior, args.draws, "shipped")


def _scenario_args(p) -> None:
    for name, key, what in (
        ("--baseline", "baseline", "baseline scenario"),
        ("--hindcast", "hindcast", "hindcast scenario"),
        ("--resolutions", "resolutions", "fitted vote records"),
    ):
        p.add_argument(name, metavar="FILE", help=f"{what} (default: the shipped {SHIPPED[key]})")


def _inputs(args) -> tuple:
    """The baseline, the hindcast and the fitted records: the given files or the shipped ones."""
    from ..scenario import load_scenario

    baseline = load_scenario(args.baseline or shipped.default_file("baseline"))
    hindcast = load_scenario(args.hindcast or shipped.default_file("hindcast"))
    fitted = args.resolutions or shipped.default_file("resolutions")
    return baseline, hindcast, fitted


def cmd_votes(args) -> int:
    scenario_arg(args.scenario)  # a missing file is reported before the imports
    existing(args.resolutions)
    from .. import projection, results, votes
    from ..api import replicate_seeds
    from ..scenario import load_scenario, parse_set

    scenario = load_scenario(args.scenario, parse_set(args.set))
    resolutions = votes.read_resolutions(args.resolutions or shipped.default_file("resolutions"))
    post = _posterior(args)
    n, seed, _ = replicate_seeds(scenario, args.replicates, args.seed)
    runs = n if post is None else n * len(post.subset(args.draws, seed))
    with bar(runs, desc=scenario.name) as advance:
        df = projection.run_votes(
            scenario, resolutions, args.replicates, args.seed, progress=advance, posterior=post, draws=args.draws
        )
    a = df.attrs
    header = f"{scenario.name}: {n} replicate(s), seed {a['seed']}; {a['model']}" + (
        f", posterior {a['posterior']}, {a['draws']} draw(s) (chosen with seed {a['seed']})" if post else ""
    )
    if args.out:
        out = results.write_csv(df.round(4), args.out)
        print(f"{header}; wrote {len(df)} rows to {out}")
    else:
        print(f"# {header}", file=sys.stderr)
        print(df.to_csv(index=False, float_format="%.4f"), end="")
    return 0


def cmd_validate(args) -> int:
    existing(args.baseline, args.hindcast, args.resolutions)  # a missing file is reported before the imports
    existing(None if args.held_out in ("", "none") else args.held_out)
    from .. import heldout, results, validation

    baseline, hindcast, fitted = _inputs(args)
    held_out = None if args.held_out in ("", "none") else args.held_out or shipped.default_file("held_out")
    resolutions = validation.resolutions(fitted, held_out)
    card = validation.scorecard(baseline, hindcast, resolutions, args.replicates, args.seed)
    fitted_rows = card[card["role"] == "fitted"]
    print(
        f"scorecard: {baseline.name} and {hindcast.name} at the parameters' point values "
        "(documented facts: docs/validation.md)"
    )
    for _, r in fitted_rows.iterrows():
        print(f"{'PASS' if r['passed'] else 'FAIL'}  {r['scenario']:<14} {r['date']}  {r['claim']}: {r['measured']}")
    summary = validation.held_out_summary(card)
    if summary.votes:
        print(summary.describe())
        for _, r in card[card["role"] == "held_out"].iterrows():
            print(
                f"{'hit ' if r['passed'] else 'miss'}  {r['scenario']:<14} {r['date']}  {r['claim']}: {r['measured']}"
            )
    post = _posterior(args)
    drawn = None
    if post is not None:
        drawn = validation.over_posterior(baseline, hindcast, post, args.draws, args.replicates, args.seed)
        print(validation.describe_over_posterior(drawn, args.posterior or "shipped"))
    table = heldout.skill_table(hindcast, resolutions, post, args.draws, args.replicates, args.seed)
    print(heldout.describe(table))
    if args.out:
        results.write_csv(card, args.out)
        out = Path(args.out)
        results.write_csv(table, out.with_name(f"{out.stem}_skill.csv"))
        if drawn is not None:
            results.write_csv(drawn, out.with_name(f"{out.stem}_posterior.csv"))
    failed = validation.failures(card)
    print(f"{len(fitted_rows) - len(failed)}/{len(fitted_rows)} fitted checks pass at the point values")
    return 1 if len(failed) else 0


def cmd_calibrate(args) -> int:
    from .. import calibrate, validation

    calibrate.check_settings(args.draws, args.replicates, args.quantile, args.seed)  # settings first, then files
    existing(args.baseline, args.hindcast, args.resolutions)
    baseline, hindcast, fitted = _inputs(args)
    resolutions = validation.resolutions(fitted)
    with bar(args.draws, unit="draw", desc="ABC") as advance:
        cal = calibrate.run_abc(
            baseline,
            hindcast,
            resolutions,
            draws=args.draws,
            replicates=args.replicates,
            quantile=args.quantile,
            seed=args.seed,
            progress=advance,
        )
    path = calibrate.write_calibration(cal, args.out)
    print(calibrate.report(cal.summary))
    print(f"wrote {path} and {Path(args.out) / 'summary.json'}")
    return 0
