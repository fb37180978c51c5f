"""Regenerate docs/effects.md: every shipped scenario compared with the baseline over the shipped posterior.

    PYTHONPATH=src python3 scripts/posterior_effects.py

Runs what ``casim compare`` runs with its defaults (every posterior draw, at
most 20 replicates per draw, the baseline's seed) and writes the headline
sentences and the full table of effects. Each scenario's description in
``scenarios/`` quotes its sentence; this script prints them, and
``tests/test_uncertainty.py`` checks the files still say them.
"""

from __future__ import annotations

from pathlib import Path

from casim import posterior
from casim.analysis import compare, headlines

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    files = [ROOT / "scenarios" / f"{name}.yaml" for name in headlines.SHIPPED]
    df = compare.run_scenarios(files, posterior=posterior.load())
    diff = compare.differences(df)
    seed = int(df.attrs["manifest"]["comparison"]["seed"])
    (ROOT / "docs" / "effects.md").write_text(headlines.document(df, diff, seed, headlines.COMMAND), encoding="utf-8")
    for name, text in headlines.sentences(df, diff, seed).items():
        print(f"{name}: {text}\n")
    print("wrote docs/effects.md")


if __name__ == "__main__":
    main()
