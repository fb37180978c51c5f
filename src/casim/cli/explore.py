"""``casim explore``: serve the SolaraViz explorer (casim.app) on this machine."""

from __future__ import annotations

import os
import sys

from ..errors import CasimError


def register(sub) -> None:
    p = sub.add_parser("explore", help="open the interactive explorer (Mesa SolaraViz) in a browser, served locally")
    p.add_argument("scenario", nargs="?", default="baseline", help="shipped scenario name or file (default: baseline)")
    p.add_argument("--port", type=int, default=8765, help="port to serve on (default: 8765)")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1, this machine only)")
    p.set_defaults(func=cmd_explore)


def command(scenario: str, port: int, host: str) -> tuple[list[str], dict[str, str]]:
    """The ``solara run`` command line and environment that serve casim.app for ``scenario``."""
    from ..scenario import load_scenario
    from ..shipped import is_name

    load_scenario(scenario)  # a bad file fails here, with casim's one-line error, before a server starts
    source = scenario if is_name(scenario) else os.path.abspath(scenario)
    env = {**os.environ, "CASIM_EXPLORE_SCENARIO": source}
    argv = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "casim.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]
    return argv, env


def cmd_explore(args) -> int:
    try:
        import casim.app  # noqa: F401  # the page and its dependencies (the viz extra)
    except ImportError as e:
        raise CasimError(f"casim explore needs the viz extra: pip install 'casim[viz]' ({e})") from None
    argv, env = command(args.scenario, args.port, args.host)
    print(f"casim explore: serving {args.scenario} on http://{args.host}:{args.port} (Ctrl-C stops it)", flush=True)
    # replace this process with the server, so stopping `casim explore` (Ctrl-C, a test's terminate) stops it
    os.execve(argv[0], argv, env)
    return 0  # pragma: no cover  (execve does not return)
