"""Fit casim's start equilibrium and the measurement model to the UN record (<= 2021) with emcee.

Writes src/casim/data/posterior/{draws.parquet, manifest.json, identification.csv}.
Deterministic for a given seed (emcee's RandomState and the initial positions are seeded).

    PYTHONPATH=src python3 scripts/fit_posterior.py [--seed N] [--steps N] [--walkers N] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

import casim
from casim import fit, skill, unga
from casim import measurement as M

ROOT = Path(__file__).resolve().parents[1]

SCENARIO = ROOT / "scenarios" / "hindcast_2021.yaml"


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def implied_2021(problem, draws: np.ndarray) -> dict:
    """Posterior mean and 90% interval of the five states' 2021 ideal points implied by the fitted model."""
    d = unga.ideal_point_data(2021, 2021, problem.states)
    a = problem.alignment(draws)
    c = problem.measurement(draws)
    mu = M.expected_ideal_point(a, d["powers"], c["b"], c["lam"])[:, :, 0]  # (W, S)
    # posterior predictive: what a measurement of the five would show under each draw (model error sigma
    # and the BSV estimate's own error se), and the spread and rank agreement such a measurement would have
    rng = np.random.default_rng(np.random.SeedSequence(2021))
    sd = np.sqrt(c["sigma"][:, None] ** 2 + d["se"][:, 0][None] ** 2)
    shift = c["tau"][:, None] * rng.standard_normal((len(mu), 1))  # the year's shift, common to the five
    rep = mu + shift + sd * rng.standard_normal(mu.shape)
    spread = np.ptp(rep, axis=1)
    rho = np.array([skill.spearman(m, r) for m, r in zip(mu, rep, strict=True)])
    measured = d["ip"][:, 0]
    return {
        "states": list(problem.states),
        "mean": mu.mean(0).tolist(),
        "q05": np.quantile(mu, 0.05, axis=0).tolist(),
        "q95": np.quantile(mu, 0.95, axis=0).tolist(),
        "measured": d["ip"][:, 0].tolist(),
        "measured_q05": d["q5"][:, 0].tolist(),
        "measured_q95": d["q95"][:, 0].tolist(),
        "powers_2021": dict(zip(["russia", "west", "china"], d["powers"][0].tolist(), strict=False)),
        "alignment_mean": a.mean(0).tolist(),
        "predictive": {
            "what": "posterior predictive of a measurement of the five 2021 ideal points: mean + the year's shift "
            "N(0, tau^2), common to the five, + N(0, sigma^2 + se^2) each",
            "seed": 2021,
            "spread_q05_q50_q95": np.quantile(spread, [0.05, 0.5, 0.95]).tolist(),
            "measured_spread": float(np.ptp(measured)),
            "measured_spread_percentile": float(np.mean(spread <= np.ptp(measured))),
            "spearman_latent_vs_replicate_q05_q50_q95": np.quantile(rho, [0.05, 0.5, 0.95]).tolist(),
            "measured_within_90pct_interval": [
                bool(lo <= m <= hi)
                for lo, hi, m in zip(np.quantile(rep, 0.05, 0), np.quantile(rep, 0.95, 0), measured, strict=True)
            ],
        },
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20211231)
    ap.add_argument("--walkers", type=int, default=80)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=4000)
    ap.add_argument("--burn", type=int, default=2000)
    ap.add_argument("--draws", type=int, default=400)
    ap.add_argument("--first", type=int, default=fit.DEFAULT_WINDOW[0])
    ap.add_argument("--last", type=int, default=fit.DEFAULT_WINDOW[1])
    ap.add_argument("--out", type=Path, default=ROOT / "src" / "casim" / "data" / "posterior")
    args = ap.parse_args(argv)

    scenario = casim.load_scenario(SCENARIO)
    res = fit.run(
        scenario,
        seed=args.seed,
        walkers=args.walkers,
        warmup=args.warmup,
        steps=args.steps,
        burn=args.burn,
        draws=args.draws,
        first=args.first,
        last=args.last,
    )
    problem, draws = res["problem"], res["draws"]
    args.out.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(draws, columns=list(fit.PARAMETERS))
    df["log_prob"] = res["log_prob"]
    df.to_parquet(args.out / "draws.parquet", index=False)
    ident = pd.DataFrame(fit.identification(scenario, draws))
    ident.to_csv(args.out / "identification.csv", index=False, float_format="%.4g")

    ll = problem.log_likelihood(draws)
    data_dir = resources.files("casim").joinpath("data", "unga")
    manifest = {
        "what": "posterior draws of casim's start-equilibrium parameters and the UN measurement model",
        "casim_version": casim.__version__,
        "scenario": str(SCENARIO.relative_to(ROOT)),
        "scenario_sha256": scenario.source_hash,
        "data_window": [args.first, args.last],
        "temporal_rule": "fitted only to UN records dated 2021 or earlier",
        "n_rollcalls": int(problem.votes["votes"].shape[1]),
        "n_ideal_points": int(np.isfinite(problem.ideal["ip"]).sum()),
        "sampler": {**res["settings"], "emcee_version": __import__("emcee").__version__},
        "acceptance_fraction": res["acceptance"],
        "autocorrelation_time": {
            k: (None if not np.isfinite(t) else float(t)) for k, t in zip(fit.PARAMETERS, res["tau"], strict=False)
        },
        "runtime_seconds": round(res["seconds"], 1),
        "parameters": list(fit.PARAMETERS),
        "not_in_start_equilibrium_kept_at_prior": list(fit.NOT_IN_START),
        "posterior_mean_log_likelihood": float(ll.mean()),
        "implied_2021": implied_2021(problem, draws),
        "files": {
            "draws.parquet": sha256(args.out / "draws.parquet"),
            "identification.csv": sha256(args.out / "identification.csv"),
            "rollcalls_1992_2021.csv": sha256(data_dir / "rollcalls_1992_2021.csv"),
            "ideal_points_1992_2021.csv": sha256(data_dir / "ideal_points_1992_2021.csv"),
            "directed.yaml": sha256(data_dir / "directed.yaml"),
        },
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"{res['seconds']:.1f}s acceptance {res['acceptance']:.2f} mean loglik {ll.mean():.1f}")
    print(
        ident[["parameter", "prior_width", "posterior_mean", "posterior_width", "ratio", "identified"]].to_string(
            index=False
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
