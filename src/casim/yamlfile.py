"""Reading casim's YAML files (scenarios, sweeps, resolutions) safely, with line numbers.

Every file is parsed with ``yaml.safe_load`` semantics; every failure is a
one-line :class:`CasimError` naming the file and line. The returned origins
map each key path (tuple of keys and list indices) to ``"file:line"`` so
later validation errors can point at the offending line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import CasimError


@dataclass
class Document:
    """A parsed YAML mapping and the ``file:line`` of each key path."""

    data: dict
    origins: dict[tuple, str]

    def where(self, loc: tuple, default: str) -> str:
        """The line of the deepest known prefix of ``loc``."""
        return where(self.origins, loc, default)


def where(origins: dict[tuple, str], loc: tuple, default: str) -> str:
    for n in range(len(loc), 0, -1):
        if loc[:n] in origins:
            return origins[loc[:n]]
    return default


class _Loader(yaml.SafeLoader):
    """``SafeLoader`` whose impossible dates (2023-02-30) are errors with a line, not a bare ValueError."""

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as e:
            raise yaml.constructor.ConstructorError(
                None, None, f"{node.value!r} is not a valid date ({e})", node.start_mark
            ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _lines(node, path=(), out=None, fname="", seen=None):
    """The ``file:line`` of every key path; a key given twice in one mapping is an error.

    Aliases (``*name``) are refused: casim files are small, and an alias can
    make a file refer to itself or expand exponentially.
    """
    out = {} if out is None else out
    seen = set() if seen is None else seen
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in seen:
            raise CasimError(
                "YAML aliases (*name) are not supported in casim files", where=f"{fname}:{node.start_mark.line + 1}"
            )
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        keys: dict = {}
        for k, v in node.value:
            line = f"{fname}:{k.start_mark.line + 1}"
            if not isinstance(k, yaml.ScalarNode):
                raise CasimError("a key must be a plain name or number, not a list or mapping", where=line)
            if k.value in keys:
                raise CasimError(
                    f"key {k.value!r} is given twice in one mapping (first at {keys[k.value]})", where=line
                )
            keys[k.value] = line
            out[path + (k.value,)] = line
            _lines(v, path + (k.value,), out, fname, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[path + (i,)] = f"{fname}:{v.start_mark.line + 1}"
            _lines(v, path + (i,), out, fname, seen)
    return out


def read(path: str | Path, what: str = "a casim file") -> Document:
    """Parse a YAML mapping file; ``what`` names the kind of file in messages."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CasimError("file not found", where=name) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
        raise CasimError(f"cannot read file ({e.__class__.__name__})", where=name) from None
    try:
        node = yaml.compose(text, Loader=_Loader)
        origins = _lines(node, fname=name)
        data = yaml.load(text, Loader=_Loader)
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        line = f"{name}:{mark.line + 1}" if mark else name
        problem = e.problem or ""
        if "could not determine a constructor" in problem and "'" in problem:
            tag = problem.split("'")[1].replace("tag:yaml.org,2002:", "!!")
            raise CasimError(f"tag {tag} is not allowed: casim reads plain YAML only (safe_load)", where=line) from None
        raise CasimError(f"cannot read this value: {problem or e}", where=line) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"{name}:{mark.line + 1}" if mark else name
        context = ""
        if e.context and e.context_mark and e.problem_mark and e.context_mark.line != e.problem_mark.line:
            context = f" ({e.context} that starts on line {e.context_mark.line + 1})"
        raise CasimError(f"malformed YAML: {e.problem or e.context}{context}", where=line) from None
    except yaml.YAMLError as e:
        raise CasimError(f"malformed YAML: {e}", where=name) from None
    if data is None:
        raise CasimError(f"the file is empty; expected {what}", where=name)
    if not isinstance(data, dict):
        raise CasimError(f"{what} must be a mapping of keys, not a {type(data).__name__}", where=f"{name}:1")
    _check_keys(data, origins, name)
    return Document(data, origins)


def _check_keys(node, origins: dict, name: str, path: tuple = ()) -> None:
    """Every key is a name: YAML reads ``null:``, ``1:`` or ``yes:`` as None, a number or a boolean."""
    if isinstance(node, dict):
        for k, v in node.items():
            if not isinstance(k, str):
                raise CasimError(
                    f"key {k!r} is not a name; quote it if it is meant as one", where=where(origins, path, name)
                )
            _check_keys(v, origins, name, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            _check_keys(v, origins, name, path + (i,))


def value(text: str):
    """One value written in YAML (as after ``--set KEY=``), read with the same rules as casim's files."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.constructor.ConstructorError as e:
        raise CasimError(f"cannot read this value: {e.problem or e}") from None
    except yaml.YAMLError:
        return text  # not YAML: take it as the string it is
