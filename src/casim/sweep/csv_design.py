"""CSV designs: reading a design file (one row a design point) into its parameters and a matrix of codes.

The header names parameters by their dotted paths; every cell is validated
like a listed value of that parameter, and an error names the file, the row's
line and the column. Columns the sweep file also declares under
``parameters:`` must stay within what it declares.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml

from .. import yamlfile
from ..errors import CasimError
from ..scenario import Scenario
from .parameters import Param, Target, canonical, check_value, parse_param, unknown_parameter

MAX_CSV_BYTES = 256 * 2**20  # a million design points of a dozen parameters fit in well under this


def read_design_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """The design file as a table of text cells, and the SHA-256 of its bytes (a regular file, at most 256 MB)."""
    data = yamlfile.read_bytes(path, limit=MAX_CSV_BYTES, what="design file")
    try:
        df = pd.read_csv(io.BytesIO(data), dtype=object, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as e:
        raise CasimError(f"not a readable CSV design: {' '.join(str(e).split())}", where=str(path)) from None
    if df.empty or not len(df.columns):
        raise CasimError(
            "the design file has no rows; write a header of parameter paths and one row per design point",
            where=str(path),
        )
    return df, hashlib.sha256(data).hexdigest()


def _cell(text: str, path: str, t: Target, scenario: Scenario, where: str):
    """One CSV cell parsed and validated: a number, a quarter, or (list parameters) a YAML list of powers."""
    if text == "":
        raise CasimError(f"empty cell; every design point needs a value of {path}", where=where)
    if t.kind == "list":
        try:
            v = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError):
            raise CasimError(
                f"{path}: {text!r} is not a YAML list of power names, e.g. [russia, china]", where=where
            ) from None
    elif t.kind in ("float", "int"):
        try:
            v = float(text)
        except ValueError:
            raise CasimError(f"{path} must be a number, not {text!r}", where=where) from None
        if not math.isfinite(v):
            raise CasimError(f"{path} must be a finite number, not {text!r}", where=where)
    else:
        v = text
    return check_value(path, t, v, scenario, where)


def csv_params(
    df: pd.DataFrame, source: str, scenario: Scenario, targets, declared: Mapping, origins, src
) -> tuple[list[Param], np.ndarray]:
    """The parameters of a csv design and its matrix of codes (numbers as they are, categories as their index)."""
    declared = {canonical(str(k), scenario): (k, v) for k, v in declared.items()}
    columns = [canonical(str(c).strip(), scenario) for c in df.columns]
    params = []
    X = np.empty((len(df), len(columns)))
    for j, (col, path) in enumerate(zip(df.columns, columns, strict=True)):
        t = targets.get(path)
        if t is None:
            raise unknown_parameter(path, targets, f"{source}: column {col!r}")
        values = [
            _cell(str(cell).strip(), path, t, scenario, f"{source}:{i + 2}, column {col!r}")
            for i, cell in enumerate(df[col].tolist())
        ]
        if path in declared:
            key, spec = declared[path]
            where = yamlfile.where(origins, ("parameters", key), src)
            dp = parse_param(path, spec, scenario, targets, where, grid=False, default_levels=None)
            for i, v in enumerate(values):
                bad = (v not in dp.values) if dp.kind == "category" else not (dp.low <= v <= dp.high)
                if bad:
                    allowed = list(dp.values) if dp.kind == "category" else f"[{dp.low}, {dp.high}]"
                    raise CasimError(
                        f"{path} = {v!r} is outside the sweep's declared {allowed}",
                        where=f"{source}:{i + 2}, column {col!r}",
                    )
        if t.kind in ("float", "int"):
            kind: Literal["int", "float"] = "int" if t.kind == "int" else "float"
            params.append(Param(path, kind, t.target, min(values), max(values)))
            X[:, j] = values
        else:
            index: dict[str, int] = {}
            levels: list = []
            for v in values:
                k = json.dumps(v)
                if k not in index:
                    index[k] = len(levels)
                    levels.append(v)
            params.append(Param(path, "category", t.target, values=tuple(levels)))
            X[:, j] = [index[json.dumps(v)] for v in values]
    missing = [k for k, _ in declared.values() if canonical(str(k), scenario) not in columns]
    if missing:
        raise CasimError(f"parameter {missing[0]!r} is declared but the design file has no such column", where=source)
    return params, X
