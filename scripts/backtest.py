"""Rolling-origin backtests inside the 1992-2021 window, and the implied 2021 ideal points.

Folds: fit on the 8 years up to 2013, predict 2014-2017; fit on the 8 years up
to 2017, predict 2018-2021. Each fold is a fresh emcee fit (fit.run) on its own
window; predictions are scored against the model's simple rivals (casim.skill).
The implied 2021 ideal points come from the shipped posterior (data/posterior).

    PYTHONPATH=src python3 scripts/backtest.py [--steps N] [--out src/casim/data/posterior/backtest.json]

The report is package data (``casim validate`` prints its skill table from it,
casim.heldout, without re-running the fits); a byte-identical copy is written
to docs/measurement_backtest.json, which docs/measurement.md cites.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

import casim
from casim import fit, skill, unga
from casim import measurement as M

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = ROOT / "scenarios" / "hindcast_2021.yaml"
FOLDS = ((2013, 2014, 2017), (2017, 2018, 2021))
WINDOW_YEARS = 8


def model_vote_probs(problem, draws, data) -> np.ndarray:
    a = problem.alignment(draws)
    c = problem.measurement(draws)
    p = M.vote_probabilities(a, data, c, problem.states)
    return p.mean(0)  # (S, N, 4)


def vote_fold(problem, draws, origin, p_first, p_last):
    states = problem.states
    hist = unga.vote_data(1992, p_last, problem.powers, states)
    S = len(states)
    pers = hist["previous"]
    rus = skill.as_russia(hist["power_votes"][:, problem.powers.index("russia")], S)
    abst = skill.all_abstain(states, len(hist["year"]))
    train = (hist["year"] >= origin - WINDOW_YEARS + 1) & (hist["year"] <= origin) & (hist["contested"] > 0)
    pred_years = (hist["year"] >= p_first) & (hist["year"] <= p_last)
    obs = hist["votes"]
    rivals = {"persistence": pers, "as_russia": rus, "all_abstain_tkm_absent": abst}
    hit = {k: skill.hit_rate(f[:, train].ravel(), obs[:, train].ravel()) for k, f in rivals.items()}
    pred = unga.vote_data(p_first, p_last, problem.powers, states)
    pm = model_vote_probs(problem, draws, pred)  # (S, Np, 4)
    out = {"hit_rates_training": hit}
    for label, sel in (("ukraine_crimea", hist["ukraine"]), ("contested", hist["contested"] > 0)):
        mask = pred_years & sel
        sub = mask[pred_years]
        o = obs[:, mask].ravel()
        table = {"model": skill.scores(pm[:, sub].reshape(-1, 4), o)}
        for k, f in rivals.items():
            table[k] = skill.scores(skill.as_probabilities(f[:, mask].ravel(), hit[k]), o, forecast=f[:, mask].ravel())
        out[label] = table
        out[label + "_texts"] = sorted(set(hist["resolution"][mask])) if label == "ukraine_crimea" else int(mask.sum())
    return out


def ideal_fold(problem, draws, origin, p_first, p_last, seed):
    states = problem.states
    d = unga.ideal_point_data(1992, p_last, states)
    years = d["years"]
    pred = (years >= p_first) & (years <= p_last)
    obs = d["ip"][:, pred]
    a = problem.alignment(draws)
    c = problem.measurement(draws)
    mu = M.expected_ideal_point(a, d["powers"][pred], c["b"], c["lam"])  # (W, S, T)
    rng = np.random.default_rng(seed)
    sd = np.sqrt(c["sigma"][:, None, None] ** 2 + d["se"][:, pred][None] ** 2)
    sims = mu + sd * rng.standard_normal(mu.shape)
    model = (mu.mean(0), np.quantile(sims, 0.05, 0), np.quantile(sims, 0.95, 0))
    train = years <= origin
    prev = d["ip"][:, np.flatnonzero(pred) - 1]
    z = 1.6448536
    diffs = np.diff(d["ip"][:, train], axis=1)
    sd_p = np.nanstd(diffs, axis=1, ddof=1)[:, None]
    persistence = (prev, prev - z * sd_p, prev + z * sd_p)
    ar = [skill.ar1_fit(d["ip"][s, train]) for s in range(len(states))]
    cc = np.array([r[0] for r in ar])[:, None]
    ph = np.array([r[1] for r in ar])[:, None]
    rs = np.array([r[2] for r in ar])[:, None]
    ar_mean = cc + ph * prev
    ar1 = (ar_mean, ar_mean - z * rs, ar_mean + z * rs)
    out = {}
    for k, (m, lo, hi) in {"model": model, "persistence": persistence, "ar1": ar1}.items():
        out[k] = {"rmse": skill.rmse(m, obs), "coverage90": skill.coverage(lo, hi, obs)}
    return out


def measured_order_reliability(measured: np.ndarray, d: dict, seed: int = 2021, n: int = 4000) -> dict:
    """How stable the measured 2021 order of the five is: against 2020's order, against the 2014-2020 mean,
    and against re-measurements drawn from the BSV estimates' own errors (seeded)."""
    ip, se = d["ip"], d["se"]
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    again = measured[None] + se[:, -1][None] * rng.standard_normal((n, len(measured)))
    rho = np.array([skill.spearman(measured, x) for x in again])
    return {
        "measured_spearman_2020_vs_2021": skill.spearman(ip[:, -2], measured),
        "measured_spearman_mean_2014_2020_vs_2021": skill.spearman(np.nanmean(ip[:, :-1], axis=1), measured),
        "remeasurement_spearman_mean": float(rho.mean()),
        "remeasurement_share_at_least_0_8": float(np.mean(rho >= 0.8)),
        "remeasurement_seed": seed,
    }


def implied_order(manifest: dict) -> dict:
    imp = manifest["implied_2021"]
    model, measured = np.array(imp["mean"]), np.array(imp["measured"])
    pw = imp["powers_2021"]
    d = unga.ideal_point_data(2014, 2021)
    mean_14_21 = np.nanmean(d["ip"], axis=1)
    q5, q95 = np.array(imp["measured_q05"]), np.array(imp["measured_q95"])
    S = len(model)
    overlaps = [
        (imp["states"][i], imp["states"][j])
        for i in range(S)
        for j in range(i + 1, S)
        if q5[i] <= q95[j] and q5[j] <= q95[i]
    ]
    return {
        "states": imp["states"],
        "model_2021": model.round(3).tolist(),
        "measured_2021": measured.round(3).tolist(),
        "spearman_2021": skill.spearman(model, measured),
        "spread_ratio_2021": skill.spread_ratio(model, measured),
        "measured_mean_2014_2021": mean_14_21.round(3).tolist(),
        "spearman_mean_2014_2021": skill.spearman(model, mean_14_21),
        "spread_ratio_mean_2014_2021": skill.spread_ratio(model, mean_14_21),
        "closer_to_russia_and_china_than_west": [
            bool(abs(m - pw["russia"]) < abs(m - pw["west"]) and abs(m - pw["china"]) < abs(m - pw["west"]))
            for m in model
        ],
        "measured_90pct_intervals_overlapping_pairs": f"{len(overlaps)} of {S * (S - 1) // 2}",
        **measured_order_reliability(measured, d),
        "predictive": imp.get("predictive"),
        "measured_q05_2021": q5.round(3).tolist(),
        "measured_q95_2021": q95.round(3).tolist(),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20131231)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--walkers", type=int, default=80)
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "casim" / "data" / "posterior" / "backtest.json")
    ap.add_argument(
        "--implied-only",
        action="store_true",
        help="keep the folds of the report at --out and recompute only its implied 2021 ideal points (after a refit)",
    )
    args = ap.parse_args(argv)
    scenario = casim.load_scenario(SCENARIO)
    report = {"folds": {}}
    if args.implied_only:
        report["folds"] = json.loads(args.out.read_text())["folds"]
    for origin, p_first, p_last in () if args.implied_only else FOLDS:
        res = fit.run(
            scenario,
            seed=args.seed + origin,
            walkers=args.walkers,
            steps=args.steps,
            burn=args.steps // 2,
            draws=400,
            first=origin - WINDOW_YEARS + 1,
            last=origin,
        )
        problem, draws = res["problem"], res["draws"]
        unga.check_years(problem.votes["year"], "fitted roll call")
        assert problem.votes["year"].max() <= origin and problem.ideal["years"].max() <= origin
        fold = {
            "fit_window": [origin - WINDOW_YEARS + 1, origin],
            "predict": [p_first, p_last],
            "acceptance": res["acceptance"],
            "seconds": round(res["seconds"], 1),
            "votes": vote_fold(problem, draws, origin, p_first, p_last),
            "ideal_points": ideal_fold(problem, draws, origin, p_first, p_last, args.seed),
            "posterior_mean": dict(zip(fit.PARAMETERS, draws.mean(0).round(3).tolist(), strict=False)),
        }
        report["folds"][f"{p_first}-{p_last}"] = fold
        print(f"fold {p_first}-{p_last}: {res['seconds']:.0f}s", flush=True)
    manifest = json.loads((ROOT / "src" / "casim" / "data" / "posterior" / "manifest.json").read_text())
    report["implied_2021"] = implied_order(manifest)
    text = json.dumps(report, indent=2) + "\n"
    args.out.write_text(text)
    (ROOT / "docs" / "measurement_backtest.json").write_text(text)
    for name, fold in report["folds"].items():
        for label in ("ukraine_crimea", "contested"):
            print(f"\n{name} {label} ({fold['votes'][label + '_texts']})")
            print(pd.DataFrame(fold["votes"][label]).T.round(3).to_string())
        print(pd.DataFrame(fold["ideal_points"]).T.round(3).to_string())
    print(json.dumps(report["implied_2021"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
