"""Public names of a package loaded from their modules on first use (PEP 562), so importing it stays cheap."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def exports(package: str, names: Mapping[str, str], namespace: dict) -> tuple[Callable[[str], Any], Callable[[], list]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` whose public ``names`` map to the submodules defining them
    (``"module"``, or ``"module:attribute"`` where the submodule's name for it differs, or ``"module:"`` for the
    submodule itself).

    A name is imported on first use and then kept in the package's ``namespace``
    (its ``globals()``), so later look-ups are ordinary attribute reads.
    """

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, colon, attribute = module.partition(":")
        loaded = importlib.import_module(f".{module}", package)
        value = loaded if colon and not attribute else getattr(loaded, attribute or name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
