"""Strict YAML file schemas: the pydantic base of scenario and sweep files, and their one-line errors.

Both file kinds are validated by models derived from :class:`StrictModel`
(unknown keys are errors, values keep YAML's own types, no inf or nan), and a
failed validation becomes one :class:`CasimError` naming the file, the line
and the key, with the nearest valid key when a key is unknown
(:func:`first_error`).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from . import yamlfile
from .errors import CasimError, did_you_mean

# the parts pydantic adds to an error's location for a validator function, e.g. "function-after[_one_kind(), ShockSpec]"
_VALIDATOR_LOC = re.compile(r"function-(after|before|wrap|plain)\[")


class StrictModel(BaseModel):
    """Unknown keys are errors; values keep YAML's own types (``"0.5"`` or ``true`` for a number are refused); no inf or
    nan."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


def valid_keys(root: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the schema ``root`` allows at a location (for 'did you mean')."""
    node: Any = root
    for part in loc:
        node = _child(node, part)
        if node is None:
            return []
    if isinstance(node, type) and issubclass(node, BaseModel):
        return [v.alias or k for k, v in node.model_fields.items()]
    return []


def _child(node, part):
    """The schema node under ``part``: a model class, or ("dict"|"list", item node)."""
    if isinstance(node, tuple):
        return node[1]
    if not (isinstance(node, type) and issubclass(node, BaseModel)):
        return None
    fields = node.model_fields
    f = fields.get(part) or next((v for v in fields.values() if v.alias == part), None)
    if f is None:
        return None
    ann = f.annotation
    for _ in range(3):  # unwrap Optional / Annotated
        origin = typing.get_origin(ann)
        if origin in (dict, list):
            return ("dict" if origin is dict else "list", typing.get_args(ann)[-1])
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        if not args:
            break
        ann = args[0]
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _key_noun(parent: tuple) -> str:
    return "key"


def first_error(
    err: ValidationError,
    origins: dict,
    source: str,
    *,
    root: type[BaseModel],
    reads: str,
    noun: Callable[[tuple], str] = _key_noun,
    validator_prefix: bool = False,
) -> CasimError:
    """The first error of a failed validation against ``root`` as one line naming the file, line and key.

    ``reads`` ends the message of an unsupported ``schema:`` ("this casim reads
    <reads>"); ``noun(parent)`` names what an unknown key at ``parent`` is (a
    key, a state, a power...). A validator's ``ValueError`` is shown as its own
    message, or with pydantic's "value error, " before it when
    ``validator_prefix`` is true (as scenario files always have).
    """
    e = err.errors()[0]
    loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and _VALIDATOR_LOC.match(x)))
    key = ".".join(str(x) for x in loc)
    where = yamlfile.where(origins, loc, source)
    kind = e["type"]
    if kind == "extra_forbidden":
        parent = loc[:-1]
        valid = valid_keys(root, parent)
        return CasimError(f"unknown {noun(parent)} {key!r}{did_you_mean(str(loc[-1]), valid)}", where=where)
    if kind == "missing":
        return CasimError(f"missing required key {key!r}", where=where)
    if kind == "literal_error" and loc == ("schema",):
        return CasimError(f"schema: unsupported version {e.get('input')!r}; this casim reads {reads}", where=where)
    given = e.get("input")
    shown = "" if isinstance(given, dict | list) else f" (got {given!r})"
    own = kind == "value_error" and "error" in e.get("ctx", {}) and not validator_prefix
    msg = str(e["ctx"]["error"]) if own else e["msg"]
    return CasimError(f"{key}: {msg[0].lower() + msg[1:]}{shown}", where=where)
