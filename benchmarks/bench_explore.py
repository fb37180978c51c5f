"""Time what one slider change of ``casim explore`` redraws: the single Mesa model and a 1,000-run ensemble.

Each redraw is the model (rebuilt and replayed to the horizon) or the ensemble (the changed settings and the
reference, on the same seeds), plus its figures built and rendered to PNG as the page does.

    python3 benchmarks/bench_explore.py [--runs 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import time
import warnings

import numpy as np

with warnings.catch_warnings():  # Mesa's SolaraViz warns about its own hooks when solara checks them
    warnings.simplefilter("ignore")
    from casim import app
from casim import load_scenario


def png(fig) -> None:
    fig.savefig(io.BytesIO(), format="png")


def single(scenario, values) -> tuple[float, float]:
    t0 = time.perf_counter()
    model = app.build_model(scenario, values, scenario.steps)
    traj = app.history(model)
    t1 = time.perf_counter()
    png(app.shares_figure(scenario, traj))
    png(app.triangle_figure(scenario, traj))
    png(app.vote_figure(scenario, traj[-1], app.TEXT_KINDS[0])[0])
    return t1 - t0, time.perf_counter() - t1


def ensemble(scenario, values, runs: int) -> tuple[float, float]:
    t0 = time.perf_counter()
    traj = app.run_ensemble(scenario, values, runs)
    ref = app.run_ensemble(app.reference(scenario), {}, runs)
    app.horizon_difference(scenario, traj, ref)
    band = np.quantile(traj, [0.05, 0.95], axis=0)
    t1 = time.perf_counter()
    png(app.shares_figure(scenario, traj.mean(0), band))
    return t1 - t0, time.perf_counter() - t1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenario", default="baseline")
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    base = {s.key: s.value for s in app.slider_specs(scenario)}
    ensemble(scenario, base, 10)  # warm up: imports, font cache
    single(scenario, base)
    for name, fn in (("single model", lambda v: single(scenario, v)), (f"{args.runs}-run ensemble", None)):
        times = []
        for k in range(args.repeat):
            values = {**base, "west.sanctions": 0.5 + 0.1 * k}  # a new slider position every time
            times.append(fn(values) if fn else ensemble(scenario, values, args.runs))
        compute, figure = np.median(np.array(times), axis=0)
        print(
            f"{name:>20}: compute {compute * 1000:7.1f} ms + figures {figure * 1000:7.1f} ms "
            f"= {(compute + figure) * 1000:7.1f} ms (median of {args.repeat})"
        )


if __name__ == "__main__":
    main()
