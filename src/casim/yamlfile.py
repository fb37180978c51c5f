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
            raise yaml.constructor.ConstructorError(None, None, f"{node.value!r} is not a valid date ({e})", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _lines(node, path=(), out=None, fname=""):
    """The ``file:line`` of every key path; a key given twice in one mapping is an error."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for k, v in node.value:
            line = f"{fname}:{k.start_mark.line + 1}"
            if not isinstance(k, yaml.ScalarNode):
                raise CasimError("a key must be a plain name or number, not a list or mapping", where=line)
            if k.value in seen:
                raise CasimError(f"key {k.value!r} is given twice in one mapping (first at {seen[k.value]})", where=line)
            seen[k.value] = line
            out[path + (k.value,)] = line
            _lines(v, path + (k.value,), out, fname)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[path + (i,)] = f"{fname}:{v.start_mark.line + 1}"
            _lines(v, path + (i,), out, fname)
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
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
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
    return Document(data, origins)
