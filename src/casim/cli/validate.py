"""``casim votes``, ``casim validate`` and ``casim calibrate``."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from .. import observables, validation
from ..scenario import load_scenario, parse_set
from .progress import bar

BASELINE = "scenarios/baseline.yaml"
HINDCAST = "scenarios/hindcast_2021.yaml"
FITTED = "scenarios/resolutions/unga_es11_6.yaml"
HELD_OUT = "scenarios/resolutions/unga_held_out.yaml"


def register(sub) -> None:
    v = sub.add_parser("votes", help="project each state's vote on described UN General Assembly texts")
    v.add_argument("scenario", help="scenario YAML file")
    v.add_argument("--resolutions", required=True, metavar="FILE", help="resolutions YAML file (id, date, kind per text)")
    v.add_argument("--replicates", type=int, help="number of replicates (default: the scenario's)")
    v.add_argument("--seed", type=int, help="base seed (default: the scenario's)")
    v.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario parameter")
    v.add_argument("--out", metavar="CSV", help="write the table here (default: print it)")
    v.set_defaults(func=cmd_votes)

    s = sub.add_parser(
        "validate",
        help="score the documented stylized facts on the baseline and the 2021 hindcast (exit 1 if one fails)",
    )
    _scenario_args(s)
    s.add_argument("--held-out", default=HELD_OUT, metavar="FILE", help=f"out-of-sample vote records, reported only (default {HELD_OUT}; 'none' to skip)")
    s.add_argument("--replicates", type=int, help="replicates per scenario (default: each scenario's)")
    s.add_argument("--seed", type=int, help="base seed (default: each scenario's)")
    s.add_argument("--out", metavar="CSV", help="also write the scorecard table here")
    s.set_defaults(func=cmd_validate)

    c = sub.add_parser("calibrate", help="fit the uncertain parameters to the scorecard targets by ABC rejection")
    _scenario_args(c)
    c.add_argument("--draws", type=int, default=20000, help="prior draws (default 20000)")
    c.add_argument("--replicates", type=int, default=4, help="replicates per draw and scenario (default 4)")
    c.add_argument("--quantile", type=float, default=0.02, help="share of draws accepted, closest first (default 0.02)")
    c.add_argument("--seed", type=int, default=2023, help="seed of the prior draws and replicates (default 2023)")
    c.add_argument("--out", default="calibration", help="output folder (default: calibration/)")
    c.set_defaults(func=cmd_calibrate)


def _scenario_args(p) -> None:
    p.add_argument("--baseline", default=BASELINE, metavar="FILE", help=f"baseline scenario (default {BASELINE})")
    p.add_argument("--hindcast", default=HINDCAST, metavar="FILE", help=f"hindcast scenario (default {HINDCAST})")
    p.add_argument("--resolutions", default=FITTED, metavar="FILE", help=f"fitted vote records (default {FITTED})")


def write_csv(df, path):
    from ..analysis.inputs import write_csv  # analysis pulls in SALib and scipy: only when writing

    return write_csv(df, path)


def cmd_votes(args) -> int:
    scenario = load_scenario(args.scenario, parse_set(args.set))
    resolutions = observables.read_resolutions(args.resolutions)
    observables.check_horizon(resolutions, scenario)
    n = scenario.replicates if args.replicates is None else args.replicates
    with bar(n, desc=scenario.name) as advance:
        df = observables.votes(scenario, resolutions, args.replicates, args.seed, progress=advance)
    if args.out:
        out = write_csv(df.round(4), args.out)
        print(f"{scenario.name}: {n} replicate(s), seed {df.attrs['seed']}; wrote {len(df)} rows to {out}")
    else:
        print(df.to_csv(index=False, float_format="%.4f"), end="")
    return 0


def cmd_validate(args) -> int:
    baseline = load_scenario(args.baseline)
    hindcast = load_scenario(args.hindcast)
    held_out = None if args.held_out in (None, "", "none") else args.held_out
    resolutions = validation.resolutions(args.resolutions, held_out, hindcast)
    card = validation.scorecard(baseline, hindcast, resolutions, args.replicates, args.seed)
    fitted = card[card["role"] == "fitted"]
    print(f"scorecard: {baseline.name} and {hindcast.name} (documented facts: docs/validation.md)")
    for _, r in fitted.iterrows():
        print(f"{'PASS' if r['passed'] else 'FAIL'}  {r['scenario']:<14} {r['date']}  {r['claim']}: {r['measured']}")
    held = card[card["role"] == "held_out"]
    if len(held):
        hits = int(held["passed"].sum())
        naive = int(held["persistence"].astype(bool).sum())
        print(
            f"held-out votes (out of sample, not fitted; reported only): {hits}/{len(held)} projected as recorded "
            f"(naive comparator, each state repeating its fitted vote: {naive}/{len(held)})"
        )
        for _, r in held.iterrows():
            print(f"{'hit ' if r['passed'] else 'miss'}  {r['scenario']:<14} {r['date']}  {r['claim']}: {r['measured']}")
    if args.out:
        write_csv(card, args.out)
    failed = validation.failures(card)
    print(f"{len(fitted) - len(failed)}/{len(fitted)} fitted checks pass")
    return 1 if len(failed) else 0


def cmd_calibrate(args) -> int:
    from .. import calibrate

    baseline = load_scenario(args.baseline)
    hindcast = load_scenario(args.hindcast)
    resolutions = observables.read_resolutions(args.resolutions)
    with bar(args.draws, unit="draw", desc="ABC") as advance:
        cal = calibrate.run(
            baseline, hindcast, resolutions, draws=args.draws, replicates=args.replicates,
            quantile=args.quantile, seed=args.seed, progress=advance,
        )
    path = calibrate.write(cal, args.out)
    s = cal.summary
    print(
        f"ABC rejection: {s['draws']} draws x {s['replicates']} replicates; accepted {s['accepted']} "
        f"(distance <= {s['threshold']:.4g}); {s['prior_passing_all']:.1%} of prior draws pass every target"
    )
    print(f"{'parameter':<36} {'prior':>15} {'before':>8} {'median':>8} {'90% interval':>17} {'shrink':>7} {'p/p0':>5}  shipped")
    for r in s["parameters"]:
        prior = f"[{r['prior_low']:g}, {r['prior_high']:g}]"
        interval = f"[{r['posterior_q05']:.3f}, {r['posterior_q95']:.3f}]"
        mark = "(identified)" if r["identified"] else "(not identified: kept)"
        print(
            f"{r['parameter']:<36} {prior:>15} {r['before']:>8.3f} {r['posterior_median']:>8.3f} {interval:>17} "
            f"{r['shrinkage']:>7.2f} {r['density_ratio_at_before']:>5.2f}  {r['shipped']:.3f} {mark}"
        )
    print("shrink: 1 - posterior/prior 90% interval width; p/p0: posterior/prior density at the value before")
    sp = s["shipped_point"]
    print(f"shipped point: distance {sp['distance']:.4g}, {sp['failed']} fitted check(s) failing with {sp['verify_replicates']} fresh replicates")
    print("not fitted (no target informs them): " + "; ".join(s["unfitted"]))
    print("the shipped point as scenario overrides (scenarios/baseline.yaml pins model and states; data/votes.yaml the votes):")
    print(yaml.safe_dump(s["baseline_overrides"], sort_keys=False).rstrip())
    print(f"wrote {path} and {Path(args.out) / 'summary.json'}", file=sys.stdout)
    return 0
