"""The skill table of ``casim validate``: the measurement model against simple forecasts, honestly scored.

Two parts, neither of which fits anything here:

* **Backtests** inside 1992-2021 (fit on 2006-2013, predict 2014-2017; fit on
  2010-2017, predict 2018-2021): read from ``data/posterior/backtest.json``,
  which ``scripts/backtest.py`` writes (the fits run there, never in
  ``casim validate``).
* **The 2022-on texts as a test set**: the hindcast run over the frozen
  shipped posterior's draws x replicates, the measurement model's probability
  of each recorded vote in the given resolution files, against persistence
  (the state's last recorded vote on an earlier text; the 2014-2021
  Ukraine/Crimea record before the first), "vote as Russia votes" and
  "everyone abstains, Turkmenistan absent". Deterministic forecasts are scored
  as in the backtests (:mod:`casim.skill`): probability = their hit rate on
  the contested texts of the posterior's training window (2014-2021).

Temporal rule: this module never imports :mod:`casim.fit`; the 2022-on records
are only scored.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from . import projection, skill, unga
from .posterior import Posterior
from .scenario import Scenario
from .votes import OUTCOMES, Resolution

BACKTEST_FILE = ("data", "posterior", "backtest.json")
TEST_FROM = _dt.date(unga.LAST_YEAR + 1, 1, 1)  # texts dated from here on are the test set
TRAINING = (2014, 2021)  # the shipped posterior's window: the deterministic forecasts' hit rates come from it
RIVALS = ("persistence", "as_russia", "all_abstain_tkm_absent")
FORECASTS = ("model", *RIVALS)
LABELS = {
    "model": "model (posterior)",
    "persistence": "persistence",
    "as_russia": "as Russia",
    "all_abstain_tkm_absent": "all abstain, TKM absent",
    "ar1": "AR(1)",
}
TARGETS = {
    "ukraine_crimea": "Ukraine/Crimea texts",
    "contested": "all contested texts",
    "ideal_points": "ideal points",
    "test_2022_on": "2022-on texts (test set, one step ahead)",
    "test_2022_on_pure": "2022-on texts (test set, from the 2021 record only)",
}
COLUMNS = ["part", "period", "target", "forecast", "log_loss", "brier", "accuracy", "n", "rmse", "coverage90"]


# -- backtests (read, never re-run) ----------------------------------------------------


def backtest_report() -> dict:
    """The rolling-origin backtests as ``scripts/backtest.py`` wrote them (package data)."""
    return json.loads(resources.files("casim").joinpath(*BACKTEST_FILE).read_text(encoding="utf-8"))


def backtest_table(report: dict | None = None) -> pd.DataFrame:
    """One row per fold, target and forecast: the backtests' scores, as recorded in the report."""
    report = backtest_report() if report is None else report
    rows = []
    for period, fold in report["folds"].items():
        for target in ("ukraine_crimea", "contested"):
            for forecast, sc in fold["votes"][target].items():
                rows.append(
                    {
                        "part": "backtest",
                        "period": period,
                        "target": target,
                        "forecast": forecast,
                        "log_loss": sc["log_loss"],
                        "brier": sc["brier"],
                        "accuracy": sc["accuracy"],
                        "n": sc["n"],
                    }
                )
        for forecast, sc in fold["ideal_points"].items():
            rows.append(
                {
                    "part": "backtest",
                    "period": period,
                    "target": "ideal_points",
                    "forecast": forecast,
                    "rmse": sc["rmse"],
                    "coverage90": sc["coverage90"],
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


# -- the 2022-on test set ------------------------------------------------------------------


def test_texts(resolutions: Sequence[Resolution]) -> list[Resolution]:
    """The texts dated 2022 or later with a recorded vote, in date order (ties: file order)."""
    return sorted((r for r in resolutions if r.date >= TEST_FROM and r.observed), key=lambda r: r.date)


def last_record_2021(states: Sequence[str]) -> dict[str, int]:
    """Each state's vote code on the last directed text of the 1992-2021 record (A/RES/76/179, 2021-12-16):
    persistence's start on the 2022-on texts, all of which are directed."""
    return dict(zip(states, unga.last_directed_votes(states).tolist(), strict=True))


def training_hit_rates(states: Sequence[str]) -> dict[str, float]:
    """Hit rates of the simple forecasts on the contested texts of 2014-2021 (as in the backtests)."""
    d = unga.vote_data(2006, TRAINING[1], states=tuple(states))
    S, N = d["votes"].shape
    rivals = {
        "persistence": d["previous"],
        "as_russia": skill.as_russia(d["power_votes"][:, 0], S),
        "all_abstain_tkm_absent": skill.all_abstain(states, N),
    }
    train = (d["year"] >= TRAINING[0]) & (d["contested"] > 0)
    return {k: skill.hit_rate(f[:, train].ravel(), d["votes"][:, train].ravel()) for k, f in rivals.items()}


def test_cases(
    hindcast: Scenario,
    resolutions: Sequence[Resolution],
    posterior: Posterior,
    draws: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    progress=None,
    recorded: bool = True,
) -> pd.DataFrame:
    """One row per recorded vote on a 2022-on text: the model's probabilities and the simple forecasts.

    Columns ``resolution, date, state, observed`` (code), ``p_yes .. p_absent`` (the model: the hindcast
    over the posterior's draws x replicates) and one column per simple forecast (a vote code).
    ``recorded``: one step ahead, the model's habit and persistence use the recorded votes of the earlier
    2022-on texts (the same information for both): persistence is the state's last recorded vote on a
    text of the same kind, else on the last directed text (all 2022-on texts are directed; before the
    first, the record's last, A/RES/76/179 of 2021). Else both know only the 1992-2021 record
    (persistence repeats each state's vote on A/RES/76/179; the model's habit after the first text is
    its own forecast). ``attrs`` records seed, replicates, draws and the posterior file.
    """
    texts = test_texts(resolutions)
    votes = projection.run_votes(
        hindcast, texts, replicates, seed, progress=progress, posterior=posterior, draws=draws, recorded=recorded
    )
    cols = [f"p_{o}" for o in OUTCOMES]
    probs = {(r, s): p for r, s, *p in votes[["resolution", "state", *cols]].itertuples(index=False)}
    last_directed = last_record_2021(hindcast.states)
    by_kind: dict[str, dict[str, int]] = {}
    rows = []
    for r in texts:
        russia = OUTCOMES.index(r.power_votes().get("russia", "absent"))
        of_kind = by_kind.get(r.kind, {})
        for s, v in r.observed.items():
            p = probs[(r.id, s)]
            rows.append(
                {
                    "resolution": r.id,
                    "date": r.date.isoformat(),
                    "state": s,
                    "observed": OUTCOMES.index(v),
                    **{c: float(x) for c, x in zip(cols, p, strict=True)},
                    "persistence": of_kind.get(s, last_directed.get(s, -1)),
                    "as_russia": russia,
                    "all_abstain_tkm_absent": 3 if s == "TKM" else 2,
                }
            )
        if recorded:  # a state's recorded vote is its persistence on later texts of this kind, and of directed texts
            seen = {s: OUTCOMES.index(v) for s, v in r.observed.items()}
            by_kind[r.kind] = {**of_kind, **seen}
            if r.directed:
                last_directed = {**last_directed, **seen}
    out = pd.DataFrame(rows)
    out.attrs.update({k: votes.attrs[k] for k in ("seed", "replicates", "draws", "posterior")})
    out.attrs["recorded"] = recorded
    return out


def test_scores(cases: pd.DataFrame, hit_rates: dict[str, float], target: str = "test_2022_on") -> pd.DataFrame:
    """The test set's log loss, Brier and accuracy for the model and each simple forecast."""
    observed = cases["observed"].to_numpy()
    period = f"{cases['date'].min()[:4]}-{cases['date'].max()[:4]}"
    rows = []
    for forecast in FORECASTS:
        if forecast == "model":
            sc = skill.scores(cases[[f"p_{o}" for o in OUTCOMES]].to_numpy(), observed)
        else:
            f = cases[forecast].to_numpy()
            sc = skill.scores(skill.as_probabilities(f, hit_rates[forecast]), observed, forecast=f)
        rows.append({"part": "test", "period": period, "target": target, "forecast": forecast, **sc})
    return pd.DataFrame(rows, columns=COLUMNS)


def skill_table(
    hindcast: Scenario | None,
    resolutions: Sequence[Resolution] = (),
    posterior: Posterior | None = None,
    draws: int | None = None,
    replicates: int | None = None,
    seed: int | None = None,
    progress=None,
) -> pd.DataFrame:
    """The backtests and, when a hindcast and a posterior are given and there are 2022-on records, the test set
    scored twice: one step ahead (``test_2022_on``) and from the 2021 record only (``test_2022_on_pure``).

    ``attrs['cases']`` holds the one-step-ahead per-vote table, ``attrs['cases_pure']`` the other (for
    figures and checks).
    """
    parts = [backtest_table()]
    cases = None
    if hindcast is not None and posterior is not None and test_texts(resolutions):
        rates = training_hit_rates(hindcast.states)
        cases = test_cases(hindcast, resolutions, posterior, draws, replicates, seed, progress)
        pure = test_cases(hindcast, resolutions, posterior, draws, replicates, seed, None, recorded=False)
        parts += [test_scores(cases, rates), test_scores(pure, rates, "test_2022_on_pure")]
    table = pd.concat(parts, ignore_index=True)
    table["n"] = table["n"].astype("Int64")
    if cases is not None:
        table.attrs["cases"] = cases
        table.attrs["cases_pure"] = pure
        table.attrs.update({str(k): v for k, v in cases.attrs.items() if k != "recorded"})
    return table


def describe(table: pd.DataFrame) -> str:
    """The skill table as printed by ``casim validate`` (lower log loss / Brier / RMSE is better)."""
    lines = ["skill: the measurement model vs simple forecasts (docs/validation.md §7)"]
    for (part, period, target), g in table.groupby(["part", "period", "target"], sort=False):
        what = "backtest, fitted on the 8 years before" if part == "backtest" else "frozen shipped posterior"
        lines.append(f"  {TARGETS.get(str(target), target)}, {period} ({what})")
        if target == "ideal_points":
            lines.append(f"    {'forecast':<26}{'RMSE':>8}{'cover90':>9}")
            for _, r in g.iterrows():
                lines.append(
                    f"    {LABELS.get(r['forecast'], r['forecast']):<26}{r['rmse']:8.3f}{r['coverage90']:9.2f}"
                )
        else:
            lines.append(f"    {'forecast':<26}{'log loss':>9}{'Brier':>8}{'accuracy':>9}{'n':>6}")
            for _, r in g.iterrows():
                lines.append(
                    f"    {LABELS.get(r['forecast'], r['forecast']):<26}{r['log_loss']:9.3f}{r['brier']:8.3f}"
                    f"{r['accuracy']:9.3f}{int(r['n']):6d}"
                )
    if "draws" in table.attrs:
        a = table.attrs
        shipped = str(Path(str(resources.files("casim").joinpath("data", "posterior"))))
        source = "shipped" if str(a["posterior"]).startswith(shipped) else a["posterior"]
        lines.append(
            f"  test set: hindcast over {a['draws']} posterior draw(s) x {a['replicates']} replicate(s), "
            f"seed {a['seed']}, posterior {source}"
        )
    return "\n".join(lines)


def markdown(table: pd.DataFrame) -> str:
    """The skill table as the Markdown tables of docs/validation.md §7 (a test checks the docs quote it)."""
    votes_rows = table[table["target"] != "ideal_points"]
    lines = [
        "| period | texts | forecast | log loss | Brier | accuracy | n |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for _, r in votes_rows.iterrows():
        lines.append(
            f"| {r['period']} ({r['part']}) | {TARGETS[r['target']]} | {LABELS[r['forecast']]} | "
            f"{r['log_loss']:.3f} | {r['brier']:.3f} | {r['accuracy']:.3f} | {int(r['n'])} |"
        )
    lines += ["", "| period | forecast | ideal-point RMSE | coverage of 90% interval |", "| --- | --- | --- | --- |"]
    for _, r in table[table["target"] == "ideal_points"].iterrows():
        lines.append(
            f"| {r['period']} (backtest) | {LABELS[r['forecast']]} | {r['rmse']:.3f} | {r['coverage90']:.2f} |"
        )
    return "\n".join(lines)


__all__ = [
    "BACKTEST_FILE",
    "COLUMNS",
    "FORECASTS",
    "backtest_report",
    "backtest_table",
    "describe",
    "last_record_2021",
    "markdown",
    "skill_table",
    "test_cases",
    "test_scores",
    "test_texts",
    "training_hit_rates",
]
