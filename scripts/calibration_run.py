"""Regenerate the shipped calibration run, docs/calibration_run/ (accepted.csv and summary.json).

    python3 scripts/calibration_run.py          # from anywhere; a few minutes on 2 cores

Re-runs ``casim calibrate`` with the settings the committed summary.json
records (draws, replicates, quantile, seed) on the repository's scenario and
resolution files, into a temporary folder, then moves the two files into
docs/calibration_run/ and prints what changed. Run it after editing
scenarios/baseline.yaml or scenarios/hindcast_2021.yaml (even a comment):
summary.json records their hashes, and tests/test_calibration_provenance.py
fails until they match. If the shipped point changes, update the pinned
values in scenarios/baseline.yaml (and its copy in src/casim/data/scenarios/)
and src/casim/data/votes.yaml, then run this again.

This is the only documented way to write docs/calibration_run/; the README's
``casim calibrate`` example writes to a folder of the user's own.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "docs" / "calibration_run"
INPUTS = {
    "--baseline": "scenarios/baseline.yaml",
    "--hindcast": "scenarios/hindcast_2021.yaml",
    "--resolutions": "scenarios/resolutions/unga_es11_6.yaml",
}
SETTINGS = ("draws", "replicates", "quantile", "seed")


def main() -> int:
    before = json.loads((RUN / "summary.json").read_text())
    argv = [sys.executable, "-m", "casim", "calibrate", *(f"--{k}={before[k]}" for k in SETTINGS)]
    argv += [x for pair in INPUTS.items() for x in pair]
    with tempfile.TemporaryDirectory(dir=RUN.parent) as tmp:
        print(" ".join(argv[1:]), f"--out {tmp}", flush=True)
        subprocess.run([*argv, "--out", tmp], cwd=ROOT, check=True)  # paths in summary.json relative to the repository
        for name in ("accepted.csv", "summary.json"):
            shutil.move(Path(tmp) / name, RUN / name)
    after = json.loads((RUN / "summary.json").read_text())
    for key, sc in after["scenarios"].items():
        print(f"{key}: {sc['source']} sha256 {before['scenarios'][key]['sha256'][:12]} -> {sc['sha256'][:12]}")
    old = {r["parameter"]: r["shipped"] for r in before["parameters"]}
    moved = {r["parameter"]: (old.get(r["parameter"]), r["shipped"]) for r in after["parameters"]}
    moved = {p: v for p, v in moved.items() if v[0] != v[1]}
    print(f"accepted {before['accepted']} -> {after['accepted']}; shipped values changed: {moved or 'none'}")
    if moved:
        print("update the pinned values in scenarios/baseline.yaml (and its package copy) and data/votes.yaml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
