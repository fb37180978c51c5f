"""The chunk records of a sweep store: ``chunks.jsonl``, one line per chunk written, and the SHA-256 of a file.

A record is ``{"chunk": k, "bytes": n, "sha256": "..."}``, appended and
flushed to the disk before the chunk's file is renamed into place, so a
chunk file in place always has one; the last record of a chunk counts. A
line torn by a crash or a full disk is no record (its chunk runs again), and
the next record starts on its own line.
:meth:`casim.sweep.store.Store.check` compares the chunk files with them.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import CasimError

LEDGER = "chunks.jsonl"
_HASH_BLOCK = 1 << 20


def _append(f, data: bytes) -> None:
    """Append a record's bytes to the open ``chunks.jsonl`` (a seam the tests use to simulate a full disk)."""
    f.write(data)


def append_record(root: Path, index: int, data: bytes) -> None:
    """Record chunk ``index`` whose file holds ``data``: its size and SHA-256, flushed to the disk (OSError passes)."""
    record = json.dumps({"chunk": index, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    with open(Path(root) / LEDGER, "ab+") as f:
        end = f.seek(0, os.SEEK_END)
        torn = end > 0 and os.pread(f.fileno(), 1, end - 1) != b"\n"
        _append(f, (("\n" if torn else "") + record + "\n").encode())  # a line torn earlier stays apart
        f.flush()
        os.fsync(f.fileno())


def read_records(root: Path) -> dict[int, dict]:
    """The last record of each chunk in ``root/chunks.jsonl`` (a torn or unreadable line counts as no record)."""
    path = Path(root) / LEDGER
    out: dict[int, dict] = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return out
    except OSError as e:
        raise CasimError(f"cannot read the chunk checksums: {e.strerror or e}", where=str(path)) from None
    for line in text.splitlines():
        try:
            rec = json.loads(line)
            index, size, digest = rec["chunk"], rec["bytes"], rec["sha256"]
        except (ValueError, TypeError, KeyError):
            continue
        if isinstance(index, int) and isinstance(size, int) and isinstance(digest, str):
            out[index] = {"bytes": size, "sha256": digest}
    return out


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def mismatch(path: Path, record: dict | None, hash: bool = True) -> str | None:
    """Why the file at ``path`` is not the chunk its record describes (None if it is; by its size alone unless
    ``hash``); OSError passes."""
    size = path.stat().st_size
    if record is None:
        return "it has no checksum record (written by a sweep stopped before recording it)"
    if size != record["bytes"]:
        return f"it has {size:,} bytes where {record['bytes']:,} were written"
    if hash and sha256_file(path) != record["sha256"]:
        return "its SHA-256 differs from the one recorded when it was written"
    return None
