"""Output folders: safe names, what a folder holds, one writer at a time, whole-folder swaps.

A results folder is written as a whole: :func:`replacing` gives the writer a
temporary sibling ``.<name>.tmp-XXXX``, and when every file is in it (and on the
disk) swaps it with the folder in one ``renameat2(RENAME_EXCHANGE)``, so the
folder's path always holds either the old complete result or the new one
(docs/reliability.md). A folder that holds results of another kind or another
scenario is refused unless the writer is told to overwrite; a non-empty folder
without a casim manifest is never replaced.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import Path

from .errors import CasimError

LOCK = ".casim.lock"
MANIFEST = "manifest.json"
KINDS = {"run": "casim run", "compare": "casim compare", "sweep": "a sweep store"}
MAX_SLUG = 80
RESULTS_ROOT = Path("results")  # default folders: results/<slug>, results/compare, results/sweeps/<slug>


def slug(name: str) -> str:
    """A name made safe as one folder name inside the results root, for any string.

    Letters are folded to ASCII, every run of other characters than
    ``A-Z a-z 0-9 . _ -`` becomes one ``-``, leading dots and dashes go (no hidden
    folder, no ``..``), and the result is cut to 80 characters; nothing left
    gives ``unnamed``. ``"../../x"`` -> ``"x"``, ``"/some/dir"`` -> ``"some-dir"``.
    """
    ascii_ = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_).lstrip(".-")[:MAX_SLUG].rstrip("-")
    return s or "unnamed"


def run_folder(name: str, overrides=(), variant: str | None = None) -> Path:
    """The default folder of a run: ``results/<slug>``, or ``results/<slug>--set-<hash>`` with ``--set`` overrides
    (the first 8 hex digits of the SHA-256 of the ``KEY=VALUE`` list), so an override never lands on the plain run;
    ``--<variant>`` after that for a run other than over the shipped posterior (``point``: the parameters' point
    values; ``posterior-<hash>``: another fit)."""
    overrides = list(overrides)
    folder = slug(name)
    if overrides:
        folder += "--set-" + hashlib.sha256("\n".join(overrides).encode()).hexdigest()[:8]
    if variant:
        folder += "--" + variant
    return RESULTS_ROOT / folder


# ---------------------------------------------------------------------------
# one writer at a time


@contextlib.contextmanager
def writer_lock(folder: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``folder/.casim.lock`` while writing ``folder`` (``what`` names what is written).

    The lock is a non-blocking ``fcntl.flock``: it dies with the process (no stale
    locks after a crash or a kill), and a second writer gets a one-line
    :class:`CasimError` naming the holder's pid instead of waiting. The folder
    is created if missing.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        raise CasimError(f"cannot write {what}: {e.strerror or e}", where=str(folder)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise CasimError(f"cannot lock for {what}: {e.strerror or e}", where=str(folder)) from None
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            raise CasimError(
                f"{folder} is being written by another casim process (pid {holder}); "
                "wait for it to finish or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


# ---------------------------------------------------------------------------
# what a folder holds


def label(meta: Mapping, folder: Path | None = None) -> tuple[str, str]:
    """The kind of a casim manifest ("run", "compare", "sweep") and what it holds, e.g. "scenario 'baseline'".

    Manifests written before they recorded their kind are recognised by their keys.
    """
    kind = meta.get("kind")
    if kind not in KINDS:
        if "comparison" in meta:
            kind = "compare"
        elif "store" in meta or (folder is not None and (folder / "chunks").is_dir()):
            kind = "sweep"
        else:
            kind = "run"
    if kind == "compare":
        return kind, describe_compare((meta.get("comparison") or {}).get("scenarios") or [])
    if kind == "sweep":
        return kind, f"sweep {meta.get('name')!r}"
    scenario = meta.get("scenario")
    name = scenario.get("name") if isinstance(scenario, Mapping) else scenario
    return kind, describe_run(str(name), meta.get("set") or ())


def describe_run(name: str, overrides) -> str:
    """What a run holds: its scenario and its ``--set`` overrides, e.g. "scenario 'baseline' with --set a=1"."""
    overrides = list(overrides)
    return f"scenario {name!r}" + (" with --set " + " ".join(overrides) if overrides else "")


def describe_compare(names) -> str:
    """What a comparison holds: its scenarios in order, e.g. "comparison of 'baseline', 'china-pull'"."""
    return "comparison of " + ", ".join(repr(str(n)) for n in names)


def holds(folder: Path) -> tuple[str, str] | None:
    """What ``folder`` holds: None if it is missing or empty (but for the lock), else ``(kind, what)``.

    The kind is "foreign" for a folder without a readable casim manifest.
    """
    folder = Path(folder)
    if not folder.exists():
        return None
    if not folder.is_dir():
        return "foreign", "a file"
    try:
        entries = [p.name for p in folder.iterdir() if p.name != LOCK]
    except OSError as e:
        raise CasimError(f"cannot read the output folder: {e.strerror or e}", where=str(folder)) from None
    if not entries:
        return None
    try:
        meta = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = None
    if not isinstance(meta, dict) or not ({"casim_version", "kind"} & meta.keys()):
        return "foreign", "files casim did not write (no casim manifest.json)"
    return label(meta, folder)


def check(folder: Path, kind: str, what: str, overwrite: bool = False) -> None:
    """Refuse to write ``kind`` results of ``what`` into ``folder`` if it holds other results.

    A folder of another kind or of other results needs ``overwrite``; a
    non-empty folder casim did not write is refused even then.
    """
    held = holds(folder)
    if held is None or held == (kind, what):
        return
    old_kind, old_what = held
    if old_kind == "foreign":
        raise CasimError(
            f"the output folder holds {old_what}; casim never replaces it: choose another --out folder",
            where=str(folder),
        )
    if not overwrite:
        source = KINDS.get(old_kind, old_kind)
        by = f"{old_what} from {source}" if old_kind != "sweep" else f"{source} ({old_what})"
        raise CasimError(
            f"the output folder holds {by}; pass --overwrite to replace it, or choose another --out folder",
            where=str(folder),
        )


# ---------------------------------------------------------------------------
# whole-folder swaps

_RENAME_EXCHANGE = 2
DEFERRED = (signal.SIGINT, signal.SIGTERM)
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is not supported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def ordinary(mode: int) -> int:
    """``mode`` less the process's umask: the permissions an ordinary ``open``/``mkdir`` would give."""
    umask = os.umask(0)
    os.umask(umask)
    return mode & ~umask


def sync(path: Path) -> None:
    """Flush a file's data, or a folder's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_tree(root: Path) -> None:
    """Flush every file under ``root`` and the folders themselves to the disk."""
    for dirpath, _dirs, files in os.walk(root):
        for name in [*files, "."]:
            sync(Path(dirpath, name))


def _siblings(folder: Path, part: str) -> list[Path]:
    """The ``.<name>.tmp-*`` or ``.<name>.old-*`` folders beside ``folder``."""
    return sorted(folder.parent.glob(f".{glob.escape(folder.name)}.{part}-*"))


def recover(folder: Path) -> None:
    """Finish a swap a kill interrupted, and remove what killed writers left beside ``folder``.

    Only the holder of ``folder``'s writer lock calls it. Where the two-rename
    fallback of :func:`_swap` was cut between its renames, ``folder`` is missing
    (the lock then made it anew, empty), the old folder is at ``.<name>.old-T``
    and the complete new one at ``.<name>.tmp-T``: the new folder's files are put
    in place (the old one's if the new one is gone). Every other ``.tmp-`` /
    ``.old-`` sibling is debris.
    """
    folder = Path(folder)
    if {p.name for p in folder.iterdir()} <= {LOCK}:
        for old in _siblings(folder, "old"):
            new = old.with_name(old.name.replace(".old-", ".tmp-", 1))
            source = new if (new / MANIFEST).exists() else old
            if (source / MANIFEST).exists():
                for p in source.iterdir():
                    os.rename(p, folder / p.name)
                break
    for debris in [*_siblings(folder, "tmp"), *_siblings(folder, "old")]:
        shutil.rmtree(debris, ignore_errors=True)


def _swap(new: Path, folder: Path) -> Path:
    """Put the complete folder ``new`` at ``folder``; returns where the old folder went (to be removed).

    Without ``RENAME_EXCHANGE``, two renames, with SIGINT and SIGTERM held back between them (only SIGKILL
    can cut them; :func:`recover` mends that).
    """
    if _exchange(new, folder):
        return new
    old = new.with_name(new.name.replace(".tmp-", ".old-", 1))
    with _signals_deferred():
        os.rename(folder, old)  # the window: folder missing, both siblings complete
        try:
            os.rename(new, folder)
        except OSError:
            os.rename(old, folder)
            raise
    return old


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back until the block is done, then deliver them (main thread only: Python's rule).

    A handler, not a signal mask: a mask holds a signal back from this thread only, and the others (pyarrow's,
    BLAS's) would take it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, _frame: caught.append(signum)) for s in DEFERRED}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for signum in caught:
            signal.raise_signal(signum)


@contextlib.contextmanager
def _removed_if_left_empty(folder: Path, created: bool) -> Iterator[None]:
    """Remove ``folder`` again if this writer made it and fails, leaving only the lock file in it."""
    try:
        yield
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                if {p.name for p in folder.iterdir()} <= {LOCK}:
                    (folder / LOCK).unlink(missing_ok=True)
                    folder.rmdir()
        raise


@contextlib.contextmanager
def replacing(folder: Path, kind: str, what: str, overwrite: bool = False, noun: str = "results") -> Iterator[Path]:
    """Write ``folder`` as a whole: yields a new empty sibling folder to write into, then swaps it in.

    Under the writer lock: debris of crashed writers is removed, the folder is
    checked (:func:`check`), and the new folder replaces the old one in one
    atomic exchange once every file is on the disk. If the body fails, the old
    folder is left as it was and the new one removed. ``noun`` names what is
    written in error messages ("cannot write results: ...").
    """
    folder = Path(folder)
    if folder.is_symlink() or folder.name in ("", ".", ".."):
        folder = folder.resolve()  # write where a link points (the link stays); "." needs its real name
    if folder.exists() and not folder.is_dir():
        raise CasimError("the output path is a file, not a folder", where=str(folder))
    check(folder, kind, what, overwrite)  # before the lock file is made: a refused folder is left untouched
    created = not folder.exists()
    with writer_lock(folder, noun), _removed_if_left_empty(folder, created):
        try:
            recover(folder)
            check(folder, kind, what, overwrite)
            new = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=folder.parent))
            os.chmod(new, ordinary(0o777))  # mkdtemp's folder is owner-only
        except OSError as e:
            raise CasimError(f"cannot write {noun}: {e.strerror or e}", where=str(folder)) from None
        try:
            yield new
            _sync_tree(new)
            new = _swap(new, folder)
            sync(folder.parent)
        except OSError as e:
            raise CasimError(f"cannot write {noun}: {e.strerror or e}", where=str(folder)) from None
        finally:
            shutil.rmtree(new, ignore_errors=True)  # the old folder after a swap, the unfinished one before
