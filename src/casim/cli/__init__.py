"""The ``casim`` command: argument parsing and progress only; the work is in casim's modules.

Each subcommand lives in a module of this package with a ``register(subparsers)``
function; add a module's name to ``COMMANDS`` to expose it.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
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


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
    except CasimError as e:
        print(f"casim: error: {e}", file=sys.stderr)
        return e.exit_code
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
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return int(code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
