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


def _lines(node, path=(), out=None, fname=""):
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            out[path + (k.value,)] = f"{fname}:{k.start_mark.line + 1}"
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
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        tag = (e.problem or "").split("'")[1] if "'" in (e.problem or "") else "this tag"
        line = f"{name}:{mark.line + 1}" if mark else name
        raise CasimError(
            f"tag {tag.replace('tag:yaml.org,2002:', '!!')} is not allowed: casim reads plain YAML only (safe_load)",
            where=line,
        ) from None
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
    return Document(data, _lines(node, fname=name))
