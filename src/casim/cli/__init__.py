"""The ``casim`` command: argument parsing and progress only; the work is in casim's modules.

Each subcommand lives in a module of this package with a ``register(subparsers)``
function; add a module's name to ``COMMANDS`` to expose it.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import sys
from typing import NoReturn

from .._version import __version__
from ..errors import CasimError

COMMANDS = [
    "run",
    "check",
    "schema",
    "sweep",
    "votes",
    "ideal-points",
    "validate",
    "calibrate",
    "plot",
    "compare",
    "sensitivity",
    "explore",
    "report",
]
MODULES = {
    "run": "run",
    "check": "run",
    "schema": "run",
    "votes": "validate",
    "ideal-points": "measure",
    "validate": "validate",
    "calibrate": "validate",
    "compare": "plot",
    "sensitivity": "plot",
}


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)  # writing standard output failed: disk full, quota


class Parser(argparse.ArgumentParser):
    """argparse with the one-line error every bad input gets (exit code 2): the message, and where the usage is.

    Its subcommands' parsers are of this class too (``add_subparsers`` makes them with the parent's class).
    """

    def error(self, message: str) -> NoReturn:
        line = " ".join(message.split())  # argparse's messages are one line; make sure
        self.exit(2, f"{self.prog}: error: {line} (usage: {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="casim",
        description="Project the geopolitical alignment of the five Central Asian states under scenarios.",
    )
    p.add_argument("--version", action="version", version=f"casim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    seen = set()
    for name in COMMANDS:
        module = MODULES.get(name, name)
        if module in seen:
            continue
        seen.add(module)
        importlib.import_module(f"{__name__}.{module}").register(sub)
    return p


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so the flush at interpreter exit cannot fail a second time."""
    import os

    with contextlib.suppress(OSError, ValueError):  # stdout may have no file descriptor (captured in tests)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    # NumPy madvises huge pages for large arrays; where the kernel then compacts memory on the fault (transparent
    # huge pages with defrag=madvise, as on the machine of docs/performance.md) every large new table pays for it:
    # a 200 x 20 compare of nine scenarios took 10.3-11.8 s with it, 9.0-9.2 s without. Set before numpy loads
    # (the commands import it lazily), so it holds for the command and the workers it starts; an explicit
    # NUMPY_MADVISE_HUGEPAGE wins.
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not at interpreter exit
    except CasimError as e:
        print(f"casim: error: {e}", file=sys.stderr)
        return e.exit_code
    except RecursionError:  # readers cap nesting; this is the net under them
        print("casim: error: input nested too deeply to read", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            "casim: error: out of memory: too many runs for one table; "
            "run them as a sweep keeping summaries (casim sweep)",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("casim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `casim run ... | head`: the reader left; not an error of ours
        _quiet_stdout()
        return 0
    except OSError as e:
        if e.filename is not None or e.errno not in _FULL:
            raise
        _quiet_stdout()  # e.g. `casim run ... > /dev/full`
        print(f"casim: error: cannot write the output: {e.strerror}", file=sys.stderr)
        return 2
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
