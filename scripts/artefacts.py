"""Measure the structural artefacts of issue 14, item 3, on the shipped scenarios.

    python3 scripts/artefacts.py            # six small tables, a few seconds on one core

Each ``measure_*`` function returns plain numbers (tests/test_artefacts.py
checks the ones docs/design.md quotes, section "Structural artefacts"); the
tables print them. "start" is the spin-up equilibrium of a scenario's
start-date levers (no noise, no responses: deterministic); "2030Q4" is the
mean of ``REPLICATES`` runs at the horizon, on the scenario's own seeds, so
every comparison is paired on common random numbers. Proposed fixes are
measured by swapping one kernel function for its fixed version inside this
process only (:func:`patched`); the package is not changed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping

import numpy as np

import casim
from casim import api, dynamics
from casim.scenario import Shock

REPLICATES = 20
STATES = ("KAZ", "KGZ", "TJK", "UZB", "TKM")


# -- helpers -------------------------------------------------------------------


def load(name: str, overrides: Mapping[str, object] | None = None) -> casim.Scenario:
    return casim.load_scenario(name, dict(overrides or {}))


def with_values(sc: casim.Scenario, values: Mapping[str, object]) -> casim.Scenario:
    """The scenario with some resolved parameter values replaced (paths as in ``sc.values``)."""
    return sc.with_values(values={**sc.values, **values})


def static_of(sc: casim.Scenario) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Kernel parameters (one run) and static terms at the scenario's start-date values."""
    space = sc.space
    prm = dynamics.batch_view(space.arrays(dict(sc.values), batch=1), space.state_fields)
    return prm, dynamics.static_terms(prm, space.masks)


def start(sc: casim.Scenario) -> np.ndarray:
    """The spin-up equilibrium ``(states, powers)`` (no noise: the same for every seed)."""
    return api.simulate(sc, np.array([1]))[0, 0]


def horizon(sc: casim.Scenario, values: Mapping[str, object] | None = None, n: int = REPLICATES) -> np.ndarray:
    """Mean alignment ``(states, powers)`` at the last quarter over ``n`` runs on the scenario's seeds."""
    _, _, seeds = api.replicate_seeds(sc, n)
    return api.simulate(sc, seeds, values)[:, -1].mean(0)


@contextlib.contextmanager
def patched(name: str, fn: Callable) -> Iterator[None]:
    """Replace ``casim.dynamics.<name>`` in this process for the duration (to measure a proposed fix)."""
    old = getattr(dynamics, name)
    setattr(dynamics, name, fn)
    try:
        yield
    finally:
        setattr(dynamics, name, old)


def col(sc: casim.Scenario, power: str) -> int:
    return sc.powers.index(power)


def row(state: str) -> int:
    return STATES.index(state)


# -- 1. Western exposure counted three times ------------------------------------


def measure_triple_count() -> dict:
    """West-vs-Russia utility from the West's trade and FDI ties: pull, sanctions cost, reputation cost."""
    sc = load("baseline")
    W, R = col(sc, "west"), col(sc, "russia")
    prm, st = static_of(sc)
    masks = sc.space.masks
    pull = dynamics.channel_pull(prm, masks)[0][0]
    cut = dict(prm)
    exposure = prm["exposure"].copy()
    chans = list(sc.space.channels)
    for c in ("trade", "investment"):
        exposure[..., chans.index(c), W] = 0.0
    cut["exposure"] = exposure
    pull_tf = pull[:, W] - dynamics.channel_pull(cut, masks)[0][0][:, W]  # the West's trade + FDI part of its pull
    sanc = dynamics.sanctions_cost(prm, masks)[0][:, R]
    rep = dynamics.reputation_cost(prm)[0][:, R]
    x = 0.5 * (prm["exposure"][0][:, chans.index("trade"), W] + prm["exposure"][0][:, chans.index("investment"), W])
    shares = {}
    for label, over in (
        ("as shipped", {}),
        ("no sanctions cost", {"model.sanctions_weight": 0.0}),
        ("no reputation cost", {"model.reputation": 0.0}),
        ("no cost at all", {"model.sanctions_weight": 0.0, "model.reputation": 0.0}),
    ):
        shares[label] = start(load("baseline", over))
    # the proposed fix: the image cost is global (r_i = 1), rescaled to keep the five-state mean cost
    mean_r = float(np.mean([sc.values[f"{s}.reputation"] for s in STATES]))
    fix = {f"{s}.reputation": 1.0 for s in STATES} | {"model.reputation": 0.5 * mean_r}
    fixed = {name: (horizon(load(name)), horizon(load(name, fix))) for name in ("baseline", "sanctions_tighten")}
    return {
        "exposure_x": x,
        "pull_trade_fdi": pull_tf,
        "pull_west_total": pull[:, W],
        "sanctions": sanc,
        "reputation": rep,
        "cost_ratio": sanc / rep,
        "inv_temp": st["inv_temp"][0][:, 0],
        "shares": shares,
        "fix_mean_r": mean_r,
        "fixed": fixed,
        "W": W,
        "R": R,
    }


def show_triple_count(m: dict) -> None:
    W, R = m["W"], m["R"]
    print("\n1. Western trade+FDI exposure x = (E_trade,W + E_inv,W)/2 in the West-Russia utility gap (baseline)")
    print("state      x  pull(W,trade+FDI)  sanctions K  reputation R  K/R  (K+R)/pull  W share: shipped  no K  no R")
    for i, s in enumerate(STATES):
        k, r, p = m["sanctions"][i], m["reputation"][i], m["pull_trade_fdi"][i]
        sh = m["shares"]
        print(
            f"{s}  {m['exposure_x'][i]:6.3f}  {p:17.3f}  {k:11.3f}  {r:12.3f}  {k / r:4.2f}  {(k + r) / p:10.2f}"
            f"  {sh['as shipped'][i, W]:16.3f}  {sh['no sanctions cost'][i, W]:4.3f}"
            f"  {sh['no reputation cost'][i, W]:4.3f}"
        )
    print(f"   proposed fix: r_i = 1 for every state, model.reputation = 0.5 x {m['fix_mean_r']:.4f}; 2030Q4 R/W:")
    for name, (now, fix) in m["fixed"].items():
        cells = "  ".join(
            f"{s} {now[i, R]:.3f}/{now[i, W]:.3f}->{fix[i, R]:.3f}/{fix[i, W]:.3f}" for i, s in enumerate(STATES)
        )
        print(f"   {name:18s} {cells}")


# -- 2. Hedging index and the number of powers ----------------------------------


def hedging_ref3(alignment: np.ndarray) -> np.ndarray:
    """The proposed index: entropy in units of ln 3 (equidistance among the three default powers)."""
    a = np.clip(alignment, 1e-300, 1.0)
    return -(a * np.log(a)).sum(-1) / np.log(3.0)


def measure_hedging() -> dict:
    """Hedging of the same shares over 3 and 5 powers; multipolar with Turkey's and Iran's ties zeroed."""
    base = start(load("baseline"))
    padded = np.concatenate([base, np.zeros((5, 2))], axis=1)
    mp = load("multipolar")
    zero = {f"{p}.exposure.{s}.{c}": 0.0 for p in ("turkey", "iran") for s in STATES for c in mp.space.channels} | {
        f"{p}.{c}": 1.0 for p in ("turkey", "iran") for c in mp.space.channels
    }
    empty = with_values(mp, zero).with_values(shocks=())  # the two powers declared, with no ties and no ramp
    added = start(empty)
    multipolar_2030 = horizon(mp)
    return {
        "h3": dynamics.hedging(base),
        "h5_same_shares": dynamics.hedging(padded),
        "h5_declared_no_ties": dynamics.hedging(added),
        "share_moved": float(np.abs(added[:, :3] - base).max()),
        "multipolar_2030_now": dynamics.hedging(multipolar_2030),
        "multipolar_2030_fix": hedging_ref3(multipolar_2030),
    }


def show_hedging(m: dict) -> None:
    print("\n2. Hedging index of the baseline start shares over 3 powers, and with 2 powers added")
    print(f"   largest move of any default share when Turkey, Iran are declared with no ties: {m['share_moved']:.1e}")
    print("state  H(3 powers)  H(same shares, 5 cols)  H(declared, no ties)   multipolar 2030Q4: H now  H/ln3 (fix)")
    for i, s in enumerate(STATES):
        print(
            f"{s}   {m['h3'][i]:11.3f}  {m['h5_same_shares'][i]:22.3f}  {m['h5_declared_no_ties'][i]:20.3f}"
            f"  {m['multipolar_2030_now'][i]:24.3f}  {m['multipolar_2030_fix'][i]:11.3f}"
        )


# -- 3. The equidistance anchor and a declared power -------------------------------


def static_terms_poles(prm, masks, poles: int = 3):
    """Proposed fix: the anchor is equidistance among the first ``poles`` powers (the default three) present."""
    out = _STATIC_TERMS(prm, masks)
    present = dynamics.presence(prm)
    pole = np.zeros(present.shape[-1])
    pole[:poles] = 1.0
    g = prm["stubbornness"][..., None]
    out["anchor"] = g * present * pole / (present * pole).sum(-1, keepdims=True)
    return out


_STATIC_TERMS = dynamics.static_terms


def measure_anchor() -> dict:
    """TKM's Turkey share in multipolar: declared vs Turkey's ties zeroed, and the anchor's part of it."""
    mp = load("multipolar")
    T, i = col(mp, "turkey"), row("TKM")
    zero = {f"turkey.exposure.{s}.{c}": 0.0 for s in STATES for c in mp.space.channels}
    prm, st = static_of(mp)
    a0 = start(mp)
    target = (a0[i] - st["anchor"][0][i]) / st["hold"][0][i, 0]  # goal = hold * softmax + anchor at the fixed point
    present = dynamics.presence(prm)[0][i]
    gulf = load("gulf_renewables")
    gulf_now = horizon(gulf)
    with patched("static_terms", static_terms_poles):
        fix_start, fix_2030 = start(mp), horizon(mp)
        base_fix = start(load("baseline"))
        gulf_fix = horizon(gulf)
    return {
        "declared_start": a0[i, T],
        "declared_2030": horizon(mp)[i, T],
        "zeroed_start": start(with_values(mp, zero))[i, T],
        "zeroed_2030": horizon(with_values(mp, zero))[i, T],
        "anchor_part": float(st["anchor"][0][i, T]),
        "softmax_part": float(st["hold"][0][i, 0] * target[T]),
        "softmax_share": float(target[T]),
        "presence": present,
        "ties_sum": prm["exposure"][0][i].sum(0),
        "powers": mp.powers,
        "fix_start": fix_start[i, T],
        "fix_2030": fix_2030[i, T],
        "fix_all_start": fix_start,
        "now_all_start": a0,
        "baseline_unchanged": float(np.abs(base_fix - start(load("baseline"))).max()),
        "gulf": gulf_now[:, col(gulf, "gulf")],
        "gulf_fix": gulf_fix[:, col(gulf, "gulf")],
    }


def show_anchor(m: dict) -> None:
    print("\n3. TKM's Turkey share in multipolar (TKM stubbornness 0.55)")
    ties = "  ".join(f"{p} {t:.2f}" for p, t in zip(m["powers"], m["ties_sum"], strict=True))
    print(f"   TKM summed exposure: {ties}; presence {np.round(m['presence'], 2)}")
    print("                          start   2030Q4")
    print(f"   Turkey declared        {m['declared_start']:.3f}   {m['declared_2030']:.3f}")
    print(f"   Turkey's ties zeroed   {m['zeroed_start']:.3f}   {m['zeroed_2030']:.3f}")
    print(f"   of which anchor g*pi/sum(pi) {m['anchor_part']:.3f}; (1-g)*softmax {m['softmax_part']:.3f}")
    print(f"   fix: anchor over russia/west/china only  {m['fix_start']:.3f}   {m['fix_2030']:.3f}")
    print(f"   (baseline moved by the fix: {m['baseline_unchanged']:.1e})")
    T = list(m["powers"]).index("turkey")
    print(
        "   Turkey's share at the start, every state, now -> fix: "
        + "  ".join(f"{s} {m['now_all_start'][i, T]:.3f}->{m['fix_all_start'][i, T]:.3f}" for i, s in enumerate(STATES))
    )
    print(
        "   gulf_renewables 2030Q4 Gulf share, now -> fix:         "
        + "  ".join(f"{s} {m['gulf'][i]:.3f}->{m['gulf_fix'][i]:.3f}" for i, s in enumerate(STATES))
    )


# -- 4. Regional integration and Kazakhstan ------------------------------------------


def utility_no_pull(static, others, engagement, coercion_memory):
    """Proposed fix, part 1: no regional term in the utility."""
    u = static["base"] + engagement * static["econ"]
    u += coercion_memory * static["leverage"]
    return u


def commit_averaging(alignment, target, static, spinup=False):
    """Proposed fix, part 2: neighbours enter the goal by linear averaging (weight c_i = sum_j W_ij), not as utility.

    goal = (1 - g) * ((1 - c_i) * softmax + sum_j W_ij a_j) + anchor
    """
    ties = static["ties"]
    c = ties.sum(-1, keepdims=True)
    mixed = (1.0 - c) * target + dynamics.regional_pull(ties, alignment)
    return _COMMIT(alignment, mixed, static, spinup)


_COMMIT = dynamics.commit


@contextlib.contextmanager
def averaging() -> Iterator[None]:
    with patched("utility", utility_no_pull), patched("commit", commit_averaging):
        yield


def measure_integration() -> dict:
    """KAZ's Russia share at the start equilibrium as region.integration goes 0..3, by mechanism."""
    levels = (0.0, 1.0, 2.0, 3.0)
    variants = {
        "both (as shipped)": {},
        "regional pull only (autonomy 0)": {"model.autonomy": 0.0},
        "temperature only (coupling 0)": {"model.coupling": 0.0},
    }
    R, i = 0, row("KAZ")
    out: dict = {"levels": levels, "kaz": {}, "mean": {}}
    for label, over in variants.items():
        eqs = [start(load("baseline", over | {"region.integration": x})) for x in levels]
        out["kaz"][label] = np.array([e[i, R] for e in eqs])
        out["mean"][label] = np.array([e[:, R].mean() for e in eqs])
    base, integ = horizon(load("baseline")), horizon(load("regional_integration"))
    out["scenario_kaz"] = (base[i, R], integ[i, R])
    out["scenario_mean"] = (base[:, R].mean(), integ[:, R].mean())
    out["scenario_all"] = (base[:, R], integ[:, R])
    with averaging():
        eqs = [start(load("baseline", {"region.integration": x})) for x in levels]
        out["kaz"]["fix: averaging, not utility"] = np.array([e[i, R] for e in eqs])
        out["mean"]["fix: averaging, not utility"] = np.array([e[:, R].mean() for e in eqs])
        fbase, finteg = horizon(load("baseline")), horizon(load("regional_integration"))
    out["fix_scenario_all"] = (fbase[:, R], finteg[:, R])
    out["fix_baseline_2030"] = fbase
    out["baseline_2030"] = base
    return out


def show_integration(m: dict) -> None:
    print("\n4. KAZ's Russia share (start equilibrium) as region.integration goes 0 -> 3; five-state mean in brackets")
    print("   mechanism                          " + "  ".join(f"int={x:.0f}        " for x in m["levels"]))
    for label, v in m["kaz"].items():
        cells = "  ".join(f"{a:.3f} [{b:.3f}]" for a, b in zip(v, m["mean"][label], strict=True))
        print(f"   {label:34s} {cells}")
    b, r = m["scenario_kaz"]
    mb, mr = m["scenario_mean"]
    print(f"   2030Q4 regional_integration vs baseline: KAZ {b:.3f} -> {r:.3f}; mean of five {mb:.3f} -> {mr:.3f}")
    for label, (b, r) in (("now", m["scenario_all"]), ("fix", m["fix_scenario_all"])):
        d = 100 * (r - b)
        print(
            f"   2030Q4 Russia points, regional_integration - baseline ({label}): "
            + "  ".join(f"{s} {d[j]:+.1f}" for j, s in enumerate(STATES))
            + f"  mean {d.mean():+.1f}"
        )
    d = m["fix_baseline_2030"] - m["baseline_2030"]
    print(
        "   the fix on the baseline 2030Q4 (R/W/C points): "
        + "  ".join(f"{s} {100 * d[j, 0]:+.1f}/{100 * d[j, 1]:+.1f}/{100 * d[j, 2]:+.1f}" for j, s in enumerate(STATES))
    )


# -- 5. Coercion on Kazakhstan's route and Uzbekistan ---------------------------------


def static_terms_routes(prm, masks):
    """Proposed fix: standing coercion acts only where the power controls a route (transit > 0)."""
    out = _STATIC_TERMS(prm, masks)
    out["base"] = out["base"] - prm["coercion"] * out["leverage"] * (prm["transit"] <= 0)
    return out


def measure_coercion() -> dict:
    """UZB's and KAZ's shares as russia.coercion rises 0.2 -> 1.0, split into the direct and the coupling term."""
    R = 0
    variants = {
        "as shipped": {},
        "direct only (coupling 0)": {"model.coupling": 0.0},
        "via KAZ only (UZB backlash 0)": {"UZB.backlash": 0.0},
    }
    out: dict = {}
    for label, over in variants.items():
        lo = start(load("baseline", over | {"russia.coercion": 0.2}))
        hi = start(load("baseline", over | {"russia.coercion": 1.0}))
        out[label] = (lo, hi)
    hc = load("hindcast_2021")
    _, _, seeds = api.replicate_seeds(hc, REPLICATES)
    q = hc.dates().index("2022Q1")
    with_pulse = api.simulate(hc, seeds)[:, q].mean(0)
    without = api.simulate(hc, seeds, {"shocks.cpc_march.russia.coercion": 0.0})[:, q].mean(0)
    shock = Shock(id="cpc", kind="set", path="russia.coercion", value=1.0, step=5, over=1)  # from 2024Q1
    with patched("static_terms", static_terms_routes):
        fix = (
            start(load("baseline", {"russia.coercion": 0.2})),
            start(load("baseline", {"russia.coercion": 1.0})),
        )
        fix_base_2030 = horizon(load("baseline"))
        fix_shock = (horizon(load("baseline")), horizon(load("baseline").with_values(shocks=(shock,))))
    base = load("baseline")
    pressed = base.with_values(shocks=(shock,))
    out["shock_2030"] = (
        horizon(base),
        horizon(pressed),
        horizon(pressed, {"russia.retain": 0.0}),
        horizon(base, {"russia.retain": 0.0}),
    )
    out["fix_shock_2030"] = fix_shock
    out["hindcast_2022Q1"] = (without, with_pulse)
    out["fix"] = fix
    out["fix_base_2030"] = fix_base_2030
    out["base_2030"] = horizon(load("baseline"))
    out["R"] = R
    return out


def show_coercion(m: dict) -> None:
    R = m["R"]
    u, k = row("UZB"), row("KAZ")
    print("\n5. russia.coercion 0.2 -> 1.0 (start equilibrium): change in Russia's share, points")
    print("   variant                          KAZ      UZB   (UZB shares R/W/C at 1.0)")
    for label in ("as shipped", "direct only (coupling 0)", "via KAZ only (UZB backlash 0)", "fix"):
        lo, hi = m[label]
        d = 100 * (hi - lo)
        print(f"   {label:31s} {d[k, R]:+6.1f}  {d[u, R]:+6.1f}   {np.round(hi[u], 3)}")
    b, p, p0, b0 = m["shock_2030"]
    print(
        "   2030Q4, russia.coercion set 0.2 -> 1.0 from 2024Q1 (Russia points): "
        + "  ".join(f"{s} {100 * (p[row(s), R] - b[row(s), R]):+.1f}" for s in STATES)
    )
    print(
        "      same without Russia's retain response (retain 0):               "
        + "  ".join(f"{s} {100 * (p0[row(s), R] - b0[row(s), R]):+.1f}" for s in STATES)
    )
    b, p = m["fix_shock_2030"]
    print(
        "      same with the fix (coercion only where a route):             "
        + "  ".join(f"{s} {100 * (p[row(s), R] - b[row(s), R]):+.1f}" for s in STATES)
    )
    without, with_pulse = m["hindcast_2022Q1"]
    d = 100 * (with_pulse - without)
    print(
        "   hindcast 2022Q1, CPC pulse (coercion 0.4) vs none, Russia points: "
        + "  ".join(f"{s} {d[row(s), R]:+.1f}" for s in STATES)
    )
    d = 100 * (m["fix_base_2030"] - m["base_2030"])
    print("   the fix on the baseline 2030Q4, Russia points: " + "  ".join(f"{s} {d[row(s), R]:+.1f}" for s in STATES))


# -- 6. Sanctions and trade through the region -------------------------------------


def measure_reexport() -> dict:
    """Sanctions lower every Russian share and leave Russia's trade pull unchanged: no re-export channel."""
    out: dict = {"sanctions": (0.0, 0.5, 0.9)}
    eqs, pulls = [], []
    for s in out["sanctions"]:
        sc = load("baseline", {"west.sanctions": s})
        prm, _ = static_of(sc)
        pulls.append(dynamics.channel_pull(prm, sc.space.masks)[0][0][:, 0])
        eqs.append(start(sc))
    out["russia_share"] = np.array([e[:, 0] for e in eqs])
    out["russia_pull"] = np.array(pulls)
    base, tight = horizon(load("baseline")), horizon(load("sanctions_tighten"))
    out["tighten"] = (base[:, 0], tight[:, 0])
    # what a re-export rent would do: Russia's trade lever scaled by (1 + phi * sanctions), phi = 1
    tight_sc = load("sanctions_tighten", {"russia.trade": 1.5})
    (sh,) = tight_sc.shocks
    rent = Shock(id="rent", kind="ramp", path="russia.trade", value=1.9, step=sh.step, over=sh.over)
    out["rent"] = horizon(tight_sc.with_values(shocks=(sh, rent)))[:, 0]
    out["rent_base"] = horizon(load("baseline", {"russia.trade": 1.5}))[:, 0]
    return out


def show_reexport(m: dict) -> None:
    print("\n6. west.sanctions 0 -> 0.5 -> 0.9 (start equilibrium): Russia's share and Russia's channel pull")
    for i, s in enumerate(STATES):
        sh = "  ".join(f"{x:.3f}" for x in m["russia_share"][:, i])
        pl = "  ".join(f"{x:.3f}" for x in m["russia_pull"][:, i])
        print(f"   {s}  share {sh}   pull {pl}")
    b, t = m["tighten"]
    print(
        "   2030Q4 sanctions_tighten - baseline, Russia points: "
        + "  ".join(f"{s} {100 * (t[i] - b[i]):+.1f}" for i, s in enumerate(STATES))
    )
    print(
        "   with a rent phi=1 (russia.trade 1 + phi*sanctions), same difference: "
        + "  ".join(f"{s} {100 * (m['rent'][i] - m['rent_base'][i]):+.1f}" for i, s in enumerate(STATES))
    )


def main() -> None:
    show_triple_count(measure_triple_count())
    show_hedging(measure_hedging())
    show_anchor(measure_anchor())
    show_integration(measure_integration())
    show_coercion(measure_coercion())
    show_reexport(measure_reexport())


if __name__ == "__main__":
    main()
