"""What the command line knows and checks before it imports anything heavy.

Building the parser, ``--help`` and argument errors import no engine, pandas
nor plotting library (benchmarks/bench_startup.py; tests/test_startup.py), and a
missing input file is reported before a command imports them. The choices
equal the tuples of the modules that own them (``casim.api.ENGINES``,
``casim.sweep.executors.EXECUTORS``); tests/test_startup.py checks that.
"""

from __future__ import annotations

from pathlib import Path

from .. import shipped
from ..errors import CasimError

ENGINES = ("ensemble", "mesa")
EXECUTORS = ("local", "dask")


def existing(*paths: str | Path | None) -> None:
    """A one-line error for the first of ``paths`` (None: not given) that does not exist."""
    for p in paths:
        if p is not None and not Path(p).exists():
            raise CasimError("file not found", where=str(p))


def scenario_arg(arg: str) -> None:
    """A one-line error unless ``arg`` is an existing file or the name of a shipped scenario."""
    if shipped.is_name(arg):
        shipped.scenario_file(arg)
    else:
        existing(arg)


def posterior_from(name: str | None, draws: int | None, default: str):
    """The posterior ``--posterior`` names (``default`` when not given): None for 'none', the shipped one for
    'shipped', else the folder or draws file given; ``--draws`` checked first."""
    if draws is not None and draws < 1:
        raise CasimError(f"--draws must be at least 1 (got {draws})")
    from .. import posterior

    post = posterior.resolve(default if name is None else name)
    if post is None and draws is not None:
        raise CasimError("--draws needs runs over posterior draws: drop it, or drop --posterior none")
    return post


def add_posterior_args(p, default: str, what: str) -> None:
    """``--posterior`` and ``--draws`` of a command that can run over posterior draws (``what`` it then does)."""
    p.add_argument(
        "--posterior",
        metavar="none|shipped|FILE",
        help=f"{what}; 'shipped' = the UN fit in casim (docs/measurement.md), or a folder with draws.parquet "
        f"(default: {default})",
    )
    p.add_argument("--draws", type=int, help="posterior draws to use, chosen reproducibly from the seed (default: all)")
