"""The canonical inputs shipped inside the package: scenarios and resolution files, found by name.

They live in ``casim/data/scenarios/`` (package data, read through
:mod:`importlib.resources`), so every command works after ``pip install .``
from any directory. The repository's ``scenarios/`` folder is the
user-facing copy of the same files (a test keeps the two identical).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import CasimError, did_you_mean

# The inputs `casim validate`, `casim votes` and `casim calibrate` use unless told otherwise.
DEFAULT_FILES = {
    "baseline": "baseline.yaml",
    "hindcast": "hindcast_2021.yaml",
    "resolutions": "resolutions/unga_es11_6.yaml",
    "held_out": "resolutions/unga_held_out.yaml",
}


def folder() -> Path:
    """The folder of the shipped scenarios (a real directory: casim is installed unzipped)."""
    return Path(str(resources.files("casim").joinpath("data", "scenarios")))


def scenario_names() -> tuple[str, ...]:
    """Names of the shipped scenarios (file stems), sorted."""
    return tuple(sorted(p.stem for p in folder().glob("*.yaml")))


def scenario_file(name: str) -> Path:
    """The shipped scenario called ``name`` (``baseline``, ``hindcast_2021``, ...); a one-line error naming the valid
    ones."""
    path = folder() / f"{name}.yaml"
    if not path.is_file():
        names = scenario_names()
        raise CasimError(f"no shipped scenario {name!r}{did_you_mean(name, names)}; shipped: {', '.join(names)}")
    return path


def default_file(key: str) -> Path:
    """A shipped input by its role (a key of :data:`DEFAULT_FILES`)."""
    return folder() / DEFAULT_FILES[key]


def is_name(text: str | Path) -> bool:
    """Whether a command-line scenario argument is a bare name (no folder, no suffix) rather than a path."""
    s = str(text)
    return bool(s) and "/" not in s and "\\" not in s and Path(s).suffix == "" and not Path(s).exists()
