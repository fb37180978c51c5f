"""Hash every shipped scenario's results table (both engines).

Run before and after a refactor (`python3 scripts/table_hashes.py before.json`) and compare the two files.
"""

import glob
import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

import casim

out = {}
for path in sorted(glob.glob(str(Path(__file__).resolve().parents[1] / "scenarios" / "*.yaml"))):
    sc = casim.load_scenario(path)
    for engine, reps in (("ensemble", None), ("mesa", 3)):
        df = casim.run(sc, replicates=reps, seed=None if reps is None else 11, engine=engine, posterior=None)
        h = hashlib.sha256()
        h.update(str(list(df.columns)).encode())
        h.update(str(list(map(str, df.dtypes))).encode())
        h.update(pd.util.hash_pandas_object(df, index=True).values.tobytes())
        out[f"{path.split('/')[-1]}:{engine}"] = (h.hexdigest(), len(df))
Path(sys.argv[1]).write_text(json.dumps(out, indent=1))
print(len(out), "tables hashed")
