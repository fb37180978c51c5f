"""Reading casim's input files safely: YAML files (scenarios, sweeps, resolutions) with line numbers.

Every input file is read by :func:`read_bytes`: only a regular file (not a
FIFO, a device or a directory) of bounded size, so no input can block casim or
fill its memory. YAML is parsed with ``yaml.safe_load`` semantics, nested at
most :data:`MAX_DEPTH` deep; every failure is a one-line :class:`CasimError`
naming the file and line. The returned origins map each key path (tuple of
keys and list indices) to ``"file:line"`` so later validation errors can point
at the offending line.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import CasimError

MAX_YAML_BYTES = 16 * 2**20  # casim's YAML files are a few kB; 16 MB is far beyond any real one
MAX_DEPTH = 64  # mappings and lists nested deeper than this are refused (the shipped files nest 5 deep)

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def read_bytes(path: str | Path, *, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is a one-line error naming the file.

    The file is opened without blocking (a FIFO would otherwise wait for a
    writer) and checked on the open descriptor, so what is checked is what is
    read. Reading stops after ``limit + 1`` bytes, even from a file that grows.
    """
    name = str(path) if str(path).isprintable() else repr(str(path))  # a line break in a file name stays in one line
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise CasimError(f"{what} not found", where=name) from None
    except ValueError:  # the path holds a NUL character
        raise CasimError(f"cannot read {what}: a path cannot hold a NUL character", where=name) from None
    except OSError as e:
        why = "a symbolic link loop" if e.errno == errno.ELOOP else (e.strerror or e.__class__.__name__).lower()
        raise CasimError(f"cannot read {what}: {why}", where=name) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KINDS.get(stat.S_IFMT(mode), "not a regular file")
            raise CasimError(f"cannot read {what}: it is {kind}; casim reads regular files only", where=name)
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 2**20))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise CasimError(f"cannot read {what}: {(e.strerror or e.__class__.__name__).lower()}", where=name) from None
    finally:
        os.close(fd)
    if size > limit:
        raise CasimError(f"{what} is larger than casim reads ({limit // 2**20} MB)", where=name)
    return b"".join(chunks)


@dataclass
class Document:
    """A parsed YAML mapping, the ``file:line`` of each key path, and the SHA-256 of the file's bytes."""

    data: dict
    origins: dict[tuple, str]
    sha256: str = ""

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
    make a file refer to itself or expand exponentially. So is nesting deeper
    than :data:`MAX_DEPTH`, which no later step then has to fear.
    """
    out = {} if out is None else out
    seen = set() if seen is None else seen
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in seen:
            raise CasimError(
                "YAML aliases (*name) are not supported in casim files", where=f"{fname}:{node.start_mark.line + 1}"
            )
        if len(path) >= MAX_DEPTH:
            raise CasimError(
                f"mappings and lists nest more than {MAX_DEPTH} deep", where=f"{fname}:{node.start_mark.line + 1}"
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
    raw = read_bytes(path, limit=MAX_YAML_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        row = raw[: e.start].count(b"\n") + 1
        raise CasimError(f"not UTF-8 text (byte 0x{raw[e.start]:02x})", where=f"{name}:{row}") from None
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
        raise CasimError(f"cannot read this value: {_one_line(problem or str(e))}", where=line) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = f"{name}:{mark.line + 1}" if mark else name
        context = ""
        if e.context and e.context_mark and e.problem_mark and e.context_mark.line != e.problem_mark.line:
            context = f" ({e.context} that starts on line {e.context_mark.line + 1})"
        raise CasimError(f"malformed YAML: {_one_line(str(e.problem or e.context))}{context}", where=line) from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow, e.g. NUL
        line = f"{name}:{text[: e.position].count(chr(10)) + 1}"
        raise CasimError(f"malformed YAML: character #x{e.character:04x}: {_one_line(e.reason)}", where=line) from None
    except yaml.YAMLError as e:
        raise CasimError(f"malformed YAML: {_one_line(str(e))}", where=name) from None
    except RecursionError:  # brackets nested past Python's recursion limit, before MAX_DEPTH could be checked
        raise CasimError(f"mappings and lists nest more than {MAX_DEPTH} deep", where=name) from None
    if data is None:
        raise CasimError(f"the file is empty; expected {what}", where=name)
    if not isinstance(data, dict):
        raise CasimError(f"{what} must be a mapping of keys, not a {type(data).__name__}", where=f"{name}:1")
    _check_keys(data, origins, name)
    return Document(data, origins, hashlib.sha256(raw).hexdigest())


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


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
        raise CasimError(f"cannot read this value: {_one_line(e.problem or str(e))}") from None
    except RecursionError:
        raise CasimError("cannot read this value: it nests too deeply") from None
    except yaml.YAMLError:
        return text  # not YAML: take it as the string it is
